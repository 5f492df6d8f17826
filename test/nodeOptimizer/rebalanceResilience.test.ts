/**
 * The rebalance's promise under a world that does not hold still: the group's Ready,
 * schedulable nodes never drop below N because of the rebalance, and nothing is left
 * half-done (a cordoned node, desired or MaxSize above the owner's, AZRebalance suspended, an
 * on-demand base lowered without a replacement) when the run dies at any step, the group
 * scales in or replaces an instance, or a node holds pods a drain cannot move safely.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SdkAsgGateway } from "../../runtime/nodeOptimizer/asgGateway";
import { Rebalancer } from "../../runtime/nodeOptimizer/runRebalance";
import { type CapacityAdvisor } from "../../runtime/nodeOptimizer/model";
import { memoryLog } from "../../runtime/shared/observability";
import { SpotAdvisor } from "../../runtime/spot/advice";
import { effectiveState } from "../../runtime/spot/breaker";
import { BreakerStore } from "../../runtime/spot/storeBreakers";
import { PoolRiskStore } from "../../runtime/spot/storePoolRisk";
import { BreakerSettings, MINUTE_MS } from "../../runtime/spot/settings";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";
import { FakeFleet, GROUP } from "./fakeFleet";

const spotEverywhere: CapacityAdvisor = {
  adviseCapacity: async () => ({ capacity: "spot", reason: "circuit closed, pool healthy" }),
  isHealthy: async () => ({ healthy: true, reason: "ok" }),
};

let db: LocalDynamo;
before(async () => {
  db = await startDynalite();
});
after(() => db.close());

const table = () => db.newTable("node-opt");

function rebalancer(fleet: FakeFleet, opts: { table?: string; dead?: boolean; advisor?: CapacityAdvisor } = {}) {
  return new Rebalancer(new SdkAsgGateway(fleet.autoscaling, fleet.ec2), fleet, opts.advisor ?? spotEverywhere, {
    readyTimeoutSeconds: 300,
    drainSeconds: 60,
    clock: fleet.clock,
    pollMs: 10_000,
    log: memoryLog(),
    store: opts.table ? { doc: opts.dead ? fleet.guard(db.doc) : db.doc, table: opts.table } : undefined,
  });
}

/** Nothing half-done: N desired, MaxSize as the owner's, nothing cordoned, AZRebalance running, base = on-demand instances. */
function assertSettled(fleet: FakeFleet, n: number, label = "") {
  assert.equal(fleet.desired, n, `${label}desired is N`);
  assert.equal(fleet.max, n, `${label}MaxSize stays the owner's`);
  assert.deepEqual(fleet.cordoned(), [], `${label}no node left cordoned`);
  assert.deepEqual([...fleet.suspended], [], `${label}AZRebalance not left suspended`);
  assert.equal(fleet.onDemandBase, fleet.onDemandCount(), `${label}the on-demand base matches the on-demand instances (never lowered without a replacement)`);
  assert.deepEqual(fleet.lost, [], `${label}no pod lost`);
}

const oldestOnDemand = (fleet: FakeFleet) => [...fleet.instances.values()].filter((i) => !i.spot).map((i) => i.id).sort()[0]!;

describe("a rebalance killed at any step: the next run finishes or undoes it", () => {
  const killPoints: [string, { nth?: number; after?: boolean }][] = [
    ["suspend", { after: true }],
    ["update", {}],
    ["update", { after: true }],
    ["describe", { nth: 3 }],
    ["cordon", {}],
    ["cordon", { after: true }],
    ["evict", {}],
    ["evict", { after: true }],
    ["terminate", {}],
    ["terminate", { after: true }],
    ["update", { nth: 2, after: true }],
    ["resume", {}],
  ];
  for (const [call, at] of killPoints) {
    it(`killed ${at.after ? "after" : "at"} ${call}${at.nth ? ` #${at.nth}` : ""}: four later runs leave no node cordoned, the group at N, the base honest`, async () => {
      const fleet = new FakeFleet(3);
      const t = await table();
      const start = fleet.capacityLog.length;
      fleet.killAt(call, at);
      await rebalancer(fleet, { table: t, dead: true }).rebalanceGroup(GROUP).catch(() => undefined);
      assert.ok(fleet.dead, "the run died where the test said");
      fleet.revive();
      for (let run = 1; run <= 4; run++) {
        await fleet.clock.sleep(61 * MINUTE_MS); // the next hourly run, after the dead run's lease expired
        const r = await rebalancer(fleet, { table: t }).rebalanceGroup(GROUP);
        assert.deepEqual(r.rollbackErrors, [], `run ${run}: ${r.reason}`);
        assertSettled(fleet, 3, `run ${run}: `);
      }
      assert.ok(Math.min(...fleet.capacityLog.slice(start)) >= 3, `capacity dropped: ${fleet.capacityLog.slice(start).join(",")}`);
      assert.ok(fleet.onDemandCount() < 3, "later runs went on replacing on-demand nodes");
    });
  }
});

