/** Optional clean-up: mark-for-op, re-check when due, backup before delete, dry-run, safety rails. */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { memoryLog } from "../../runtime/shared/observability";
import { planCleanup } from "../../runtime/waste/decideCleanup";
import { runWasteScan } from "../../runtime/waste/run";
import { WasteSettings } from "../../runtime/waste/settings";
import { FindingsStore } from "../../runtime/waste/store";
import type { Finding, VolumeRecord } from "../../runtime/waste/model";
import { FakeEc2 } from "../support/fakeEc2";
import { DAY, PRICES } from "./helpers";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

const t0 = new Date("2026-11-01T06:00:00.000Z");
const at = (days: number) => new Date(t0.getTime() + days * DAY);
const old = new Date(t0.getTime() - 90 * DAY);

/** The virtual time of the current run: the fake account stamps what it creates with it. */
let clock = t0;

function account(): FakeEc2 {
  const ec2 = new FakeEc2(undefined, () => clock);
  ec2.addresses = [{ allocationId: "eipalloc-idle", publicIp: "198.51.100.7", tags: {} }];
  ec2.volumes = [
    { id: "vol-loose", type: "gp3", size: 50, state: "available", tags: { Environment: "dev" } },
    { id: "vol-keep", type: "gp3", size: 50, state: "available", tags: { "costguard:protect": "true" } },
  ];
  ec2.snapshots = [{ id: "snap-orphan", size: 100, startTime: old, state: "completed", tags: {} }];
  return ec2;
}

describe("clean-up", () => {
  let db: LocalDynamo;
  let store: FindingsStore;
  before(async () => {
    db = await startDynalite();
  });
  beforeEach(async () => {
    store = new FindingsStore(db.doc, await db.newTable("findings"));
  });
  after(() => db.close());

  const deps = (ec2: FakeEc2) => ({ ec2: ec2.client, store, prices: PRICES, log: memoryLog(), stack: "dev" });
  /** One scan at a virtual time: the code under test and the fake account share that clock. */
  const scanAt = (ec2: FakeEc2, settings: WasteSettings, when: Date) => {
    clock = when;
    return runWasteScan(deps(ec2), settings, when);
  };

  it("off (the default) changes nothing", async () => {
    const ec2 = account();
    const off = WasteSettings.parse({ unattachedVolumeDays: 7, snapshotAgeDays: 30, stoppedInstanceDays: 14 });
    assert.equal(off.cleanup, "off");
    for (const d of [0, 8, 30]) await scanAt(ec2, off, at(d));
    assert.deepEqual(ec2.writes(), []);
  });

  it("dry-run says exactly what apply would do, and changes nothing", async () => {
    const ec2 = account();
    const dry = WasteSettings.parse({ unattachedVolumeDays: 7, snapshotAgeDays: 30, stoppedInstanceDays: 14, cleanup: "dry-run" });
    await scanAt(ec2, dry, t0);
    const r = await scanAt(ec2, dry, at(8));
    assert.deepEqual(ec2.writes(), []);
    assert.deepEqual(
      r.cleanup.results.map((s) => `${s.status}: ${s.description}`).sort(),
      ["dry-run: tag eipalloc-idle costguard:cleanup-due=2026-11-16", "dry-run: tag snap-orphan costguard:cleanup-due=2026-11-16", "dry-run: tag vol-loose costguard:cleanup-due=2026-11-16"],
    );
    assert.deepEqual(r.cleanup.skipped, [{ resourceId: "vol-keep", reason: "costguard:protect=true" }]);

    // The same plan under apply makes exactly those changes.
    const applied = await scanAt(ec2, { ...dry, cleanup: "apply" }, at(8));
    assert.deepEqual(applied.cleanup.results.map((s) => s.description).sort(), r.cleanup.results.map((s) => s.description).sort());
    assert.equal(ec2.writes().length, 3);
  });

  it("apply: marks, waits for the due date, re-checks, backs a volume up before deleting it, never touches protected ones", async () => {
    const ec2 = account();
    const apply = WasteSettings.parse({ unattachedVolumeDays: 7, snapshotAgeDays: 30, stoppedInstanceDays: 14, cleanup: "apply", cleanupGraceDays: 7 });
    await scanAt(ec2, apply, t0); // the EIP and the snapshot are waste at once; vol-loose is first seen unattached
    assert.equal(ec2.tagsOf("eipalloc-idle")["costguard:cleanup-due"], "2026-11-08");
    assert.equal(ec2.tagsOf("snap-orphan")["costguard:cleanup-due"], "2026-11-08");
    assert.equal(ec2.tagsOf("vol-loose")["costguard:cleanup-due"], undefined, "not waste yet");

    const waiting = await scanAt(ec2, apply, at(4));
    assert.deepEqual(waiting.cleanup.results, [], "marked, not yet due: nothing happens");
    assert.equal(waiting.cleanup.waiting.length, 2);

    const day8 = await scanAt(ec2, apply, at(8));
    assert.deepEqual(day8.cleanup.results.map((s) => `${s.status} ${s.step.op} ${s.step.resourceId}`).sort(), ["done delete-snapshot snap-orphan", "done mark vol-loose", "done release-address eipalloc-idle"]);
    assert.equal(ec2.addresses.length, 0);
    assert.ok(!ec2.snapshots.some((s) => s.id === "snap-orphan"));
    assert.equal(ec2.tagsOf("vol-loose")["costguard:cleanup-due"], "2026-11-16");
    assert.deepEqual(ec2.tagsOf("vol-keep"), { "costguard:protect": "true" }, "protected: not even tagged");

    const due = await scanAt(ec2, apply, at(15));
    assert.deepEqual(due.cleanup.results.map((s) => `${s.status} ${s.step.op} ${s.step.resourceId}`), ["done snapshot-volume vol-loose"]);
    const backup = ec2.snapshots.find((s) => s.tags["costguard:backup-of"] === "vol-loose");
    assert.ok(backup, "a backup snapshot of the volume exists");
    assert.equal(backup.tags.Environment, "dev");
    assert.ok(ec2.volumes.some((v) => v.id === "vol-loose"), "the volume stays until its backup is complete");

    const pending = await scanAt(ec2, apply, at(16));
    assert.deepEqual(pending.cleanup.results, []);
    assert.match(pending.cleanup.waiting[0]!.reason, /backup snap-new\d+ not complete yet/);

    backup.state = "completed";
    const done = await scanAt(ec2, apply, at(17));
    assert.deepEqual(done.cleanup.results.map((s) => s.description), [`delete volume vol-loose (backup ${backup.id} is complete)`]);
    assert.deepEqual(ec2.volumes.map((v) => v.id), ["vol-keep"]);

    // Much later the backup is an old unused snapshot: reported, but never deleted by costguard.
    const later = await scanAt(ec2, apply, at(60));
    assert.ok(later.open.some((f) => f.resourceId === backup.id));
    assert.ok(later.cleanup.skipped.some((s) => s.resourceId === backup.id && /backup costguard took/.test(s.reason)));
    assert.ok(ec2.snapshots.some((s) => s.id === backup.id));
  });

  it("a marked volume attached again before its due date is unmarked and kept", async () => {
    const ec2 = account();
    const apply = WasteSettings.parse({ unattachedVolumeDays: 7, snapshotAgeDays: 30, stoppedInstanceDays: 14, cleanup: "apply" });
    await scanAt(ec2, apply, t0);
    await scanAt(ec2, apply, at(8));
    const v = ec2.volumes.find((x) => x.id === "vol-loose")!;
    assert.ok(v.tags["costguard:cleanup-due"]);
    Object.assign(v, { state: "in-use", instanceId: "i-1" });
    await scanAt(ec2, apply, at(20));
    assert.equal(v.tags["costguard:cleanup-due"], undefined);
    assert.ok(ec2.volumes.includes(v));
    assert.ok(!ec2.writes().some((w) => w.command === "DeleteVolume" || w.command === "CreateSnapshot"));
  });

  it("a failing step is reported and the others still run", async () => {
    const ec2 = account();
    const apply = WasteSettings.parse({ unattachedVolumeDays: 7, snapshotAgeDays: 30, stoppedInstanceDays: 14, cleanup: "apply" });
    await scanAt(ec2, apply, t0); // costguard marks the EIP and the snapshot
    ec2.failures.set("ReleaseAddress", Object.assign(new Error("The address is in use"), { name: "InvalidIPAddress.InUse" }));
    const r = await scanAt(ec2, apply, at(7));
    const byOp = Object.fromEntries(r.cleanup.results.map((s) => [s.step.op, s]));
    assert.equal(byOp["release-address"]!.status, "failed");
    assert.match(byOp["release-address"]!.error!, /InvalidIPAddress.InUse/);
    assert.equal(byOp["delete-snapshot"]!.status, "done");
  });
});

