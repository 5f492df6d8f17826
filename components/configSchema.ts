/**
 * The stack-config schema of costguard: every key under the `costguard:` namespace, with its
 * type, default and description. This is the single source of truth: `config.ts` validates
 * against it, the README's config table and Pulumi.yaml's declarations are checked against it
 * by tests. No @pulumi imports here, so tools can load it cheaply.
 */
import { z } from "zod";

const usd = (what: string) => z.number({ error: `${what} must be a number` }).positive(`must be a positive number`);
const percent = z.number().min(0, "must be 0 or more").max(1000, "must be at most 1000 (percent)");
const minutes = z.number().int("must be a whole number of minutes").min(1, "must be at least 1 minute");
/** EventBridge schedule expressions: rate(...) or cron(...) with six fields. */
export const scheduleExpression = z
  .string()
  .regex(
    /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\((\S+ ){5}\S+\))$/,
    'must be an EventBridge schedule such as "rate(2 minutes)" or "cron(0 9 * * ? *)"',
  );

export const EnvironmentSettings = z.strictObject({
  maxHourlyUsd: usd("maxHourlyUsd").describe("Estimated $/h above which the environment is in breach"),
  spikePercent: percent.describe("Rise of the burn rate over the window, in % of the window's lowest sample"),
  windowMinutes: minutes.max(24 * 60, "must be at most 1440 minutes").describe("Spike window"),
  response: z.enum(["stop", "notify"]).describe("stop: stop the environment's workloads; notify: alert only"),
  priority: z.number().int().min(1).describe("Lower is stopped first when several environments breach"),
  dryRun: z.boolean().describe("Decide, record and notify, but change nothing"),
});
export type EnvironmentSettings = z.infer<typeof EnvironmentSettings>;

/** SPEC S2 defaults. A stack may override any field of these and add environments of its own. */
export const DEFAULT_ENVIRONMENTS: Record<string, EnvironmentSettings> = {
  dev: { maxHourlyUsd: 8, spikePercent: 3.0, windowMinutes: 20, response: "stop", priority: 1, dryRun: false },
  staging: { maxHourlyUsd: 5, spikePercent: 1.5, windowMinutes: 30, response: "stop", priority: 2, dryRun: false },
  prod: { maxHourlyUsd: 2, spikePercent: 0.5, windowMinutes: 60, response: "notify", priority: 3, dryRun: false },
};

export const ServiceSettings = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "must be lower-case letters, digits and dashes (max 31)"),
  image: z.string().min(1, "must name a container image"),
  cpu: z.number().int().refine((v) => [256, 512, 1024, 2048, 4096].includes(v), "must be a Fargate CPU size: 256, 512, 1024, 2048 or 4096").default(256),
  memory: z.number().int().min(512, "must be at least 512 MiB").default(512),
  port: z.number().int().min(1).max(65535).optional(),
  desiredCount: z.number().int().min(0).default(1),
  loadBalancer: z.boolean().default(false),
  healthCheckCommand: z.array(z.string()).optional(),
  /** Container env var name → ARN or name of an SSM parameter / Secrets Manager secret. */
  secrets: z.record(z.string(), z.string()).default({}),
  /** Plain, non-secret environment values. */
  environment: z.record(z.string(), z.string()).default({}),
  scaleToZero: z
    .strictObject({
      enabled: z.boolean().default(true),
      stopSchedule: z.string().default("cron(0 19 ? * MON-FRI *)"),
      startSchedule: z.string().default("cron(0 7 ? * MON-FRI *)"),
      timezone: z.string().default("UTC"),
    })
    .optional(),
});
export type ServiceSettings = z.infer<typeof ServiceSettings>;

export const NodeOptimizerSettings = z.strictObject({
  clusterName: z.string().min(1),
  /** Auto Scaling groups of the cluster's managed/self-managed node groups that may be rebalanced. */
  autoScalingGroups: z.array(z.string()).default([]),
  rebalanceSchedule: scheduleExpression.default("rate(1 hour)"),
  drainDeadlineSeconds: z.number().int().min(10).max(110, "must leave time within the 2-minute spot notice (max 110)").default(90),
  kubernetesGroup: z.string().default("costguard-node-optimizer"),
});

/**
 * The whole schema. Keys are the stack-config keys without the `costguard:` prefix.
 * Objects are merged over their defaults field by field, so a stack sets only what differs.
 */
