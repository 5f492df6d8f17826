/**
 * The waste scanner's Lambda entry point end to end: settings from COSTGUARD_SETTINGS, DynamoDB on
 * dynalite (through AWS_ENDPOINT_URL_DYNAMODB, as the handler builds its own clients), EC2 and SNS faked.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EC2Client } from "@aws-sdk/client-ec2";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { handler as wasteScanner } from "../../runtime/handlers/wasteScanner";
import { FakeEc2 } from "../support/fakeEc2";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

const SCHEDULED = { version: "0", id: "e1", "detail-type": "Scheduled Event", source: "aws.events", account: "123456789012", time: "2026-11-01T06:00:00Z", region: "us-east-1", resources: [], detail: {} };

describe("wasteScanner handler", () => {
  let db: LocalDynamo;
  const stdout: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  before(async () => {
    db = await startDynalite();
    await db.createTable("findings");
    Object.assign(process.env, {
      ...db.handlerEnv,
      COSTGUARD_STACK: "dev",
      COSTGUARD_ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:alerts",
      COSTGUARD_FINDINGS_TABLE: "findings",
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

  it("invalid settings fail loudly, naming the field", async () => {
    process.env.COSTGUARD_SETTINGS = JSON.stringify({ unattachedVolumeDays: -1, snapshotAgeDays: 30, stoppedInstanceDays: 14, cleanup: "yes" });
    await assert.rejects(wasteScanner(SCHEDULED), (err: Error) => /unattachedVolumeDays/.test(err.message) && /cleanup/.test(err.message));
  });

  it("refuses anything but its schedule, before any AWS call", async () => {
    const ec2 = new FakeEc2(EC2Client);
    ec2.addresses = [{ allocationId: "eipalloc-1", publicIp: "198.51.100.1", tags: { "costguard:cleanup-due": "2020-01-01" } }];
    const sns = mockClient(SNSClient);
    process.env.COSTGUARD_SETTINGS = JSON.stringify({ unattachedVolumeDays: 7, snapshotAgeDays: 30, stoppedInstanceDays: 14, cleanup: "apply" });
    for (const event of [undefined, null, "run", 42, [], {}, { Command: "scan" }, { command: "status" }, { source: "aws.ec2", "detail-type": "EC2 Instance State-change Notification", detail: {} }]) {
      const w = (await wasteScanner(event)) as { ok?: boolean; error?: string };
      assert.equal(w.ok, false, `wasteScanner acted on ${JSON.stringify(event)}`);
      assert.match(String(w.error), /expected .*Scheduled Event/);
    }
    assert.deepEqual(ec2.calls, [], "no EC2 call");
    assert.equal(sns.calls().length, 0, "no alert");
    ec2.restore();
    sns.restore();
  });

  it("validates its settings, scans, stores, emits wasteUsdPerMonth and alerts", async () => {
    const ec2 = new FakeEc2(EC2Client);
    ec2.addresses = [{ allocationId: "eipalloc-1", publicIp: "198.51.100.1", tags: {} }];
    ec2.volumes = [{ id: "vol-1", type: "gp2", size: 100, state: "in-use", instanceId: "i-1", tags: { Environment: "prod" } }];
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: "m" });
    process.env.COSTGUARD_SETTINGS = JSON.stringify({ unattachedVolumeDays: 7, snapshotAgeDays: 30, stoppedInstanceDays: 14 });
    const out = await wasteScanner(SCHEDULED);
    assert.ok(out.ok);
    assert.equal(out.openFindings, 2);
    assert.equal(out.cleanup.mode, "off");
    assert.ok(Math.abs(out.totalMonthlyUsd - (3.65 + 2)) < 1e-9, `EIP $3.65 + gp2→gp3 $2.00 with the interim prices (got ${out.totalMonthlyUsd})`);
    assert.equal(sns.commandCalls(PublishCommand).length, 1);
    const emf = stdout.map((l) => l.trim()).filter((l) => l.startsWith("{") && l.includes("WasteUsdPerMonth")).map((l) => JSON.parse(l));
    assert.equal(emf.length, 1);
    assert.equal(emf[0].WasteUsdPerMonth, out.totalMonthlyUsd);
    assert.equal(emf[0]._aws.CloudWatchMetrics[0].Namespace, "CostGuard");
    ec2.restore();
    sns.restore();
  });
});
