/** The prod stack under mocks: encrypted alerts with a key the publishing services can use. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { stackRun, type StackRun } from "../support/stackRun";
import { ofType, one } from "./helpers";

let run: StackRun;
before(async () => {
  run = await stackRun({ stack: "prod" });
});

describe("prod stack: foundation", () => {
  it("encrypts the alert topic with a customer-managed key that CloudWatch and Budgets may use", () => {
    const key = one(run, "aws:kms/key:Key", "alerts");
    assert.equal(key.inputs.enableKeyRotation, true);
    const policy = JSON.parse(key.inputs.policy as string);
    const publishers = policy.Statement.find((s: { Sid: string }) => s.Sid === "AlertPublishers");
    assert.ok(publishers.Principal.Service.includes("cloudwatch.amazonaws.com"));
    assert.ok(publishers.Principal.Service.includes("budgets.amazonaws.com"));
    assert.deepEqual(publishers.Action, ["kms:GenerateDataKey*", "kms:Decrypt"]);
    assert.equal(one(run, "aws:sns/topic:Topic", "alerts").inputs.kmsMasterKeyId, key.state.arn);
  });

  it("tags prod resources Environment=prod and keeps logs 90 days", () => {
    const defaults = JSON.parse(one(run, "pulumi:providers:aws").inputs.defaultTags as string).tags;
    assert.equal(defaults.Environment, "prod");
    assert.equal(defaults.Stack, "prod");
    for (const lg of ofType(run, "aws:cloudwatch/logGroup:LogGroup")) assert.equal(lg.inputs.retentionInDays, 90, lg.name);
  });

  it("subscribes both configured e-mails", () => {
    const emails = ofType(run, "aws:sns/topicSubscription:TopicSubscription").filter((s) => s.inputs.protocol === "email");
    assert.deepEqual(emails.map((s) => s.inputs.endpoint).sort(), ["finops@example.com", "platform-alerts@example.com"]);
  });

  it("without a Slack secret, creates no parameter but still deploys the notifier reading the well-known name", () => {
    assert.equal(ofType(run, "aws:ssm/parameter:Parameter").length, 0);
    const fn = one(run, "aws:lambda/function:Function", "alerts-slack");
    assert.equal((fn.inputs.environment as { variables: Record<string, string> }).variables.COSTGUARD_SLACK_WEBHOOK_PARAMETER, "/costguard/prod/slack-webhook-url");
  });
});
