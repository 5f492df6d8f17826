/**
 * costguard's composition root: stack config → components → stack outputs. No logic here:
 * each capability lives in its own component under components/.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlertChannel } from "./components/alerting";
import { readGuardConfig } from "./components/config";

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

// --- Spot resilience (SPEC S5) ---
import { SpotResilience } from "./components/spot";

const spot = config.spot.enabled
  ? new SpotResilience(
      "spot",
      { ...common, settings: config.spot, alertTopicArn: alerts.topicArn, publishStatements: alerts.publishStatements() },
      opts,
    )
  : undefined;
/** Fleet managers invoke this function for spot/on-demand advice; guardctl reset-circuit too. */
export const spotAdviceFunction = spot?.adviceFunctionName;
export const spotAdviceFunctionArn = spot?.adviceFunctionArn;
export const spotEventsFunction = spot?.eventsFunctionName;
export const asgOptimizerFunction = spot?.optimizerFunctionName;
export const spotBreakerTable = spot?.breakerTableName;
export const spotPoolRiskTable = spot?.poolRiskTableName;
