/**
 * costguard's composition root: stack config → components → stack outputs. No logic here:
 * each capability lives in its own component under components/.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlertChannel } from "./components/alerting";
import { readGuardConfig } from "./components/config";
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
const common = { stack: config.stack, logRetentionDays: config.logRetentionDays, architecture: config.lambdaArchitecture };

const alerts = new AlertChannel(
  "alerts",
  { ...common, emails: config.alertEmails, encrypt: config.encryptAlerts, slackWebhookUrl: config.slackWebhookUrl },
  opts,
);

export const alertTopicArn = alerts.topicArn;
export const slackNotifierFunction = alerts.notifier.functionName;
export const slackWebhookParameter = alerts.slackWebhookParameterName;

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