describe("the group moves under the rebalance", () => {
  it("the group scales the old instance in while the new node boots: the new node stays, nothing else is removed", async () => {
    const fleet = new FakeFleet(3);
    const old = oldestOnDemand(fleet);
    fleet.when("describe", 2, () => fleet.scaleIn(old));
    const r = await rebalancer(fleet, { table: await table() }).rebalanceGroup(GROUP);
    assert.equal(r.outcome, "settled", r.reason);
    assert.ok(!fleet.calls.some((c) => c.startsWith(`terminate ${r.newInstanceId}`)), "the node holding N is not terminated");
    assert.equal(fleet.readySchedulable(), 3);
    assertSettled(fleet, 3);
  });

  it("the group replaces the old instance as unhealthy during the drain: desired back at N, no Ready node lost", async () => {
    const fleet = new FakeFleet(3);
    const old = oldestOnDemand(fleet);
    fleet.when("evict", 1, () => fleet.replaceUnhealthy(old));
    const r = await rebalancer(fleet, { table: await table() }).rebalanceGroup(GROUP);
    assert.notEqual(r.outcome, "rolled-back", r.reason);
    for (let i = 0; i < 4; i++) fleet.tick();
    assert.equal(fleet.readySchedulable(), 3);
    assertSettled(fleet, 3);
  });

  it("honours costguard:protect in any letter case on instances", async () => {
    const fleet = new FakeFleet(2);
    for (const i of fleet.instances.values()) i.protect = "True";
    const r = await rebalancer(fleet).rebalanceGroup(GROUP);
    assert.equal(r.outcome, "skipped");
    assert.match(r.reason, /protected or cordoned/);
    assert.deepEqual(fleet.calls, []);
  });
});

describe("pods a scheduled drain must not move", () => {
  it("passes over a node holding a bare pod and replaces the next one", async () => {
    const fleet = new FakeFleet(2);
    const first = oldestOnDemand(fleet);
    fleet.pods.push({ namespace: "ops", name: "debug-shell", node: `node-${first}` });
    const r = await rebalancer(fleet).rebalanceGroup(GROUP);
    assert.equal(r.outcome, "replaced", r.reason);
    assert.notEqual(r.oldInstanceId, first);
    assert.ok(fleet.pods.some((p) => p.name === "debug-shell"), "the bare pod still runs");
    assertSettled(fleet, 2);
  });

  it("refuses when every on-demand node holds one (bare, emptyDir, safe-to-evict=false), naming them, changing nothing", async () => {
    const fleet = new FakeFleet(3);
    const ids = [...fleet.instances.keys()].sort();
    fleet.pods.push(
      { namespace: "ops", name: "debug-shell", node: `node-${ids[0]}` },
      { namespace: "shop", name: "cache-0", node: `node-${ids[1]}`, ownerKind: "ReplicaSet", emptyDir: true },
      { namespace: "batch", name: "report", node: `node-${ids[2]}`, ownerKind: "Job", safeToEvict: "false" },
    );
    const r = await rebalancer(fleet).rebalanceGroup(GROUP);
    assert.equal(r.outcome, "skipped");
    assert.match(r.reason, /ops\/debug-shell has no controller/);
    assert.match(r.reason, /shop\/cache-0 uses emptyDir/);
    assert.match(r.reason, /batch\/report is annotated cluster-autoscaler\.kubernetes\.io\/safe-to-evict: "false"/);
    assert.deepEqual(fleet.calls, [], "nothing changed");
  });

  it("a bare pod that lands on the old node after planning stops the drain, which rolls back", async () => {
    const fleet = new FakeFleet(3);
    const old = oldestOnDemand(fleet);
    fleet.when("describe", 2, () => fleet.pods.push({ namespace: "ops", name: "late-shell", node: `node-${old}` }));
    const r = await rebalancer(fleet, { table: await table() }).rebalanceGroup(GROUP);
    assert.equal(r.outcome, "rolled-back");
    assert.equal(r.failedStep, "drain");
    assert.match(r.reason, /ops\/late-shell has no controller/);
    for (let i = 0; i < 2; i++) fleet.tick();
    assertSettled(fleet, 3);
    assert.ok(fleet.pods.some((p) => p.name === "late-shell" && p.node === `node-${old}`), "the bare pod was not touched");
  });
});

describe("the half-open probe in the rebalance", () => {
  it("asks once, for the pair the group launched, takes the probe, and the circuit closes only after the quiet window that follows it", async () => {
    const fleet = new FakeFleet(3);
    const now = () => Date.parse("2027-11-30T10:00:00Z") + fleet.clock.now();
    const settings = BreakerSettings.parse({});
    const names = { b: await db.newTable("nb"), p: await db.newTable("np") };
    const breakers = new BreakerStore(db.doc, names.b, settings, { now });
    const spot = new SpotAdvisor({ breakers, pools: new PoolRiskStore(db.doc, names.p, { poisonDays: 15, poisoningEnvironments: ["prod"], now }), region: "eu-west-1", now });
    for (const id of ["i-0000000a", "i-0000000b", "i-0000000c"]) await breakers.recordInterruption("m5.large", "eu-west-1a", id, now());
    await fleet.clock.sleep(31 * MINUTE_MS);
    const asked: string[] = [];
    const advisor: CapacityAdvisor = {
      isHealthy: (t, az) => spot.isHealthy(t, az),
      adviseCapacity: async (q) => {
        asked.push(`${q.instanceType}@${q.availabilityZone}`);
        return spot.adviseCapacity(q);
      },
      probeLaunched: (t, az, id) => spot.probeLaunched(t, az, id),
      releaseProbe: (t, az) => spot.releaseProbe(t, az),
    };
    const r = await rebalancer(fleet, { table: await table(), advisor }).rebalanceGroup(GROUP);
    assert.equal(r.outcome, "replaced", r.reason);
    const launched = fleet.instances.get(r.newInstanceId!)!;
    assert.deepEqual(asked, [`${launched.type}@${launched.az}`], "one question, about the pair actually launched");
    assert.equal(effectiveState(await breakers.get("m5.large"), now(), settings), "half-open");
    await fleet.clock.sleep(31 * MINUTE_MS);
    assert.equal(effectiveState(await breakers.get("m5.large"), now(), settings), "closed");
  });
});