describe("planCleanup", () => {
  const f = (kind: Finding["kind"], resourceId: string): Finding => ({ id: `${kind}#${resourceId}`, kind, resourceId, region: "us-east-1", environment: "untagged", monthlyUsd: 1, upperBound: false, detail: "" });

  it("caps actions per run and says what is left for the next run", () => {
    const snapshots = ["a", "b", "c"].map((id) => ({ id, sizeGiB: 1, startTime: "2026-01-01T00:00:00Z", state: "completed", tags: { "costguard:cleanup-due": "2026-10-01" } }));
    const marks = new Map(snapshots.map((s) => [s.id, { resourceId: s.id, markedAt: "2026-09-24T06:00:00.000Z", dueDate: "2026-10-01" }]));
    const plan = planCleanup(snapshots.map((s) => f("old-snapshot", s.id)), { addresses: [], volumes: [], snapshots }, { graceDays: 7, maxActions: 2 }, t0, marks);
    assert.equal(plan.steps.length, 2);
    assert.equal(plan.skipped.length, 1);
    assert.match(plan.skipped[0]!.reason, /action cap of 2 per run reached \(delete snapshot c next run\)/);
  });

  it("never acts on gp2 or stopped-instance findings, and re-marks an unreadable due date", () => {
    const volumes: VolumeRecord[] = [
      { id: "vol-gp2", type: "gp2", sizeGiB: 10, state: "in-use", createTime: "", attachedInstanceIds: ["i-1"], tags: {} },
      { id: "vol-odd", type: "gp3", sizeGiB: 10, state: "available", createTime: "", attachedInstanceIds: [], tags: { "costguard:cleanup-due": "soon" } },
    ];
    const plan = planCleanup([f("gp2-volume", "vol-gp2"), f("stopped-instance", "i-1"), f("unattached-volume", "vol-odd")], { addresses: [], volumes, snapshots: [] }, { graceDays: 7, maxActions: 20 }, t0);
    assert.deepEqual(plan.steps, [{ op: "mark", resourceId: "vol-odd", dueDate: "2026-11-08", replacing: "soon" }]);
  });
});
