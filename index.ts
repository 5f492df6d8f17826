/**
 * costguard's composition root: stack config → components → stack outputs. No logic here:
 * each capability lives in its own component under components/ (the library, lib.ts), and
 * config/ reads and validates the stack config this file maps onto their args.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MemberSpotForwarding } from "./components/memberSpotForwarding";
import { organizationHub, sweepEstimateTransform, type FailsafeSweepWiring } from "./components/organizationHub";
import { sweepUnits } from "./config/organization";
import { readGuardConfig } from "./config/read";
import { failsafeSettings, spotRuntimeSettings } from "./config/runtimeSettings";
import {
  AlertChannel,
  Budgets,
  CostAwareDatabase,
  CostAwareFargateService,
  CostReport,
  CrossRegionSpotEvents,
  DebugAccess,
  Failsafe,
  forwardingRegions,
  GuardDashboard,
  NodeOptimizer,
  SecurityEnforcer,
  ServiceNetwork,
  sharedDeadLetterQueue,
  SpotResilience,
  SweepBucket,
  WasteScanner,
  type FailsafeArgs,
  type FunctionDefaults,
  type GuardFunction,
} from "./lib";

const config = readGuardConfig();

// Every resource carries these tags through the provider's default tags, so the guard's own
// spend is attributable.
const defaultTags = { tags: { Environment: config.environment, ManagedBy: "costguard", Project: config.project, Stack: config.stack } };
const provider = new aws.Provider("aws", { region: aws.config.requireRegion(), defaultTags });
const opts: pulumi.ComponentResourceOptions = { providers: { aws: provider } };
const deadLetterQueue = sharedDeadLetterQueue("guard-dlq", { provider });
/** What every guard function of the stack shares. */
const defaults: FunctionDefaults = { stack: config.stack, logRetentionDays: config.logRetentionDays, architecture: config.lambdaArchitecture, deadLetterQueue };
/** Optional outputs are null, never undefined, when their capability is off: Pulumi drops undefined outputs with a warning. */
const orNull = <T>(value: T | undefined): T | null => value ?? null;

// --- Alerts ---
const alerts = new AlertChannel("alerts", { defaults, emails: config.alertEmails, encrypt: config.encryptAlerts, slackWebhookUrl: config.slackWebhookUrl }, opts);
/** What every capability needs to report to the alert topic. */
const reporting = { alertTopicArn: alerts.topicArn, publishStatements: alerts.publishStatements() };

export const alertTopicArn = alerts.topicArn;
export const slackNotifierFunction = alerts.notifier.functionName;
export const slackWebhookParameter = alerts.slackWebhookParameterName;
/** Failed asynchronous invocations of every guard function land here. */
export const deadLetterQueueUrl = deadLetterQueue.url;

// --- Failsafe ---
// Organisation mode: the sweep's bucket comes first (the failsafe writes there, the state machine
// reads there); the sweep then drives the failsafe at its schedule.
const units = sweepUnits(config);
const sweepBucket = config.organization ? new SweepBucket("sweep", { schedule: config.failsafe.schedule, units: units.units }, opts) : undefined;
const failsafeArgs: FailsafeArgs & FailsafeSweepWiring = {
  defaults,
  ...reporting,
  settings: failsafeSettings(config.environments, config.failsafe),
  schedule: config.failsafe.schedule,
  regions: config.regions,
  organization: config.organization,
  ...(sweepBucket && {
    sweep: { bucketName: sweepBucket.bucketName, bucketArn: sweepBucket.bucketArn },
    transform: sweepEstimateTransform(units.units, config.failsafe.schedule),
  }),
};
const failsafe = config.failsafe.enabled ? new Failsafe("failsafe", failsafeArgs, opts) : undefined;
/** guardctl's status / stop-env / restore / emergency-stop invoke this function. */
export const failsafeFunction = orNull(failsafe?.functionName);
export const failsafeAuditTable = orNull(failsafe?.auditTable.name);

// --- Spot resilience and the Kubernetes node optimizer ---
// Spot events hand EKS nodes to the node optimizer, which consults the spot advice: the node
// optimizer's function name is fixed up front so that neither has to wait for the other.
const nodeDrainer = config.nodeOptimizer && { functionName: `costguard-${config.stack}-node-optimizer`, drainDeadlineSeconds: config.nodeOptimizer.drainDeadlineSeconds };
const spotConfig = config.spot;
const spot = spotConfig.enabled
  ? new SpotResilience(
      "spot",
      {
        defaults,
        ...reporting,
        settings: spotRuntimeSettings(spotConfig),
        optimizer: spotConfig.optimizerEnabled
          ? { schedule: spotConfig.optimizerSchedule, launchTemplates: spotConfig.optimizerLaunchTemplates, instanceRoles: spotConfig.optimizerInstanceRoles, kmsKeys: spotConfig.optimizerKmsKeys }
          : undefined,
        nodeDrainer,
        regions: config.regions,
        organization: config.organization,
      },
      opts,
    )
  : undefined;
/** Fleet managers invoke this function for spot/on-demand advice; guardctl reset-circuit too. */
export const spotAdviceFunction = orNull(spot?.adviceFunctionName);
export const spotAdviceFunctionArn = orNull(spot?.adviceFunctionArn);
export const spotEventsFunction = orNull(spot?.eventsFunctionName);
export const asgOptimizerFunction = orNull(spot?.optimizerFunctionName);
export const spotBreakerTable = orNull(spot?.breakerTableName);
export const spotPoolRiskTable = orNull(spot?.poolRiskTableName);
// Spot events of the other covered regions reach the handler through the home region's bus.
const forwardFrom = forwardingRegions(config.regions, aws.config.requireRegion());
const spotForward =
  spot && (forwardFrom.length || config.organization)
    ? new CrossRegionSpotEvents("spot-forward", { regions: forwardFrom, providerArgs: { defaultTags }, organizationId: config.organization?.organizationId }, opts)
    : undefined;
