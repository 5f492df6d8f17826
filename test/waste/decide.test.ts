import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  findGp2Volumes,
  findOldSnapshots,
  findStoppedInstances,
  findUnattachedAddresses,
  findUnattachedVolumes,
  findWaste,
  stoppedSinceFromReason,
  totalMonthlyUsd,
  trackFirstSeen,
  unattachedVolumeIds,
} from "../../runtime/waste/decide";
import type { Inventory, SnapshotRecord, StoppedInstanceRecord, VolumeRecord } from "../../runtime/waste/model";
import { DAY, HOUR, PRICES } from "./helpers";

const T = { unattachedVolumeDays: 7, snapshotAgeDays: 30, stoppedInstanceDays: 14 };
const R = "us-east-1";
const t0 = new Date("2026-11-01T06:00:00.000Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

const volume = (id: string, over: Partial<VolumeRecord> = {}): VolumeRecord => ({
  id,
  type: "gp3",
  sizeGiB: 100,
  state: "available",
  createTime: "2026-01-01T00:00:00.000Z",
  attachedInstanceIds: [],
  tags: {},
  ...over,
});
const snapshot = (id: string, ageDays: number, over: Partial<SnapshotRecord> = {}): SnapshotRecord => ({
  id,
  sizeGiB: 200,
  startTime: new Date(t0.getTime() - ageDays * DAY).toISOString(),
  state: "completed",
  tags: {},
  ...over,
});

describe("unattached volumes: first-seen tracking across runs", () => {
  it("a volume detached 6 days ago is not waste, at 8 days it is, and the clock restarts after a re-attach", () => {
    let seen = new Map<string, string>();
    const scan = (now: Date, vols: VolumeRecord[]) => {
      seen = trackFirstSeen(unattachedVolumeIds(vols), seen, now);
      return findUnattachedVolumes(vols, seen, R, PRICES, T, now);
    };
    assert.deepEqual(scan(t0, [volume("vol-1")]), [], "first sight starts the clock");
    assert.deepEqual(scan(at(6 * DAY), [volume("vol-1")]), []);
    const day8 = scan(at(8 * DAY), [volume("vol-1", { tags: { Environment: "dev" } })]);
    assert.equal(day8.length, 1);
    assert.equal(day8[0]!.resourceId, "vol-1");
    assert.equal(day8[0]!.environment, "dev");
    assert.equal(day8[0]!.since, t0.toISOString(), "unattached since first seen");
    assert.equal(day8[0]!.monthlyUsd, 8, "100 GiB gp3 × $0.08");

    assert.deepEqual(scan(at(9 * DAY), [volume("vol-1", { state: "in-use", attachedInstanceIds: ["i-1"] })]), []);
    assert.deepEqual(scan(at(10 * DAY), [volume("vol-1")]), [], "detached again: counted from now");
    assert.equal(scan(at(17 * DAY + HOUR), [volume("vol-1")]).length, 1);
  });

  it("exactly 7 days is not yet waste; a moment later it is", () => {
    const seen = new Map([["vol-1", t0.toISOString()]]);
    assert.equal(findUnattachedVolumes([volume("vol-1")], seen, R, PRICES, T, at(7 * DAY)).length, 0);
    assert.equal(findUnattachedVolumes([volume("vol-1")], seen, R, PRICES, T, at(7 * DAY + 1000)).length, 1);
  });

  it("prices each volume type from the price book and says when it has no price", () => {
    const seen = new Map(["a", "b", "c"].map((id) => [id, t0.toISOString()]));
    const f = findUnattachedVolumes(
      [volume("a", { type: "gp2", sizeGiB: 100 }), volume("b", { type: "io1", sizeGiB: 40 }), volume("c", { type: "sc1", sizeGiB: 500 })],
      seen,
      R,
      PRICES,
      T,
      at(8 * DAY),
    );
    assert.deepEqual(f.map((x) => x.monthlyUsd), [10, 5, 0]);
    assert.match(f[2]!.detail, /no price for sc1/);
  });
});

describe("Elastic IPs", () => {
  it("only unassociated addresses are waste, at $0.005/h × 730 h", () => {
    const f = findUnattachedAddresses(
      [
        { allocationId: "eipalloc-free", publicIp: "198.51.100.1", tags: { Environment: "staging" } },
        { allocationId: "eipalloc-used", publicIp: "198.51.100.2", associationId: "eipassoc-1", instanceId: "i-1", tags: {} },
        { allocationId: "eipalloc-eni", publicIp: "198.51.100.3", associationId: "eipassoc-2", networkInterfaceId: "eni-1", tags: {} },
      ],
      R,
      PRICES,
      new Map([["eipalloc-free", at(-3 * DAY).toISOString()]]),
    );
    assert.equal(f.length, 1);
    assert.equal(f[0]!.resourceId, "eipalloc-free");
    assert.equal(f[0]!.monthlyUsd, 3.65);
    assert.equal(f[0]!.environment, "staging");
    assert.equal(f[0]!.since, at(-3 * DAY).toISOString());
  });
});

describe("snapshots", () => {
  const inv = (snapshots: SnapshotRecord[], users: [string, string][] = []) => ({ region: R, snapshots, snapshotUsers: new Map(users) });

  it("waste only above 30 days, priced on the full size as an upper bound", () => {
    const f = findOldSnapshots(inv([snapshot("snap-30", 30), snapshot("snap-31", 31), snapshot("snap-1", 1)]), PRICES, T, t0);
    assert.deepEqual(f.map((x) => x.resourceId), ["snap-31"]);
    assert.equal(f[0]!.monthlyUsd, 10, "200 GiB × $0.05");
    assert.equal(f[0]!.upperBound, true);
    assert.match(f[0]!.detail, /changed blocks/);
  });

  it("snapshots used by an own AMI or a launch template version are not waste", () => {
    const f = findOldSnapshots(
      inv([snapshot("snap-ami", 400), snapshot("snap-lt", 400), snapshot("snap-orphan", 400)], [
        ["snap-ami", "AMI ami-1"],
        ["snap-lt", "launch template lt-1 version 3"],
      ]),
      PRICES,
      T,
      t0,
    );
    assert.deepEqual(f.map((x) => x.resourceId), ["snap-orphan"]);
  });

  it("incomplete snapshots are left alone", () => {
    assert.deepEqual(findOldSnapshots(inv([snapshot("snap-p", 40, { state: "pending" }), snapshot("snap-e", 40, { state: "error" })]), PRICES, T, t0), []);
  });
});

describe("gp2 volumes", () => {
  it("saving = size × (gp2 − gp3), an upper bound above 170 GiB", () => {
    const f = findGp2Volumes([volume("small", { type: "gp2", sizeGiB: 100, state: "in-use" }), volume("big", { type: "gp2", sizeGiB: 1000, state: "in-use" }), volume("g3", { type: "gp3" })], R, PRICES, new Set());
    assert.deepEqual(
      f.map((x) => [x.resourceId, x.monthlyUsd, x.upperBound]),
      [
        ["small", 2, false],
        ["big", 20, true],
      ],
    );
    assert.match(f[0]!.detail, /20 % less/);
  });
});

describe("stopped instances", () => {
  it("reads the stop time from StateTransitionReason", () => {
    assert.equal(stoppedSinceFromReason("User initiated (2026-10-01 12:34:56 GMT)"), "2026-10-01T12:34:56.000Z");
    assert.equal(stoppedSinceFromReason("Server.SpotInstanceShutdown"), undefined);
    assert.equal(stoppedSinceFromReason(undefined), undefined);
  });

  it("waste above 14 days: the EBS volumes and Elastic IPs it still pays for", () => {
    const vols = [volume("root", { type: "gp3", sizeGiB: 8, state: "in-use" }), volume("data", { type: "gp2", sizeGiB: 100, state: "in-use" })];
    const eips = [{ allocationId: "eipalloc-1", publicIp: "198.51.100.9", associationId: "a", instanceId: "i-old", tags: {} }];
    const instances: StoppedInstanceRecord[] = [
      { id: "i-old", instanceType: "t3.medium", stoppedSince: at(-15 * DAY).toISOString(), volumeIds: ["root", "data"], tags: { Environment: "dev" } },
      { id: "i-edge", instanceType: "t3.medium", stoppedSince: at(-14 * DAY).toISOString(), volumeIds: [], tags: {} },
      { id: "i-unknown", instanceType: "t3.small", volumeIds: ["root"], tags: {} },
    ];
    const f = findStoppedInstances(instances, vols, eips, R, PRICES, new Map([["i-unknown", at(-20 * DAY).toISOString()]]), T, t0);
    assert.deepEqual(f.map((x) => x.resourceId), ["i-old", "i-unknown"], "14 days exactly is not yet waste; an unknown stop time falls back to first seen");
    assert.equal(f[0]!.monthlyUsd, 14.29, "8 GiB gp3 $0.64 + 100 GiB gp2 $10 + one EIP $3.65");
    assert.match(f[0]!.detail, /2 EBS volumes \(108 GiB\) and 1 Elastic IP/);
  });
});

describe("findWaste", () => {
  it("lists every kind and counts each volume once in the total", () => {
    const inv: Inventory = {
      region: R,
      apiCalls: 0,
      addresses: [{ allocationId: "eipalloc-1", publicIp: "198.51.100.1", tags: {} }],
      volumes: [
        volume("vol-loose", { type: "gp2", sizeGiB: 50 }),
        volume("vol-stopped", { type: "gp2", sizeGiB: 20, state: "in-use", attachedInstanceIds: ["i-1"] }),
        volume("vol-busy", { type: "gp2", sizeGiB: 100, state: "in-use", attachedInstanceIds: ["i-2"] }),
      ],
      snapshots: [snapshot("snap-1", 60, { sizeGiB: 10 })],
      snapshotUsers: new Map(),
      stoppedInstances: [{ id: "i-1", instanceType: "t3.micro", stoppedSince: at(-30 * DAY).toISOString(), volumeIds: ["vol-stopped"], tags: {} }],
    };
    const seen = { unattachedVolumes: new Map([["vol-loose", at(-10 * DAY).toISOString()]]), unattachedAddresses: new Map(), stoppedInstances: new Map() };
    const f = findWaste(inv, seen, PRICES, T, t0);
    assert.deepEqual(
      f.map((x) => [x.kind, x.resourceId, x.monthlyUsd]),
      [
        ["unattached-eip", "eipalloc-1", 3.65],
        ["unattached-volume", "vol-loose", 5],
        ["old-snapshot", "snap-1", 0.5],
        ["stopped-instance", "i-1", 2],
        ["gp2-volume", "vol-busy", 2],
      ],
    );
    assert.equal(totalMonthlyUsd(f), 13.15);
    assert.ok(f.every((x) => x.environment === "untagged" && x.region === R));
  });
});