export const GuardConfigSchema = z.strictObject({
  project: z.string().min(1).default("costguard").describe("Value of the Project tag on every resource"),
  environment: z.string().min(1).optional().describe("Value of the Environment tag on costguard's own resources (default: the stack name)"),
  alertEmails: z.array(z.email("must be an e-mail address")).max(10, "AWS Budgets allows at most 10 e-mail subscribers").default([]).describe("E-mail addresses subscribed to the alert topic and budgets"),
  encryptAlerts: z.boolean().default(true).describe("Encrypt the alert topic with a customer-managed KMS key ($1/month)"),
  logRetentionDays: z
    .number()
    .int()
    .refine((v) => [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365].includes(v), "must be one of CloudWatch's retention periods: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365")
    .default(14)
    .describe("Retention of every log group costguard creates"),
  lambdaArchitecture: z.enum(["arm64", "x86_64"]).default("arm64").describe("Architecture of the guard functions"),
  monthlyBudgetUsd: usd("monthlyBudgetUsd").default(1).describe("Monthly cost budget of the account"),
  environmentBudgetsUsd: z.record(z.string(), usd("budget")).default({}).describe("Optional monthly budgets per Environment tag value"),
  anomalyThresholdUsd: usd("anomalyThresholdUsd").default(10).describe("Minimum impact ($) of a cost anomaly worth an alert"),
  // Each entry is validated after merging over DEFAULT_ENVIRONMENTS (config.ts), so that a
  // new environment must give every field while a known one may give only what differs.
  environments: z
    .record(z.string(), z.record(z.string(), z.unknown(), { error: "must be an object of environment settings" }))
    .default({})
    .describe("Per-environment thresholds and response, merged over the defaults"),
  failsafe: z
    .strictObject({
      enabled: z.boolean().default(true),
      schedule: scheduleExpression.default("rate(2 minutes)"),
      maxActionsPerRun: z.number().int().min(1).max(500).default(20),
      globalMaxHourlyUsd: usd("globalMaxHourlyUsd").default(25),
      globalSpikePercent: percent.default(1.0),
      globalWindowMinutes: minutes.default(60),
      untaggedMaxHourlyUsd: usd("untaggedMaxHourlyUsd").default(5),
      stopUntagged: z.boolean().default(true).describe("On an untagged breach, stop untagged stand-alone instances"),
      sampleRetentionHours: z.number().int().min(2).max(24 * 31).default(48),
    })
    .prefault({})
    .describe("Burn-rate check and graduated failsafe (SPEC S2)"),
  spot: z
    .strictObject({
      enabled: z.boolean().default(true),
      breakerThreshold: z.number().int().min(1).default(3),
      breakerWindowMinutes: minutes.default(15),
      breakerCooldownMinutes: minutes.default(30),
      breakerMaxCooldownMinutes: minutes.default(240),
      breakerQuietMinutes: minutes.default(30),
      breakerPerAz: z.boolean().default(false),
      poolPoisonDays: z.number().int().min(1).max(365).default(15),
      poisoningEnvironments: z.array(z.string()).default(["prod"]),
      optimizerEnabled: z.boolean().default(true),
      optimizerSchedule: scheduleExpression.default("rate(30 minutes)"),
      minOnDemandDefault: z.number().int().min(0).default(1),
    })
    .refine((s) => s.breakerMaxCooldownMinutes >= s.breakerCooldownMinutes, {
      path: ["breakerMaxCooldownMinutes"],
      message: "must be at least breakerCooldownMinutes (the cap of the doubled cooldown)",
    })
    .prefault({})
    .describe("Spot interruption handling, circuit breaker, pool risk and ASG optimizer (SPEC S5)"),
  wasteScanner: z
    .strictObject({
      enabled: z.boolean().default(true),
      schedule: scheduleExpression.default("cron(0 6 * * ? *)"),
      unattachedVolumeDays: z.number().int().min(0).default(7),
      snapshotAgeDays: z.number().int().min(1).default(30),
      stoppedInstanceDays: z.number().int().min(1).default(14),
      cleanup: z.enum(["off", "dry-run", "apply"]).default("off"),
      cleanupGraceDays: z.number().int().min(1).default(7),
    })
    .prefault({})
    .describe("Daily waste scan (SPEC S6)"),
  enforcer: z
    .strictObject({
      enabled: z.boolean().default(true),
      schedule: scheduleExpression.default("rate(1 hour)"),
      authorizationTags: z.array(z.string().min(1)).min(1, "must list at least one tag").default(["ManagedBy=costguard", "aws:autoscaling:groupName", "eks:cluster-name"]),
      mode: z.enum(["audit", "stop", "terminate"]).default("audit"),
      graceHours: z.number().min(0).default(24),
      maxActionsPerRun: z.number().int().min(1).default(20),
    })
    .prefault({})
    .describe("Enforcer for unauthorised running instances (SPEC S6)"),
  report: z
    .strictObject({
      enabled: z.boolean().default(true),
      schedule: scheduleExpression.default("cron(0 9 * * ? *)"),
      retentionDays: z.number().int().min(1).default(400),
      maxCostExplorerRequests: z.number().int().min(1).max(5, "SPEC S7 allows at most 5 Cost Explorer requests per run").default(5),
    })
    .prefault({})
    .describe("Daily cost report (SPEC S7)"),
  dashboard: z
    .strictObject({
      watchedQueues: z.array(z.string()).default([]).describe("SQS queue names whose depth and age the dashboard shows"),
    })
    .prefault({})
    .describe("CloudWatch dashboard (SPEC S8)"),
  alarms: z
    .strictObject({
      oldestMessageAgeSeconds: z.number().positive().default(300),
      apiErrorsPer5Minutes: z.number().positive().default(5),
      spotInterruptionRatePercent: z.number().positive().max(100).default(20),
      poolUtilisation: z.number().positive().max(1).default(0.95),
      deadLetterMessages: z.number().positive().default(10),
      serviceCpuPercent: z.number().positive().max(100).default(80),
    })
    .prefault({})
    .describe("Alarm thresholds (SPEC S8)"),
  services: z.array(ServiceSettings).default([]).describe("Cost-aware Fargate services to run (SPEC S9)"),
  nodeOptimizer: NodeOptimizerSettings.optional().describe("EKS cluster whose nodes the node optimizer manages (SPEC S5)"),
  sshAllowedCidr: z.cidrv4("must be an IPv4 CIDR such as 203.0.113.0/24").optional().describe("CIDR allowed SSH to debug instances; never 0.0.0.0/0 in prod"),
});
export type GuardConfigInput = z.input<typeof GuardConfigSchema>;
export type GuardConfigParsed = z.output<typeof GuardConfigSchema>;
