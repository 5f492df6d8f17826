/**
 * The security enforcer's Lambda entry point end to end: settings from COSTGUARD_SETTINGS,
 * DynamoDB on dynalite (through AWS_ENDPOINT_URL_DYNAMODB, as the handler builds its own
 * clients), EC2 and SNS faked.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EC2Client } from "@aws-sdk/client-ec2";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { handler as securityEnforcer } from "../../runtime/handlers/securityEnforcer";
import { FakeEc2 } from "../support/fakeEc2";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

const SCHEDULED = { version: "0", id: "e1", "detail-type": "Scheduled Event", source: "aws.events", account: "123456789012", time: "2026-11-01T06:00:00Z", region: "us-east-1", resources: [], detail: {} };

describe("securityEnforcer handler", () => {
  let db: LocalDynamo;
  before(async () => {
    db = await startDynalite();
    await db.createTable("enforcer", { sortKey: "S" });
    Object.assign(process.env, {
      ...db.handlerEnv,
      COSTGUARD_STACK: "dev",
      COSTGUARD_ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:alerts",
      COSTGUARD_ENFORCER_TABLE: "enforcer",
      POWERTOOLS_METRICS_NAMESPACE: "CostGuard",
    });
  });
  after(async () => {
    await db.close();
  });

  it("settings that are not JSON, or invalid, fail loudly, naming the problem", async () => {
    process.env.COSTGUARD_SETTINGS = "not json";
    await assert.rejects(securityEnforcer(SCHEDULED), /COSTGUARD_SETTINGS must be JSON/);
    process.env.COSTGUARD_SETTINGS = JSON.stringify({ authorizationTags: [], mode: "delete" });
    await assert.rejects(securityEnforcer(SCHEDULED), (err: Error) => /authorizationTags/.test(err.message) && /mode/.test(err.message));
  });

  it("refuses anything but its schedule, before any AWS call", async () => {
    const ec2 = new FakeEc2(EC2Client);
    ec2.instances = [{ id: "i-rogue", type: "t3.large", state: "running", tags: {} }];
    const sns = mockClient(SNSClient);
    process.env.COSTGUARD_SETTINGS = JSON.stringify({ authorizationTags: ["ManagedBy=costguard"], mode: "terminate", graceHours: 0 });
    for (const event of [undefined, null, "run", 42, [], {}, { Command: "scan" }, { command: "status" }, { source: "aws.ec2", "detail-type": "EC2 Instance State-change Notification", detail: {} }]) {
      const e = (await securityEnforcer(event)) as { ok?: boolean; error?: string };
      assert.equal(e.ok, false, `securityEnforcer acted on ${JSON.stringify(event)}`);
      assert.match(String(e.error), /expected .*Scheduled Event/);
    }
    assert.deepEqual(ec2.calls, [], "no EC2 call");
    assert.equal(sns.calls().length, 0, "no alert");
    ec2.restore();
    sns.restore();
  });

  it("flags an unauthorised instance in audit mode without touching it", async () => {
    const ec2 = new FakeEc2(EC2Client);
    ec2.instances = [
      { id: "i-rogue", type: "t3.large", state: "running", tags: {} },
      { id: "i-ok", type: "t3.large", state: "running", tags: { ManagedBy: "costguard" } },
    ];
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: "m" });
    process.env.COSTGUARD_SETTINGS = JSON.stringify({ authorizationTags: ["ManagedBy=costguard"], mode: "audit" });
    const out = await securityEnforcer(SCHEDULED);
    assert.ok(out.ok);
    assert.deepEqual(out.flagged, ["i-rogue"]);
    assert.deepEqual(ec2.writes(), []);
    assert.equal(sns.commandCalls(PublishCommand).length, 1);
    ec2.restore();
    sns.restore();
  });
});
