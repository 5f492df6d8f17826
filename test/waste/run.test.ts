/** The waste scanner end to end: fake EC2 account, findings table on dynalite, SNS mocked. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { memoryLog } from "../../runtime/shared/observability";
import { runWasteScan } from "../../runtime/waste/run";
import { WasteSettings } from "../../runtime/waste/settings";
import { FindingsStore } from "../../runtime/waste/store";
import { FakeEc2 } from "../support/fakeEc2";
import { DAY, PRICES } from "./helpers";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

const t0 = new Date("2026-11-01T06:00:00.000Z");
const at = (days: number) => new Date(t0.getTime() + days * DAY);
const settings = WasteSettings.parse({ unattachedVolumeDays: 7, snapshotAgeDays: 30, stoppedInstanceDays: 14 });

function account(): FakeEc2 {
  const ec2 = new FakeEc2();
  ec2.addresses = [{ allocationId: "eipalloc-idle", publicIp: "198.51.100.7", tags: { Environment: "dev" } }, { allocationId: "eipalloc-used", publicIp: "198.51.100.8", instanceId: "i-run", associationId: "x", tags: {} }];
  ec2.volumes = [
    { id: "vol-loose", type: "gp3", size: 50, state: "available", tags: { Environment: "dev" } },
    { id: "vol-root", type: "gp2", size: 30, state: "in-use", instanceId: "i-run", tags: { Environment: "prod" } },
    { id: "vol-parked", type: "gp3", size: 8, state: "in-use", instanceId: "i-parked", tags: {} },
  ];
  ec2.snapshots = [
    { id: "snap-orphan", size: 100, startTime: new Date(t0.getTime() - 90 * DAY), state: "completed", tags: {} },
    { id: "snap-ami", size: 100, startTime: new Date(t0.getTime() - 90 * DAY), state: "completed", tags: {} },
    { id: "snap-lt-v1", size: 100, startTime: new Date(t0.getTime() - 90 * DAY), state: "completed", tags: {} },
  ];
  ec2.images = [{ id: "ami-1", snapshotIds: ["snap-ami"] }];
  ec2.templates = [{ id: "lt-1", versions: [["snap-lt-v1"], []] }];
  ec2.instances = [{ id: "i-parked", type: "t3.micro", state: "stopped", stateReason: "User initiated (2026-10-01 00:00:00 GMT)", volumeIds: ["vol-parked"], tags: {} }];
  return ec2;
}

describe("waste scan, run after run", () => {
  let db: LocalDynamo;
  before(async () => {
    db = await startDynalite();
    await db.createTable("findings");
  });
  after(() => db.close());

  it("finds, prices, stores with first/last seen, resolves, and reports only when the findings change", async () => {
    const ec2 = account();
    const sns = new SNSClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const snsMock = mockClient(sns);
    snsMock.on(PublishCommand).resolves({ MessageId: "m" });
    const totals: number[] = [];
    const deps = { ec2: ec2.client, store: new FindingsStore(db.doc, "findings"), prices: PRICES, log: memoryLog(), stack: "dev", alerts: { sns, topicArn: "arn:aws:sns:us-east-1:123456789012:alerts" }, emitTotal: (v: number) => totals.push(v) };

    const day0 = await runWasteScan(deps, settings, t0);
    assert.deepEqual(day0.open.map((f) => f.id).sort(), ["gp2-volume#vol-root", "old-snapshot#snap-orphan", "stopped-instance#i-parked", "unattached-eip#eipalloc-idle"]);
    // $3.65 EIP + $5.00 snapshot (at most) + $0.64 stopped instance's 8 GiB gp3 + $0.60 gp2→gp3 on 30 GiB
    assert.equal(day0.totalMonthlyUsd, 9.89);
    assert.deepEqual(totals, [9.89]);
    assert.equal(day0.published, true);
    const event = JSON.parse(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Message!);
    assert.equal(event.kind, "waste");
    assert.match(event.title, /\$9\.89\/month \(at most\) in 4 findings/);
    assert.ok(event.lines.some((l: string) => /new: snap-orphan .*\$5\.00\/month at most/.test(l)));

    const day6 = await runWasteScan(deps, settings, at(6));
    assert.equal(day6.open.length, 4, "vol-loose detached 6 days ago is not waste yet");
    assert.equal(day6.published, false, "nothing changed: no alert");
    assert.equal(day6.itemsWritten, 1, "nothing changed: only the scan record is written, not every finding");

    const day8 = await runWasteScan(deps, settings, at(8));
    assert.deepEqual(day8.opened.map((f) => f.id), ["unattached-volume#vol-loose"]);
    assert.equal(day8.totalMonthlyUsd, 13.89, "+ 50 GiB gp3 at $0.08");
    const stored = (await deps.store.load()).findings.find((f) => f.id === "unattached-eip#eipalloc-idle");
    assert.equal(stored?.firstSeen, t0.toISOString());
    assert.equal(stored?.lastSeen, at(8).toISOString());
    assert.equal(stored?.status, "open");
    assert.equal(stored?.environment, "dev");
    assert.equal(stored?.monthlyUsd, 3.65);

    ec2.addresses = ec2.addresses.filter((a) => a.allocationId !== "eipalloc-idle"); // released by hand
    const day9 = await runWasteScan(deps, settings, at(9));
    assert.deepEqual(day9.resolved.map((f) => f.id), ["unattached-eip#eipalloc-idle"]);
    assert.equal(day9.totalMonthlyUsd, 10.24);
    const gone = await db.doc.send(new GetCommand({ TableName: "findings", Key: { pk: "finding#unattached-eip#eipalloc-idle" } }));
    assert.equal(gone.Item?.status, "resolved");
    assert.equal(gone.Item?.resolvedAt, at(9).toISOString());
    assert.equal(gone.Item?.expiresAt, Math.floor(at(9).getTime() / 1000) + 90 * 86400, "resolved findings expire through the table's TTL");
    assert.equal(day9.published, true);
    const resolvedEvent = JSON.parse(snsMock.commandCalls(PublishCommand).at(-1)!.args[0].input.Message!);
    assert.ok(resolvedEvent.lines.some((l: string) => /resolved: eipalloc-idle/.test(l)));

    // Re-attached: the volume is no longer waste, and when it is detached again the clock restarts.
    ec2.volumes.find((v) => v.id === "vol-loose")!.state = "in-use";
    assert.ok(!(await runWasteScan(deps, settings, at(10))).open.some((f) => f.resourceId === "vol-loose"));
    ec2.volumes.find((v) => v.id === "vol-loose")!.state = "available";
    assert.ok(!(await runWasteScan(deps, settings, at(11))).open.some((f) => f.kind === "unattached-volume"));
    assert.ok(!(await runWasteScan(deps, settings, at(17))).open.some((f) => f.kind === "unattached-volume"));
    assert.ok((await runWasteScan(deps, settings, at(19))).open.some((f) => f.kind === "unattached-volume"));
  });
});
