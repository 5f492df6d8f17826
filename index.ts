/**
 * costguard's composition root: stack config → components → stack outputs. No logic here:
 * each capability lives in its own component under components/.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlertChannel } from "./components/alerting";
import { Budgets } from "./components/budgets";
import { readGuardConfig } from "./components/config";
import { CostReport } from "./components/costReport";
import { GuardDashboard } from "./components/dashboard";
import { DebugAccess } from "./components/debugAccess";
import { CostAwareDatabase } from "./components/database";
import { CostGuard } from "./components/failsafe";
import { CostAwareFargateService, ServiceNetwork } from "./components/fargateService";
import { sharedDeadLetterQueue, type GuardFunction } from "./components/guardFunction";
import { SecurityEnforcer, WasteScanner } from "./components/hygiene";
import { SpotResilience } from "./components/spot";
import { NodeOptimizer } from "./components/nodeOptimizer";

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
const deadLetterQueue = sharedDeadLetterQueue("guard-dlq", { provider });
/** What every guard function of the stack shares. */
const common = { stack: config.stack, logRetentionDays: config.logRetentionDays, architecture: config.lambdaArchitecture, deadLetterQueue };

// --- Alerts (SPEC S4) ---
const alerts = new AlertChannel(
  "alerts",
  { ...common, emails: config.alertEmails, encrypt: config.encryptAlerts, slackWebhookUrl: config.slackWebhookUrl },
  opts,
);
/** What every capability needs to report to the alert topic. */
const reporting = { alertTopicArn: alerts.topicArn, publishStatements: alerts.publishStatements() };

export const alertTopicArn = alerts.topicArn;
export const slackNotifierFunction = alerts.notifier.functionName;
export const slackWebhookParameter = alerts.slackWebhookParameterName;
/** Failed asynchronous invocations of every guard function land here. */
export const deadLetterQueueUrl = deadLetterQueue.url;

// --- Failsafe (SPEC S2) ---
const failsafe = config.failsafe.enabled
  ? new CostGuard("failsafe", { ...common, ...reporting, environments: config.environments, failsafe: config.failsafe }, opts)
  : undefined;
/** guardctl's status / stop-env / restore / emergency-stop invoke this function. */
export const failsafeFunction = failsafe?.functionName;
export const failsafeAuditTable = failsafe?.auditTable.name;

// --- Spot resilience and the Kubernetes node optimizer (SPEC S5) ---
// Spot events hand EKS nodes to the node optimizer, which consults the spot advice: the node
// optimizer's function name is fixed up front so that neither has to wait for the other.
const nodeDrainer = config.nodeOptimizer && { functionName: `costguard-${config.stack}-node-optimizer`, drainDeadlineSeconds: config.nodeOptimizer.drainDeadlineSeconds };
const spot = config.spot.enabled ? new SpotResilience("spot", { ...common, ...reporting, settings: config.spot, nodeDrainer }, opts) : undefined;
/** Fleet managers invoke this function for spot/on-demand advice; guardctl reset-circuit too. */
export const spotAdviceFunction = spot?.adviceFunctionName;
export const spotAdviceFunctionArn = spot?.adviceFunctionArn;
export const spotEventsFunction = spot?.eventsFunctionName;
export const asgOptimizerFunction = spot?.optimizerFunctionName;
export const spotBreakerTable = spot?.breakerTableName;
export const spotPoolRiskTable = spot?.poolRiskTableName;

// Only when a cluster is configured (costguard:nodeOptimizer); the dev stack has none.
const nodeOptimizer = config.nodeOptimizer
  ? new NodeOptimizer(
      "nodeOptimizer",
      { ...common, ...reporting, settings: config.nodeOptimizer, functionName: nodeDrainer?.functionName, advisor: spot?.advisorAccess() },
      opts,
    )
  : undefined;
// null (not undefined) when no cluster is configured: Pulumi drops undefined outputs with a warning.
export const nodeOptimizerFunction = nodeOptimizer?.functionName ?? null;

// --- Hygiene (SPEC S6) ---
const { enabled: wasteEnabled, ...waste } = config.wasteScanner;
const wasteScanner = wasteEnabled ? new WasteScanner("waste", { ...common, ...reporting, ...waste }, opts) : undefined;
const { enabled: enforcerEnabled, ...enforcer } = config.enforcer;
const securityEnforcer = enforcerEnabled ? new SecurityEnforcer("enforcer", { ...common, ...reporting, ...enforcer }, opts) : undefined;

export const wasteScannerFunction = wasteScanner?.functionName;
export const wasteFindingsTable = wasteScanner?.tableName;
export const securityEnforcerFunction = securityEnforcer?.functionName;
export const enforcerTable = securityEnforcer?.tableName;

