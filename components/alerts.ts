/**
 * AlertChannel: the SNS topic every capability reports to, its policy for the AWS
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
import { GuardFunction, type FunctionDefaults, type GuardFunctionTransform, type PolicyStatement } from "./guardFunction";
import { accountScope } from "./iam";
import { renamedFrom, transformed, type Transform } from "./transform";

/** AWS services allowed to publish to the alert topic. */
export const PUBLISHING_SERVICES = [
  "cloudwatch.amazonaws.com",
  "budgets.amazonaws.com",
  "costalerts.amazonaws.com",
  "events.amazonaws.com",
] as const;

export interface AlertChannelTransform extends GuardFunctionTransform {
  key?: Transform<aws.kms.KeyArgs>;
  alias?: Transform<aws.kms.AliasArgs>;
  topic?: Transform<aws.sns.TopicArgs>;
  topicPolicy?: Transform<aws.sns.TopicPolicyArgs>;
  /** The e-mail subscriptions and the Slack notifier's. */
  subscription?: Transform<aws.sns.TopicSubscriptionArgs>;
  /** The SSM parameter holding the Slack webhook URL. */
  parameter?: Transform<aws.ssm.ParameterArgs>;
}

export interface AlertChannelArgs {
  /** The stack's log retention, architecture and dead-letter queue, for the Slack notifier. */
  defaults: FunctionDefaults;
  /** E-mail addresses to subscribe (each must confirm the subscription). */
  emails: pulumi.Input<string>[];
  /** Encrypt the topic with a customer-managed KMS key. */
  encrypt: boolean;
  /** Slack incoming-webhook URL as a secret; stored in SSM as SecureString, read at run time. */
  slackWebhookUrl?: pulumi.Input<string>;
  transform?: AlertChannelTransform;
}

export class AlertChannel extends pulumi.ComponentResource {
  public readonly topic: aws.sns.Topic;
  public readonly topicArn: pulumi.Output<string>;
  public readonly key?: aws.kms.Key;
  public readonly notifier: GuardFunction;
  /** SSM parameter name the notifier reads the webhook URL from (set it by hand if not in config). */
  public readonly slackWebhookParameterName: string;
  private readonly scope: ReturnType<typeof accountScope>;

  constructor(name: string, args: AlertChannelArgs, opts?: pulumi.ComponentResourceOptions) {
    // Was costguard:alerting:AlertChannel: one name per capability (runtime/alerts). The alias keeps deployed stacks' resources.
    super("costguard:alerts:AlertChannel", name, {}, renamedFrom("costguard:alerting:AlertChannel", opts));
    this.scope = accountScope(this);
    this.key = args.encrypt ? this.createKey(name, args) : undefined;
    this.topic = this.createTopic(name, args);
    this.topicArn = this.topic.arn;
    args.emails.forEach((email, i) => {
      new aws.sns.TopicSubscription(...transformed(args.transform?.subscription, `${name}-email-${i}`, { topic: this.topic.arn, protocol: "email", endpoint: email }, { parent: this }));
    });
    this.slackWebhookParameterName = `/costguard/${args.defaults.stack}/slack-webhook-url`;
    this.notifier = this.createSlackNotifier(name, args);
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

  private get accountRoot(): pulumi.Output<string> {
    return pulumi.interpolate`arn:${this.scope.partition}:iam::${this.scope.accountId}:root`;
  }

  private createKey(name: string, args: AlertChannelArgs): aws.kms.Key {
    const parent = { parent: this };
    const key = new aws.kms.Key(
      ...transformed(
        args.transform?.key,
        `${name}-key`,
        {
          description: `costguard alert topic (${args.defaults.stack})`,
          enableKeyRotation: true,
          deletionWindowInDays: 7,
          policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
              { Sid: "AccountAdmin", Effect: "Allow", Principal: { AWS: this.accountRoot }, Action: "kms:*", Resource: "*" },
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
      ),
    );
    new aws.kms.Alias(...transformed(args.transform?.alias, `${name}-key-alias`, { name: `alias/costguard-${args.defaults.stack}-alerts`, targetKeyId: key.keyId }, parent));
    return key;
  }

  private createTopic(name: string, args: AlertChannelArgs): aws.sns.Topic {
    const parent = { parent: this };
    const topic = new aws.sns.Topic(...transformed(args.transform?.topic, `${name}-topic`, { displayName: `costguard ${args.defaults.stack}`, kmsMasterKeyId: this.key?.arn }, parent));
    new aws.sns.TopicPolicy(
      ...transformed(
        args.transform?.topicPolicy,
        `${name}-topic-policy`,
        {
          arn: topic.arn,
          policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "AwsServicesPublish",
                Effect: "Allow",
                Principal: { Service: [...PUBLISHING_SERVICES] },
                Action: "sns:Publish",
                Resource: topic.arn,
                // Only on behalf of this account (confused-deputy protection).
                Condition: { StringEquals: { "aws:SourceAccount": this.scope.accountId } },
              },
              {
                Sid: "AccountPublish",
                Effect: "Allow",
                Principal: { AWS: this.accountRoot },
                Action: ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes"],
                Resource: topic.arn,
              },
            ],
          }),
        },
        parent,
      ),
    );
    return topic;
  }

  /** The notifier reads the webhook URL from SSM at run time: the URL never is an env var. */
  private createSlackNotifier(name: string, args: AlertChannelArgs): GuardFunction {
    const parent = { parent: this };
    let parameterArn: pulumi.Input<string> = pulumi.interpolate`arn:${this.scope.partition}:ssm:${this.scope.region}:${this.scope.accountId}:parameter${this.slackWebhookParameterName}`;
    if (args.slackWebhookUrl !== undefined) {
      const parameter = new aws.ssm.Parameter(
        ...transformed(
          args.transform?.parameter,
          `${name}-slack-webhook`,
          {
            name: this.slackWebhookParameterName,
            type: "SecureString",
            tier: "Standard",
            value: pulumi.secret(args.slackWebhookUrl),
            description: "Slack incoming-webhook URL for costguard alerts",
          },
          parent,
        ),
      );
      parameterArn = parameter.arn;
    }

    // The notifier reads its settings with the same schema; checked here, at preview.
    const settings = parseAlertsSettings({ slackWebhookParameter: this.slackWebhookParameterName }, "the Slack notifier's settings are invalid");
    const notifier = new GuardFunction(
      `${name}-slack`,
      {
        defaults: args.defaults,
        handler: "notifySlack",
        description: "costguard: alert topic to Slack",
        timeoutSeconds: 60,
        environment: { [ENV.slackWebhookParameter]: settings.slackWebhookParameter },
        statements: [{ Sid: "ReadWebhookUrl", Effect: "Allow", Action: READ_SECRET_ACTION, Resource: parameterArn }],
        transform: args.transform,
      },
      parent,
    );
    new aws.lambda.Permission(
      ...transformed(
        args.transform?.permission,
        `${name}-slack-invoke`,
        { action: "lambda:InvokeFunction", function: notifier.functionName, principal: "sns.amazonaws.com", sourceArn: this.topic.arn },
        parent,
      ),
    );
    new aws.sns.TopicSubscription(...transformed(args.transform?.subscription, `${name}-slack-sub`, { topic: this.topic.arn, protocol: "lambda", endpoint: notifier.functionArn }, parent));
    return notifier;
  }
}
