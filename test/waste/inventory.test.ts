/** Paginated inventories: every page is read, with the APIs' largest page sizes. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { listOwnSnapshots, listSnapshotUsers, listVolumes, PAGE_SIZE, readInventory } from "../../runtime/waste/inventory";
import { FakeEc2 } from "../support/fakeEc2";

const big = () => {
  const ec2 = new FakeEc2();
  ec2.volumes = Array.from({ length: 10_000 }, (_, i) => ({ id: `vol-${i}`, type: i % 2 ? "gp2" : "gp3", size: 1 + (i % 100), state: i % 10 ? "in-use" : "available", tags: { Environment: i % 3 ? "dev" : "prod" } }));
  ec2.snapshots = Array.from({ length: 10_000 }, (_, i) => ({ id: `snap-${i}`, size: 8, startTime: new Date("2026-01-01T00:00:00Z"), state: "completed", tags: {} }));
  ec2.images = Array.from({ length: 1_000 }, (_, i) => ({ id: `ami-${i}`, snapshotIds: [`snap-${i}`] }));
  // One template with more versions than a page holds: the last version references a snapshot.
  ec2.templates = [{ id: "lt-many", versions: [...Array.from({ length: 250 }, () => []), ["snap-9999"]] }];
  return ec2;
};

describe("paginated inventory", () => {
  it("reads 10,000 volumes in 20 pages of 500", async () => {
    const ec2 = big();
    const volumes = await listVolumes(ec2.client);
    assert.equal(volumes.length, 10_000);
    assert.equal(new Set(volumes.map((v) => v.id)).size, 10_000);
    assert.equal(volumes.filter((v) => v.state === "available").length, 1_000);
    assert.deepEqual(volumes[9_999], { id: "vol-9999", type: "gp2", sizeGiB: 100, state: "in-use", createTime: "2026-01-01T00:00:00.000Z", attachedInstanceIds: [], tags: { Environment: "prod" } });
    const calls = ec2.calls.filter((c) => c.command === "DescribeVolumes");
    assert.equal(calls.length, 20);
    assert.ok(calls.every((c) => c.input.MaxResults === PAGE_SIZE.volumes));
  });

  it("reads 10,000 own snapshots in 10 pages of 1,000", async () => {
    const ec2 = big();
    const snapshots = await listOwnSnapshots(ec2.client);
    assert.equal(snapshots.length, 10_000);
    assert.equal(snapshots.at(-1)!.id, "snap-9999");
    const calls = ec2.calls.filter((c) => c.command === "DescribeSnapshots");
    assert.equal(calls.length, 10);
    assert.ok(calls.every((c) => JSON.stringify(c.input.OwnerIds) === '["self"]'), "only snapshots this account owns");
  });

  it("collects snapshot users from every AMI and every launch template version, across pages", async () => {
    const ec2 = big();
    const users = await listSnapshotUsers(ec2.client);
    assert.equal(users.get("snap-0"), "AMI ami-0");
    assert.equal(users.get("snap-999"), "AMI ami-999");
    assert.equal(users.get("snap-9999"), "launch template lt-many version 251");
    assert.equal(users.has("snap-1000"), false);
    assert.equal(ec2.calls.filter((c) => c.command === "DescribeLaunchTemplateVersions").length, 2);
  });

  it("the whole inventory makes the minimum number of calls", async () => {
    const ec2 = big();
    const inv = await readInventory(ec2.client);
    // 20 volume pages + 10 snapshot pages + 1 image page + 1 template page + 2 version pages + 1 addresses + 1 instances
    assert.equal(inv.apiCalls, 36);
    assert.equal(ec2.calls.length, 36);
    assert.equal(inv.region, "us-east-1");
  });
});