// --- Fargate services, their databases and debug access (SPEC S9) ---
// Databases without a VPC of their own live in the services' network, in isolated subnets.
const databasesInNetwork = config.databases.some((d) => !d.vpc);
const serviceNetwork =
  config.services.length || databasesInNetwork
    ? new ServiceNetwork("services", { stack: config.stack, isProduction: config.isProduction, isolatedSubnets: databasesInNetwork }, opts)
    : undefined;
const databases = config.databases.map(
  (database) =>
    new CostAwareDatabase(
      `db-${database.name}`,
      {
        database,
        stack: config.stack,
        isProduction: config.isProduction,
        vpcId: database.vpc?.vpcId ?? serviceNetwork!.vpcId,
        subnetIds: database.vpc?.subnetIds ?? serviceNetwork!.isolatedSubnetIds,
        alertTopicArn: alerts.topicArn,
      },
      opts,
    ),
);
const databaseByName = new Map(databases.map((db) => [db.attachment.name, db.attachment]));
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
            memoryAlarmPercent: config.alarms.serviceMemoryPercent,
            logRetentionDays: config.logRetentionDays,
            databases: service.databases.map((name) => databaseByName.get(name)!),
          },
          opts,
        ),
    );
const debugAccess = new DebugAccess("debug", { stack: config.stack, isProduction: config.isProduction, sshAllowedCidr: config.sshAllowedCidr, vpcId: serviceNetwork?.vpcId }, opts);

export const serviceNames = services.map((s) => s.serviceName);
export const serviceArns = services.map((s) => s.serviceArn);
export const serviceRepositoryUrls = services.map((s) => s.repositoryUrl);
export const serviceClusterName = serviceNetwork?.clusterName ?? null;
export const databaseIdentifiers = databases.map((db) => db.identifier);
export const databaseAddresses = databases.map((db) => db.address);
/** ARNs (not values) of the RDS-managed master user secrets: `aws secretsmanager get-secret-value --secret-id <arn>`. */
export const databaseSecretArns = databases.map((db) => db.masterUserSecretArn);
export const debugInstanceProfileName = debugAccess.instanceProfileName;
export const debugInstanceProfileArn = debugAccess.instanceProfileArn;
export const debugSshSecurityGroupId = debugAccess.sshSecurityGroupId ?? null;

// --- Budgets, daily cost report, dashboard and alarms (SPEC S3, S7, S8) ---
const budgets = new Budgets(
  "budgets",
  {
    stack: config.stack,
    monthlyBudgetUsd: config.monthlyBudgetUsd,
    environmentBudgetsUsd: config.environmentBudgetsUsd,
    emails: config.alertEmails,
    alertTopicArn: alerts.topicArn,
    anomalyThresholdUsd: config.anomalyThresholdUsd,
    anomalyMonitor: config.anomalyMonitor,
    activateEnvironmentTag: config.activateCostAllocationTag,
  },
  opts,
);
const costReport = config.report.enabled
  ? new CostReport(
      "cost-report",
      {
        ...common,
        ...reporting,
        schedule: config.report.schedule,
        retentionDays: config.report.retentionDays,
        maxCostExplorerRequests: config.report.maxCostExplorerRequests,
        monthlyBudgetUsd: config.monthlyBudgetUsd,
        // The tables the recommendations read: waste findings, spot circuit breakers, failsafe history.
        tables: { findings: wasteScanner?.table, breakers: spot?.breakerTable, audit: failsafe?.auditTable },
      },
      opts,
    )
  : undefined;

/** Every GuardFunction of the stack: the dashboard shows and alarms on their errors and dead-letter queues. */
const present = <T>(xs: (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);
const guardFunctions: GuardFunction[] = present([
  alerts.notifier,
  failsafe?.function,
  spot?.events,
  spot?.advice,
  spot?.optimizer,
  wasteScanner?.function,
  securityEnforcer?.function,
  nodeOptimizer?.fn,
  costReport?.function,
]);
const dashboard = new GuardDashboard(
  "dashboard",
  {
    stack: config.stack,
    region: aws.config.requireRegion(),
    guardFunctions,
    apiFunctions: present([spot?.advice]),
    spotFunctions: present([spot?.events, spot?.advice, spot?.optimizer]),
    watchedQueues: config.dashboard.watchedQueues,
    environments: config.environments,
    untaggedMaxHourlyUsd: config.failsafe.untaggedMaxHourlyUsd,
    globalMaxHourlyUsd: config.failsafe.globalMaxHourlyUsd,
    monthlyBudgetUsd: config.monthlyBudgetUsd,
    thresholds: config.alarms,
    alertTopicArn: alerts.topicArn,
  },
  opts,
);

export const budgetName = budgets.budget.name;
export const anomalyMonitorArn = budgets.anomalyMonitorArn ?? null;
/** guardctl report-now invokes this function. */
export const costReportFunction = costReport?.functionName;
export const reportBucket = costReport?.bucketName;
export const dashboardName = dashboard.dashboardName;
export const alarmNames = dashboard.alarmSpecs.map((a) => a.name);
