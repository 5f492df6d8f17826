/**
 * Both Lambda entry points end to end: settings from COSTGUARD_SETTINGS, DynamoDB on dynalite
 * (through AWS_ENDPOINT_URL_DYNAMODB, as the handlers build their own clients), EC2 and SNS faked.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EC2Client } from "@aws-sdk/client-ec2";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { handler as securityEnforcer } from "../../runtime/handlers/securityEnforcer";
import { handler as wasteScanner } from "../../runtime/handlers/wasteScanner";
import { FakeEc2 } from "./fakeEc2";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

describe("handlers", () => {
  let db: LocalDynamo;
  const stdout: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  before(async () => {
    db = await startDynalite();
    await db.createTable("findings");
    await db.createTable("enforcer", { sortKey: "S" });
    Object.assign(process.env, {
      ...db.handlerEnv,
      COSTGUARD_STACK: "dev",
      COSTGUARD_ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:alerts",
      COSTGUARD_FINDINGS_TABLE: "findings",
      COSTGUARD_ENFORCER_TABLE: "enforcer",
      POWERTOOLS_METRICS_NAMESPACE: "CostGuard",
    });
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      stdout.push(String(chunk));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
  });
  after(async () => {
    process.stdout.write = write;
    await db.close();
  });

  it("a handler with invalid settings fails loudly, naming the field", async () => {
    process.env.COSTGUARD_SETTINGS = JSON.stringify({ unattachedVolumeDays: -1, snapshotAgeDays: 30, stoppedInstanceDays: 14, cleanup: "yes" });
    await assert.rejects(wasteScanner({}), (err: Error) => /unattachedVolumeDays/.test(err.message) && /cleanup/.test(err.message));
    process.env.COSTGUARD_SETTINGS = "not json";
    await assert.rejects(securityEnforcer({}), /COSTGUARD_SETTINGS must be JSON/);
  });

  it("wasteScanner: validates its settings, scans, stores, emits wasteUsdPerMonth and alerts", async () => {
    const ec2 = new FakeEc2(EC2Client);
    ec2.addresses = [{ allocationId: "eipalloc-1", publicIp: "198.51.100.1", tags: {} }];
    ec2.volumes = [{ id: "vol-1", type: "gp2", size: 100, state: "in-use", instanceId: "i-1", tags: { Environment: "prod" } }];
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: "m" });
    process.env.COSTGUARD_SETTINGS = JSON.stringify({ unattachedVolumeDays: 7, snapshotAgeDays: 30, stoppedInstanceDays: 14 });
    const out = await wasteScanner({ source: "aws.events", "detail-type": "Scheduled Event" });
    assert.equal(out.openFindings, 2);
    assert.equal(out.cleanup.mode, "off");
    assert.ok(Math.abs(out.totalMonthlyUsd - (3.65 + 2)) < 1e-9, `EIP $3.65 + gp2→gp3 $2.00 with the interim prices (got ${out.totalMonthlyUsd})`);
    assert.equal(sns.commandCalls(PublishCommand).length, 1);
    const emf = stdout.map((l) => l.trim()).filter((l) => l.startsWith("{") && l.includes("WasteUsdPerMonth")).map((l) => JSON.parse(l));
    assert.equal(emf.length, 1);
    assert.equal(emf[0].WasteUsdPerMonth, out.totalMonthlyUsd);
    assert.equal(emf[0]._aws.CloudWatchMetrics[0].Namespace, "CostGuard");
    ec2.mock.restore();
    sns.restore();
  });

  it("securityEnforcer: flags an unauthorised instance in audit mode without touching it", async () => {
    const ec2 = new FakeEc2(EC2Client);
    ec2.instances = [
      { id: "i-rogue", type: "t3.large", state: "running", tags: {} },
      { id: "i-ok", type: "t3.large", state: "running", tags: { ManagedBy: "costguard" } },
    ];
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: "m" });
    process.env.COSTGUARD_SETTINGS = JSON.stringify({ authorizationTags: ["ManagedBy=costguard"], mode: "audit" });
    const out = await securityEnforcer({});
    assert.deepEqual(out.flagged, ["i-rogue"]);
    assert.deepEqual(ec2.writes(), []);
    assert.equal(sns.commandCalls(PublishCommand).length, 1);
    ec2.mock.restore();
    sns.restore();
  });
});
