/**
 * costguard's composition root: stack config → components → stack outputs. No logic here:
 * each capability lives in its own component under components/.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlertChannel } from "./components/alerting";
import { readGuardConfig } from "./components/config";
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
