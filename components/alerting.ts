/**
 * AlertChannel (SPEC S4): the SNS topic every capability reports to, its policy for the AWS
 * services that publish to it, e-mail subscriptions, and the Slack notifier.
 *
 * CloudWatch alarms and AWS Budgets cannot publish to a topic encrypted with the AWS-managed
 * `aws/sns` key, so encryption uses a customer-managed key whose policy lets them ($1/month,
 * so dev may switch it off).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { parseAlertsSettings } from "../runtime/alerts/settings";
import { ENV } from "../runtime/contract";
import { ENCRYPTED_TOPIC_ACTIONS, PUBLISH_ACTION } from "../runtime/shared/events";
import { READ_SECRET_ACTION } from "../runtime/shared/secrets";
import { GuardFunction, type FunctionDefaults, type PolicyStatement } from "./guardFunction";

/** AWS services allowed to publish to the alert topic. */
export const PUBLISHING_SERVICES = [
  "cloudwatch.amazonaws.com",
  "budgets.amazonaws.com",
  "costalerts.amazonaws.com",
  "events.amazonaws.com",
] as const;

export interface AlertChannelArgs extends FunctionDefaults {
  /** E-mail addresses to subscribe (each must confirm the subscription). */
  emails: string[];
  /** Encrypt the topic with a customer-managed KMS key. */
  encrypt: boolean;
  /** Slack incoming-webhook URL as a secret; stored in SSM as SecureString, read at run time. */
  slackWebhookUrl?: pulumi.Input<string>;
}

export class AlertChannel extends pulumi.ComponentResource {
  public readonly topic: aws.sns.Topic;
  public readonly topicArn: pulumi.Output<string>;
  public readonly key?: aws.kms.Key;
  public readonly notifier: GuardFunction;
  /** SSM parameter name the notifier reads the webhook URL from (set it by hand if not in config). */
  public readonly slackWebhookParameterName: string;

  constructor(name: string, args: AlertChannelArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:alerting:AlertChannel", name, {}, opts);
    const parent = { parent: this };
    const identity = aws.getCallerIdentityOutput({}, parent);
    const accountId = identity.accountId;

    if (args.encrypt) {
      this.key = new aws.kms.Key(
        `${name}-key`,
        {
          description: `costguard alert topic (${args.stack})`,
          enableKeyRotation: true,
          deletionWindowInDays: 7,
          policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
              { Sid: "AccountAdmin", Effect: "Allow", Principal: { AWS: pulumi.interpolate`arn:aws:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" },
              {
                Sid: "AlertPublishers",
                Effect: "Allow",
                Principal: { Service: [...PUBLISHING_SERVICES] },
                Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
                Resource: "*",
              },
            ],
          }),
        },
        parent,
      );
      new aws.kms.Alias(`${name}-key-alias`, { name: `alias/costguard-${args.stack}-alerts`, targetKeyId: this.key.keyId }, parent);
    }

    this.topic = new aws.sns.Topic(
      `${name}-topic`,
      { displayName: `costguard ${args.stack}`, kmsMasterKeyId: this.key?.arn },
      parent,
    );
    this.topicArn = this.topic.arn;

    new aws.sns.TopicPolicy(
      `${name}-topic-policy`,
      {
        arn: this.topic.arn,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AwsServicesPublish",
              Effect: "Allow",
              Principal: { Service: [...PUBLISHING_SERVICES] },
              Action: "sns:Publish",
              Resource: this.topic.arn,
              // Only on behalf of this account (confused-deputy protection).
              Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
            {
              Sid: "AccountPublish",
              Effect: "Allow",
              Principal: { AWS: pulumi.interpolate`arn:aws:iam::${accountId}:root` },
              Action: ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes"],
              Resource: this.topic.arn,
            },
          ],
        }),
      },
      parent,
    );

    args.emails.forEach((email, i) => {
      new aws.sns.TopicSubscription(`${name}-email-${i}`, { topic: this.topic.arn, protocol: "email", endpoint: email }, parent);
    });

    this.slackWebhookParameterName = `/costguard/${args.stack}/slack-webhook-url`;
    // The notifier reads its settings with the same schema; checked here, at preview.
    const settings = parseAlertsSettings({ slackWebhookParameter: this.slackWebhookParameterName }, "the Slack notifier's settings are invalid");
    let parameterArn: pulumi.Input<string> = pulumi.interpolate`arn:aws:ssm:${aws.getRegionOutput({}, parent).region}:${accountId}:parameter${this.slackWebhookParameterName}`;
    if (args.slackWebhookUrl !== undefined) {
      const parameter = new aws.ssm.Parameter(
        `${name}-slack-webhook`,
        {
          name: this.slackWebhookParameterName,
          type: "SecureString",
          tier: "Standard",
          value: pulumi.secret(args.slackWebhookUrl),
          description: "Slack incoming-webhook URL for costguard alerts",
        },
        parent,
      );
      parameterArn = parameter.arn;
    }

    this.notifier = new GuardFunction(
      `${name}-slack`,
      {
        handler: "notifySlack",
        description: "costguard: alert topic to Slack",
        stack: args.stack,
        logRetentionDays: args.logRetentionDays,
        architecture: args.architecture,
        deadLetterQueue: args.deadLetterQueue,
        timeoutSeconds: 60,
        environment: { [ENV.slackWebhookParameter]: settings.slackWebhookParameter },
        statements: [{ Sid: "ReadWebhookUrl", Effect: "Allow", Action: READ_SECRET_ACTION, Resource: parameterArn }],
      },
      parent,
    );
    new aws.lambda.Permission(
      `${name}-slack-invoke`,
      { action: "lambda:InvokeFunction", function: this.notifier.functionName, principal: "sns.amazonaws.com", sourceArn: this.topic.arn },
      parent,
    );
    new aws.sns.TopicSubscription(`${name}-slack-sub`, { topic: this.topic.arn, protocol: "lambda", endpoint: this.notifier.functionArn }, parent);

    this.registerOutputs({ topicArn: this.topicArn, notifierName: this.notifier.functionName });
  }

  /** IAM statement letting a guard function publish its events to the topic (and use the key). */
  publishStatements(): PolicyStatement[] {
    const statements: PolicyStatement[] = [
      { Sid: "PublishAlerts", Effect: "Allow", Action: PUBLISH_ACTION, Resource: this.topic.arn },
    ];
    if (this.key) statements.push({ Sid: "EncryptAlerts", Effect: "Allow", Action: [...ENCRYPTED_TOPIC_ACTIONS], Resource: this.key.arn });
    return statements;
  }
}
