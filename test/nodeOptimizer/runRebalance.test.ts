import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SdkAsgGateway, parseMinOnDemand, type GroupView } from "../../runtime/nodeOptimizer/asgGateway";
import { Rebalancer } from "../../runtime/nodeOptimizer/runRebalance";
import { planReplacement } from "../../runtime/nodeOptimizer/decide";
import { type CapacityAdvisor } from "../../runtime/nodeOptimizer/model";
import { memoryLog } from "../../runtime/shared/observability";
import { FakeFleet, GROUP, type Fault } from "./fakeFleet";

const spotEverywhere: CapacityAdvisor = {
  adviseCapacity: async () => ({ capacity: "spot", reason: "circuit closed, pool healthy" }),
  isHealthy: async () => ({ healthy: true, reason: "circuit closed, pool healthy" }),
};

function rebalancer(fleet: FakeFleet, advisor: CapacityAdvisor = spotEverywhere) {
  return new Rebalancer(new SdkAsgGateway(fleet.autoscaling, fleet.ec2), fleet, advisor, {
    readyTimeoutSeconds: 300,
    drainSeconds: 60,
    clock: fleet.clock,
    pollMs: 10_000,
    log: memoryLog(),
  });
}

const snapshot = (f: FakeFleet) => ({
  instances: [...f.instances.keys()].sort(),
  desired: f.desired,
  max: f.max,
  base: f.onDemandBase,
  suspended: [...f.suspended],
  cordoned: [...f.nodes.values()].filter((n) => n.unschedulable).map((n) => n.name),
});

describe("scheduled rebalance of on-demand nodes to spot", () => {
  it("replaces one on-demand node by a spot node, never dropping below N Ready schedulable nodes", async () => {
    const fleet = new FakeFleet(3);
    const n = fleet.readySchedulable();
    const before = [...fleet.instances.keys()];
    const result = await rebalancer(fleet).rebalanceGroup(GROUP);

    assert.equal(result.outcome, "replaced", result.reason);
    assert.ok(Math.min(...fleet.capacityLog) >= n, `capacity dropped: ${fleet.capacityLog.join(",")}`);
    assert.equal(fleet.instances.size, 3);
    assert.ok(!fleet.instances.has(result.oldInstanceId!), "the on-demand instance is gone");
    assert.equal(fleet.instances.get(result.newInstanceId!)!.spot, true, "its replacement is spot");
    assert.ok(!before.includes(result.newInstanceId!));
    assert.deepEqual({ desired: fleet.desired, max: fleet.max, base: fleet.onDemandBase, suspended: [...fleet.suspended] }, { desired: 3, max: 3, base: 2, suspended: [] });
    assert.equal(fleet.readySchedulable(), 3);
    // The old node's workload moved; its DaemonSet pod was not evicted.
    assert.equal(result.drain!.evicted.length, 1);
    assert.equal(result.drain!.skipped.length, 1);
    assert.ok(fleet.pods.some((p) => p.name.startsWith(`web-node-${result.oldInstanceId}`)), "the evicted pod was recreated elsewhere");
    assert.ok(fleet.calls.includes(`terminate ${result.oldInstanceId} decrement=true`));
  });

  it("a second run replaces the next on-demand node and keeps the configured on-demand minimum", async () => {
    const fleet = new FakeFleet(2, 1);
    const r1 = await rebalancer(fleet).rebalanceGroup(GROUP);
    assert.equal(r1.outcome, "replaced", r1.reason);
    const r2 = await rebalancer(fleet).rebalanceGroup(GROUP);
    assert.equal(r2.outcome, "replaced", r2.reason);
    assert.equal([...fleet.instances.values()].filter((i) => i.spot).length, 3);
    assert.equal(fleet.onDemandBase, 0);
    assert.ok(Math.min(...fleet.capacityLog) >= 3);
  });

  const steps: [Fault, string][] = [
    ["scale-out", "scale-out"],
    ["no-launch", "wait-ready"],
    ["never-ready", "wait-ready"],
    ["launch-on-demand", "wait-ready"],
    ["cordon", "cordon"],
    ["drain", "drain"],
    ["terminate-old", "terminate-old"],
  ];
  for (const [fault, step] of steps) {
    it(`rolls back when ${fault} fails, back to the group it found, capacity never below N`, async () => {
      const fleet = new FakeFleet(3);
      const n = fleet.readySchedulable();
      const initial = snapshot(fleet);
      fleet.faults.add(fault);
      const result = await rebalancer(fleet).rebalanceGroup(GROUP);

      assert.equal(result.outcome, "rolled-back");
      assert.equal(result.failedStep, step);
      assert.deepEqual(result.rollbackErrors, []);
      // Let the group settle, then it must be as it was.
      fleet.faults.clear();
      fleet.tick();
      assert.deepEqual(snapshot(fleet), initial);
      assert.ok(Math.min(...fleet.capacityLog) >= n, `capacity dropped: ${fleet.capacityLog.join(",")}`);
      if (result.newInstanceId) assert.ok(fleet.calls.includes(`terminate ${result.newInstanceId} decrement=true`), "the new instance goes with a decrement");
    });
  }

  it("keeps on-demand when a type or AZ the group may launch into is unhealthy, changing nothing and claiming no probe", async () => {
    const fleet = new FakeFleet(3);
    const initial = snapshot(fleet);
    const checked: string[] = [];
    let advised = 0;
    const breakerOpen: CapacityAdvisor = {
      isHealthy: async (type, az) => {
        checked.push(`${type}@${az}`);
        return type === "m5a.large" ? { healthy: false, reason: "circuit m5a.large is open" } : { healthy: true, reason: "ok" };
      },
      adviseCapacity: async () => {
        advised++;
        return { capacity: "spot", reason: "ok" };
      },
    };
    const result = await rebalancer(fleet, breakerOpen).rebalanceGroup(GROUP);
    assert.equal(result.outcome, "skipped");
    assert.match(result.reason, /circuit m5a\.large is open/);
    assert.ok(checked.includes("m5.large@eu-west-1a"), "the group's types and AZs are checked");
    assert.equal(advised, 0, "no advice (and so no probe) is taken for a launch that does not happen");
    assert.deepEqual(snapshot(fleet), initial);
    assert.deepEqual(fleet.calls, []);
  });

  it("rolls back when the advice for the pair actually launched says on-demand", async () => {
    const fleet = new FakeFleet(3);
    const initial = snapshot(fleet);
    const r = await rebalancer(fleet, { ...spotEverywhere, adviseCapacity: async () => ({ capacity: "on-demand", reason: "pool poisoned" }) }).rebalanceGroup(GROUP);
    assert.equal(r.outcome, "rolled-back");
    assert.equal(r.failedStep, "advise");
    fleet.tick();
    assert.deepEqual(snapshot(fleet), initial);
    assert.ok(Math.min(...fleet.capacityLog) >= 3);
  });

  it("fails safe to on-demand when the advisor errors", async () => {
    const fleet = new FakeFleet(3);
    const result = await rebalancer(fleet, { ...spotEverywhere, isHealthy: async () => Promise.reject(new Error("table unavailable")) }).rebalanceGroup(GROUP);
    assert.equal(result.outcome, "skipped");
    assert.match(result.reason, /advisor unavailable/);
    assert.deepEqual(fleet.calls, []);
  });
});