// And those of every member account, in every covered region (the home region too).
if (spotForward && config.organization) {
  const home = aws.config.requireRegion();
  new MemberSpotForwarding(
    "spot-members",
    {
      stack: config.stack,
      hubBusArn: spotForward.homeBusArn,
      hubAccountId: aws.getCallerIdentityOutput({}, { provider }).accountId,
      deploymentTargets: config.organization.deploymentTargets,
      regions: [...new Set([home, ...forwardFrom])].sort(),
      callAs: config.organization.callAs,
    },
    opts,
  );
}

// Only when a cluster is configured (costguard:nodeOptimizer); the dev stack has none.
const nodeOptimizer = config.nodeOptimizer
  ? new NodeOptimizer("nodeOptimizer", { defaults, ...reporting, settings: config.nodeOptimizer, functionName: nodeDrainer?.functionName, advisor: spot?.advisorAccess() }, opts)
  : undefined;
export const nodeOptimizerFunction = orNull(nodeOptimizer?.functionName);

// --- Waste scanner and enforcer ---
const { enabled: wasteEnabled, ...waste } = config.wasteScanner;
const wasteScanner = wasteEnabled ? new WasteScanner("waste", { defaults, ...reporting, ...waste, regions: config.regions, organization: config.organization }, opts) : undefined;
const { enabled: enforcerEnabled, ...enforcer } = config.enforcer;
const securityEnforcer = enforcerEnabled ? new SecurityEnforcer("enforcer", { defaults, ...reporting, ...enforcer, regions: config.regions, organization: config.organization }, opts) : undefined;

export const wasteScannerFunction = orNull(wasteScanner?.functionName);
export const wasteFindingsTable = orNull(wasteScanner?.tableName);
export const securityEnforcerFunction = orNull(securityEnforcer?.functionName);
export const enforcerTable = orNull(securityEnforcer?.tableName);

// --- Organisation mode: the member role in every account, the sweep ---
const hub =
  config.organization && failsafe && sweepBucket
    ? organizationHub(
        {
          stack: config.stack,
          region: aws.config.requireRegion(),
          logRetentionDays: config.logRetentionDays,
          organization: config.organization,
          units,
          schedule: config.failsafe.schedule,
          failsafe: { component: failsafe, settings: failsafeArgs.settings },
          waste: wasteScanner && { component: wasteScanner, cleanup: waste.cleanup },
          enforcer: securityEnforcer && { component: securityEnforcer, mode: enforcer.mode, authorizationTags: enforcer.authorizationTags },
          spotEvents: spot && { roleArn: spot.events.role.arn },
          sweepBucket,
          provider,
        },
        opts,
      )
    : undefined;
/** The StackSet that rolls the member role out to every account of the target OUs. */
export const memberAccessStackSet = orNull(hub?.memberAccess.stackSetName);
/** The organisation sweep's state machine (Step Functions). */
export const sweepStateMachineArn = orNull(hub?.sweep.stateMachineArn);

// --- Fargate services, their databases and debug access ---
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
export const serviceClusterName = orNull(serviceNetwork?.clusterName);
export const databaseIdentifiers = databases.map((db) => db.identifier);
export const databaseAddresses = databases.map((db) => db.address);
/** ARNs (not values) of the RDS-managed master user secrets: `aws secretsmanager get-secret-value --secret-id <arn>`. */
export const databaseSecretArns = databases.map((db) => db.masterUserSecretArn);
export const debugInstanceProfileName = debugAccess.instanceProfileName;
export const debugInstanceProfileArn = debugAccess.instanceProfileArn;
export const debugSshSecurityGroupId = orNull(debugAccess.sshSecurityGroupId);

// --- Budgets, daily cost report, dashboard and alarms ---
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
        defaults,
        ...reporting,
        schedule: config.report.schedule,
        retentionDays: config.report.retentionDays,
        maxCostExplorerRequests: config.report.maxCostExplorerRequests,
        monthlyBudgetUsd: config.monthlyBudgetUsd,
        // The tables the recommendations read: waste findings, spot circuit breakers, failsafe history.
        tables: { findings: wasteScanner?.table, breakers: spot?.breakerTable, audit: failsafe?.auditTable },
        // Cost Explorer's LINKED_ACCOUNT and REGION: from the management or a delegated-admin account.
        byAccountAndRegion: !!config.organization,
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
    // Burn, waste and unreadable units by account and region (Logs Insights over the functions' unit lines).
    byUnit: config.regions || config.organization ? { failsafe: failsafe?.function, wasteScanner: wasteScanner?.function, enforcer: securityEnforcer?.function } : undefined,
  },
  opts,
);

export const budgetName = budgets.budget.name;
export const anomalyMonitorArn = orNull(budgets.anomalyMonitorArn);
/** guardctl report-now invokes this function. */
export const costReportFunction = orNull(costReport?.functionName);
export const reportBucket = orNull(costReport?.bucketName);
export const dashboardName = dashboard.dashboardName;
export const alarmNames = dashboard.alarmSpecs.map((a) => a.name);
