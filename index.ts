/**
 * costguard's composition root: stack config → components → stack outputs. No logic here:
 * each capability lives in its own component under components/.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlertChannel } from "./components/alerting";
import { readGuardConfig } from "./components/config";
import { NodeOptimizer } from "./components/nodeOptimizer";

import { SecurityEnforcer, WasteScanner } from "./components/hygiene";

const config = readGuardConfig();

// Every resource carries these tags (SPEC S1) through the provider's default tags, so the
// guard's own spend is attributable.
const provider = new aws.Provider("aws", {
  region: aws.config.requireRegion(),
  defaultTags: {
    tags: { Environment: config.environment, ManagedBy: "costguard", Project: config.project, Stack: config.stack },
  },
});
const opts: pulumi.ComponentResourceOptions = { providers: { aws: provider } };
const common = { stack: config.stack, logRetentionDays: config.logRetentionDays, architecture: config.lambdaArchitecture };

const alerts = new AlertChannel(
  "alerts",
  { ...common, emails: config.alertEmails, encrypt: config.encryptAlerts, slackWebhookUrl: config.slackWebhookUrl },
  opts,
);

export const alertTopicArn = alerts.topicArn;
export const slackNotifierFunction = alerts.notifier.functionName;
export const slackWebhookParameter = alerts.slackWebhookParameterName;

// --- Fargate services and debug access (SPEC S9) ---
import { DebugAccess } from "./components/debugAccess";
import { CostAwareFargateService, ServiceNetwork } from "./components/fargateService";
const serviceNetwork = config.services.length ? new ServiceNetwork("services", { stack: config.stack, isProduction: config.isProduction }, opts) : undefined;
const services = !serviceNetwork
  ? []
  : config.services.map(
      (service) =>
        new CostAwareFargateService(
          `service-${service.name}`,
          {
            service,
            stack: config.stack,
            isProduction: config.isProduction,
            network: serviceNetwork,
            alertTopicArn: alerts.topicArn,
            cpuAlarmPercent: config.alarms.serviceCpuPercent,
            memoryAlarmPercent: config.alarms.serviceCpuPercent,
            logRetentionDays: config.logRetentionDays,
          },
          opts,
        ),
    );
const debugAccess = new DebugAccess("debug", { stack: config.stack, isProduction: config.isProduction, sshAllowedCidr: config.sshAllowedCidr, vpcId: serviceNetwork?.vpcId }, opts);

export const serviceNames = services.map((s) => s.serviceName);
export const serviceArns = services.map((s) => s.serviceArn);
export const serviceRepositoryUrls = services.map((s) => s.repositoryUrl);
export const serviceClusterName = serviceNetwork?.clusterName ?? null;
export const debugInstanceProfileName = debugAccess.instanceProfileName;
export const debugInstanceProfileArn = debugAccess.instanceProfileArn;
export const debugSshSecurityGroupId = debugAccess.sshSecurityGroupId ?? null;

// --- Failsafe (SPEC S2) ---
import { CostGuard } from "./components/failsafe";

const failsafe = config.failsafe.enabled
  ? new CostGuard(
      "failsafe",
      {
        ...common,
        environments: config.environments,
        failsafe: config.failsafe,
        alertTopicArn: alerts.topicArn,
        publishStatements: alerts.publishStatements(),
      },
      opts,
    )
  : undefined;

/** guardctl's status / stop-env / restore / emergency-stop invoke this function. */
export const failsafeFunction = failsafe?.functionName;
export const failsafeAuditTable = failsafe?.auditTable.name;

// --- Kubernetes node optimizer (SPEC S5) ---
// Only when a cluster is configured (costguard:nodeOptimizer); the dev stack has none.
const nodeOptimizer = config.nodeOptimizer
  ? new NodeOptimizer(
      "nodeOptimizer",
      { ...common, settings: config.nodeOptimizer, alertTopicArn: alerts.topicArn, publishStatements: alerts.publishStatements() },
      opts,
    )
  : undefined;
export const nodeOptimizerFunction = nodeOptimizer?.functionName;

// --- Hygiene (SPEC S6) ---
const hygieneCommon = { ...common, alertTopicArn: alerts.topicArn, publishStatements: alerts.publishStatements() };
const { enabled: wasteEnabled, ...waste } = config.wasteScanner;
const wasteScanner = wasteEnabled ? new WasteScanner("waste", { ...hygieneCommon, ...waste }, opts) : undefined;
const { enabled: enforcerEnabled, ...enforcer } = config.enforcer;
const securityEnforcer = enforcerEnabled ? new SecurityEnforcer("enforcer", { ...hygieneCommon, ...enforcer }, opts) : undefined;

export const wasteScannerFunction = wasteScanner?.functionName;
export const wasteFindingsTable = wasteScanner?.tableName;
export const securityEnforcerFunction = securityEnforcer?.functionName;
export const enforcerTable = securityEnforcer?.tableName;