describe("replacement plan", () => {
  const nodes = (ids: string[], over: Partial<{ ready: boolean; unschedulable: boolean }> = {}) =>
    ids.map((id) => ({ name: `n-${id}`, instanceId: id, ready: true, unschedulable: false, ...over }));
  const group = (over: Partial<GroupView> = {}): GroupView => ({
    name: "g",
    desired: 2,
    min: 1,
    max: 2,
    onDemandBaseCapacity: 2,
    onDemandPercentageAboveBase: 0,
    instanceTypes: [],
    availabilityZones: ["a"],
    suspendedProcesses: [],
    minOnDemand: 0,
    instances: ["i-1", "i-2"].map((id) => ({ instanceId: id, availabilityZone: "a", lifecycleState: "InService", spot: false, protected: false })),
    ...over,
  });

  it("picks an on-demand instance, lowers the base by one and raises MaxSize for the +1", () => {
    const plan = planReplacement(group(), nodes(["i-1", "i-2"]));
    assert.equal(plan.kind, "replace");
    if (plan.kind === "replace") assert.deepEqual([plan.old.instanceId, plan.onDemandBaseCapacity, plan.max], ["i-1", 1, 3]);
  });

  it("refuses groups that cannot launch spot, busy groups, NotReady nodes, the on-demand minimum and protected instances", () => {
    const reason = (g: GroupView, ns = nodes(["i-1", "i-2"])) => {
      const p = planReplacement(g, ns);
      return p.kind === "skip" ? p.reason : "replace";
    };
    assert.match(reason(group({ onDemandBaseCapacity: undefined })), /no MixedInstancesPolicy/);
    assert.match(reason(group({ onDemandPercentageAboveBase: 20 })), /OnDemandPercentageAboveBaseCapacity is 20/);
    assert.match(reason(group({ desired: 3 })), /changing/);
    assert.match(reason(group(), [...nodes(["i-1"]), ...nodes(["i-2"], { ready: false })]), /not every node.*i-2/);
    assert.match(reason(group({ minOnDemand: 2 })), /keeps at least 2/);
    const prot = group();
    prot.instances = prot.instances.map((i) => ({ ...i, protected: true }));
    assert.match(reason(prot), /protected or cordoned/);
  });

  it("reads the on-demand minimum as a count or a percentage of desired", () => {
    assert.equal(parseMinOnDemand("2", 10), 2);
    assert.equal(parseMinOnDemand("25%", 10), 3);
    assert.equal(parseMinOnDemand(undefined, 10), 0);
    assert.equal(parseMinOnDemand("lots", 10), 0);
  });
});
