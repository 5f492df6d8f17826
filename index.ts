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
import type { GuardFunction } from "./components/guardFunction";

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
    createAnomalyMonitor: config.createAnomalyMonitor,
  },
  opts,
);
const costReport = config.report.enabled
  ? new CostReport(
      "cost-report",
      {
        ...common,
        schedule: config.report.schedule,
        retentionDays: config.report.retentionDays,
        maxCostExplorerRequests: config.report.maxCostExplorerRequests,
        monthlyBudgetUsd: config.monthlyBudgetUsd,
        alertTopicArn: alerts.topicArn,
        publishStatements: alerts.publishStatements(),
        // The tables the recommendations read, once their capabilities exist, e.g.
        // { findings: hygiene.findingsTable, breakers: spot.breakerTable, audit: failsafe.auditTable }.
        tables: {},
      },
      opts,
    )
  : undefined;
/** Every GuardFunction of the stack (errors, dead-letter queues): add each capability's functions here. */
const guardFunctions: GuardFunction[] = [alerts.notifier, ...(costReport ? [costReport.function] : [])];
const dashboard = new GuardDashboard(
  "dashboard",
  {
    stack: config.stack,
    region: aws.config.requireRegion(),
    guardFunctions,
    // The spot advice function (API errors) and the spot functions (circuit-breaker logs) go here.
    apiFunctions: [],
    spotFunctions: [],
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
export const anomalyMonitorArn = budgets.anomalyMonitor?.arn;
/** guardctl report-now invokes this function. */
export const costReportFunction = costReport?.functionName;
export const reportBucket = costReport?.bucketName;
export const dashboardName = dashboard.dashboardName;
export const alarmNames = dashboard.alarmSpecs.map((a) => a.name);
