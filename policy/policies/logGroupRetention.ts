/** Log groups need a retention; remediation sets the configured default. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asObject, withDefaults } from "./common";

export interface LogGroupRetentionConfig {
  defaultRetentionDays: number;
  maxRetentionDays?: number;
}

export const RETENTION_DEFAULTS: LogGroupRetentionConfig = { defaultRetentionDays: 14 };
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
/** awsx ECS components create their own log group; `taskDefinitionArgs.logGroup.args` configures it. */
const AWSX_TASKS = ["awsx:ecs:FargateService", "awsx:ecs:EC2Service", "awsx:ecs:FargateTaskDefinition", "awsx:ecs:EC2TaskDefinition"];

export const logGroupRetention: ResourceValidationPolicy = {
  name: "log-group-retention",
  description: "CloudWatch log groups set a retention (logs kept forever are billed forever); remediation sets retentionInDays to the default.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      defaultRetentionDays: { type: "integer", default: RETENTION_DEFAULTS.defaultRetentionDays, description: "Retention the remediation sets, in days" },
      maxRetentionDays: { type: "integer", description: "Longest retention allowed, in days (unset: any)" },
    },
  },
  remediateResource: (args) => {
    if (args.type !== LOG_GROUP || (args.props.retentionInDays ?? 0) > 0) return undefined;
    const cfg = withDefaults(RETENTION_DEFAULTS, args.getConfig<Partial<LogGroupRetentionConfig>>());
    return { ...args.props, retentionInDays: cfg.defaultRetentionDays };
  },
  validateResource: (args, report) => {
    const cfg = withDefaults(RETENTION_DEFAULTS, args.getConfig<Partial<LogGroupRetentionConfig>>());
    if (AWSX_TASKS.includes(args.type)) {
      const tda = args.type.endsWith("TaskDefinition") ? args.props : asObject(args.props.taskDefinitionArgs);
      const logArgs = asObject(asObject(tda.logGroup).args);
      const days = logArgs.retentionInDays as number | undefined;
      if (days === 0) report(`${args.type} "${args.name}" creates its log group with retentionInDays 0 (kept forever): set taskDefinitionArgs.logGroup.args.retentionInDays (e.g. ${cfg.defaultRetentionDays}).`);
      else if (days !== undefined && cfg.maxRetentionDays !== undefined && days > cfg.maxRetentionDays) report(`${args.type} "${args.name}" keeps task logs ${days} days, more than the ${cfg.maxRetentionDays} allowed.`);
      return;
    }
    if (args.type !== LOG_GROUP) return;
    const days = args.props.retentionInDays as number | undefined;
    if (!days) {
      report(`Log group "${args.name}" keeps logs forever: set retentionInDays (e.g. ${cfg.defaultRetentionDays}); run with enforcement level "remediate" to set it automatically.`);
    } else if (cfg.maxRetentionDays !== undefined && days > cfg.maxRetentionDays) {
      report(`Log group "${args.name}" keeps logs ${days} days, more than the ${cfg.maxRetentionDays} allowed: lower retentionInDays.`);
    }
  },
};
