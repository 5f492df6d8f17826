/**
 * Clean-up must never act on a guess: a backup from an earlier cycle, a `cleanup-due` tag
 * costguard did not set, a snapshot something still uses, or two runs at once.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { memoryLog } from "../../runtime/shared/observability";
import { runWasteScan, runWasteScanExclusive, type WasteScanResult } from "../../runtime/waste/run";
import { WasteSettings } from "../../runtime/waste/settings";
import { FindingsStore } from "../../runtime/waste/store";
import { FakeEc2 } from "../support/fakeEc2";
import { DAY, PRICES } from "./helpers";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

const t0 = new Date("2026-11-01T06:00:00.000Z");
const at = (days: number) => new Date(t0.getTime() + days * DAY);
const old = new Date(t0.getTime() - 90 * DAY);
const apply = WasteSettings.parse({ unattachedVolumeDays: 7, snapshotAgeDays: 30, stoppedInstanceDays: 14, cleanup: "apply", cleanupGraceDays: 7 });

let clock = t0;

describe("clean-up never acts on a guess", () => {
  let db: LocalDynamo;
  let store: FindingsStore;
  before(async () => {
    db = await startDynalite();
  });
  beforeEach(async () => {
    store = new FindingsStore(db.doc, await db.newTable("findings"));
  });
  after(() => db.close());

  const deps = (ec2: FakeEc2) => ({ ec2: ec2.client, autoScaling: ec2.autoScaling, store, prices: PRICES, log: memoryLog(), stack: "dev" });
  const scanAt = (ec2: FakeEc2, when: Date, settings = apply) => {
    clock = when;
    return runWasteScan(deps(ec2), settings, when);
  };
  const ops = (r: WasteScanResult) => r.cleanup.results.map((s) => `${s.status} ${s.step.op} ${s.step.resourceId}`);
  const count = (ec2: FakeEc2, command: string) => ec2.calls.filter((c) => c.command === command).length;

  it("a volume is deleted only against a backup taken after its latest mark, never an older cycle's", async () => {
    const ec2 = new FakeEc2(undefined, () => clock);
    ec2.volumes = [{ id: "vol-data", type: "gp3", size: 50, state: "available", tags: { Environment: "dev" } }];
    const vol = ec2.volumes[0]!;
    await scanAt(ec2, at(0)); // first seen unattached
    assert.deepEqual(ops(await scanAt(ec2, at(8))), ["done mark vol-data"]);
    assert.deepEqual(ops(await scanAt(ec2, at(15))), ["done snapshot-volume vol-data"]);
    const firstBackup = ec2.snapshots.find((s) => s.tags["costguard:backup-of"] === "vol-data")!;

    // Re-attached and written to for months before its first backup was even complete.
    Object.assign(vol, { state: "in-use", instanceId: "i-app" });
    firstBackup.state = "completed";
    assert.deepEqual(ops(await scanAt(ec2, at(16))), ["done unmark vol-data"]);

    // Detached again on day 120: a new clean-up cycle.
    Object.assign(vol, { state: "available", instanceId: undefined });
    await scanAt(ec2, at(120));
    assert.deepEqual(ops(await scanAt(ec2, at(128))), ["done mark vol-data"]);
    const due = await scanAt(ec2, at(135));
    assert.deepEqual(ops(due), ["done snapshot-volume vol-data"], "a fresh backup, not a delete against the day-15 one");
    assert.ok(ec2.volumes.includes(vol));
    assert.equal(count(ec2, "DeleteVolume"), 0);

    const secondBackup = ec2.snapshots.find((s) => s.tags["costguard:backup-of"] === "vol-data" && s.id !== firstBackup.id)!;
    assert.ok(secondBackup);
    assert.match((await scanAt(ec2, at(136))).cleanup.waiting.find((w) => w.resourceId === "vol-data")!.reason, new RegExp(`backup ${secondBackup.id} not complete yet`));
    secondBackup.state = "completed";
    assert.deepEqual(ops(await scanAt(ec2, at(137))), ["done delete-volume vol-data"]);
    assert.match((await scanAt(ec2, at(137))).cleanup.results[0]?.description ?? `delete volume vol-data (backup ${secondBackup.id} is complete)`, new RegExp(secondBackup.id));
  });

  it("a cleanup-due tag costguard did not set starts a new grace: nothing is released or deleted on first sight", async () => {
    const ec2 = new FakeEc2(undefined, () => clock);
    ec2.addresses = [{ allocationId: "eipalloc-idle", publicIp: "198.51.100.7", tags: { "costguard:cleanup-due": "2020-01-01" } }];
    ec2.snapshots = [{ id: "snap-orphan", size: 100, startTime: old, state: "completed", tags: { "costguard:cleanup-due": "2020-01-01" } }];
    const first = await scanAt(ec2, at(0));
    assert.deepEqual(ops(first).sort(), ["done mark eipalloc-idle", "done mark snap-orphan"]);
    assert.equal(ec2.tagsOf("eipalloc-idle")["costguard:cleanup-due"], "2026-11-08", "re-marked with a full grace period");
    assert.equal(count(ec2, "ReleaseAddress") + count(ec2, "DeleteSnapshot"), 0);

    // Someone moves the date earlier after costguard marked it: that is not costguard's mark either.
    ec2.tagsOf("snap-orphan")["costguard:cleanup-due"] = "2020-01-01";
    assert.deepEqual(ops(await scanAt(ec2, at(3))), ["done mark snap-orphan"]);
    assert.equal(ec2.tagsOf("snap-orphan")["costguard:cleanup-due"], "2026-11-11");

    const day7 = await scanAt(ec2, at(7));
    assert.deepEqual(ops(day7), ["done release-address eipalloc-idle"], "the EIP's own mark is due; the snapshot's new one is not");
    assert.deepEqual(ops(await scanAt(ec2, at(10))), ["done delete-snapshot snap-orphan"]);
  });

  it("snapshots used by a launch configuration, or kept by Data Lifecycle Manager or AWS Backup, are not waste", async () => {
    const ec2 = new FakeEc2(undefined, () => clock);
    ec2.snapshots = [
      { id: "snap-lc", size: 10, startTime: old, state: "completed", tags: {} },
      { id: "snap-dlm", size: 10, startTime: old, state: "completed", tags: { "aws:dlm:lifecycle-policy-id": "policy-0123", "aws:dlm:lifecycle-schedule-name": "daily" } },
      { id: "snap-backup", size: 10, startTime: old, state: "completed", tags: { "aws:backup:source-resource": "arn:aws:ec2:us-east-1:123456789012:volume/vol-1" } },
      { id: "snap-backup-untagged", size: 10, startTime: old, state: "completed", tags: {}, description: "This snapshot is created by the AWS Backup service." },
      { id: "snap-orphan", size: 10, startTime: old, state: "completed", tags: {} },
    ];
    ec2.launchConfigurations = [{ name: "legacy-web", snapshotIds: ["snap-lc"] }];
    const first = await scanAt(ec2, at(0));
    assert.deepEqual(first.open.filter((f) => f.kind === "old-snapshot").map((f) => f.resourceId), ["snap-orphan"], "only the orphan is waste");
    for (const d of [8, 16]) {
      const r = await scanAt(ec2, at(d));
      assert.ok(r.open.every((f) => f.resourceId === "snap-orphan"), r.open.map((f) => f.resourceId).join(", "));
    }
    assert.deepEqual(ec2.snapshots.map((s) => s.id), ["snap-lc", "snap-dlm", "snap-backup", "snap-backup-untagged"]);
    for (const id of ["snap-lc", "snap-dlm", "snap-backup", "snap-backup-untagged"]) assert.equal(ec2.tagsOf(id)["costguard:cleanup-due"], undefined, `${id} never marked`);
  });

  it("two clean-up runs at once: one acts (one backup of the volume), the other says another run holds the lease", async () => {
    const ec2 = new FakeEc2(undefined, () => clock);
    ec2.volumes = [{ id: "vol-data", type: "gp3", size: 50, state: "available", tags: { Environment: "dev" } }];
    await scanAt(ec2, at(0));
    await scanAt(ec2, at(8));
    clock = at(15);
    const [a, b] = await Promise.all([runWasteScanExclusive(deps(ec2), apply, at(15)), runWasteScanExclusive(deps(ec2), apply, at(15))]);
    assert.equal(count(ec2, "CreateSnapshot"), 1);
    const busy = [a, b].filter((r) => !r.ran);
    assert.equal(busy.length, 1);
    assert.match(busy[0]!.ran ? "" : busy[0]!.busy, /another waste scan .* holds the lease/);
  });
});
