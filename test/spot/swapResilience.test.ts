/**
 * The ASG swap's promise under a world that does not hold still: capacity never drops below N
 * (the desired capacity before the swap) and nothing is left half-done, when the group scales
 * in or replaces an instance during the swap, when the run dies at any step (the next run
 * finishes or undoes it from the journal), and when two runs overlap (one lease per group).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { GuardEventInput } from "../../runtime/contract";
import { memoryLog } from "../../runtime/shared/observability";
import { optimizeGroups, type OptimizerDeps } from "../../runtime/spot/runOptimizer";
import { swapOnDemandForSpot } from "../../runtime/spot/actions";
import { type SwapPlan } from "../../runtime/spot/model";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";
import { FakeAccount, fakeClock } from "./fakeAccount";
import { smallPriceBook } from "./smallPriceBook";

const TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef";
const MINUTE = 60_000;

let db: LocalDynamo;
before(async () => {
  db = await startDynalite();
});
after(() => db.close());

const freshTable = () => db.newTable("optimizer");

/** After every API call, at least `n` instances of the group were InService and healthy. */
function assertNeverBelow(fake: FakeAccount, n: number, from = 0) {
  for (const [i, s] of fake.snapshots.slice(from).entries()) assert.ok(s.inService >= n, `after call ${i + 1} (${s.call}) InService was ${s.inService} < ${n}`);
}

/** Nothing half-done: desired and MaxSize as before, AZRebalance as the owner had it, no stray spot instance. */
function assertSettled(fake: FakeAccount, n: number, maxBefore: number, ownerSuspended = false) {
  const g = fake.group("web");
  assert.equal(g.desired, n, "desired back at N");
  assert.equal(fake.healthyInService("web").length, n, "N healthy instances InService");
  assert.equal(g.max, maxBefore, "MaxSize as the owner set it");
  assert.deepEqual([...g.suspended], ownerSuspended ? ["AZRebalance"] : [], ownerSuspended ? "the owner's suspension stays" : "AZRebalance resumed");
  assert.deepEqual(fake.orphans().map((i) => i.id), [], "no spot instance left outside the group");
}

describe("swap when the group moves under it", () => {
  function setUp(opts: { targetGroups?: boolean } = {}) {
    const fake = new FakeAccount();
    const group = fake.addGroup("web", { n: 3, max: 3, targetGroupArns: opts.targetGroups ? [TG] : [] });
    const od = fake.instances.get(group.members[0]!.id)!;
    const plan: SwapPlan = {
      autoScalingGroupName: "web",
      onDemandInstanceId: od.id,
      availabilityZone: od.az,
      subnetId: od.subnetId,
      launchTemplate: group.launchTemplate!,
      instanceTypes: ["m5a.large"],
      desiredCapacity: 3,
      maxSize: 3,
      memberIdsBefore: group.members.map((m) => m.id),
      suspendedProcesses: [],
      targetGroupArns: group.targetGroupArns,
      tags: [{ Key: "costguard:spot-replacement-for", Value: od.id }],
      clientToken: `costguard-web-${od.id}`,
    };
    const deps = { ec2: fake.ec2, autoscaling: fake.autoscaling, elbv2: fake.elbv2, clock: fakeClock(), log: memoryLog() };
    fake.snapshots = [];
    return { fake, plan, deps, od };
  }

  it("the group scales in the on-demand instance while the spot one waits for target health: the spot instance stays, N held", async () => {
    const { fake, plan, deps, od } = setUp({ targetGroups: true });
    fake.behaviour.targetHealthyAfter = 4;
    fake.when("DescribeTargetHealth", 2, () => fake.scaleIn("web", od.id));
    const r = await swapOnDemandForSpot(plan, deps);
    assert.notEqual(r.outcome, "rolled-back", JSON.stringify(r));
    assertSettled(fake, 3, 3);
    assert.ok(fake.group("web").members.some((m) => fake.instances.get(m.id)!.lifecycle === "spot"), "the spot instance holds the capacity the group removed");
    assertNeverBelow(fake, 3);
  });

  it("the group replaces the unhealthy on-demand instance meanwhile: no healthy capacity is terminated, desired back to N", async () => {
    const { fake, plan, deps, od } = setUp({ targetGroups: true });
    fake.behaviour.targetHealthyAfter = 4;
    fake.when("DescribeTargetHealth", 2, () => fake.replaceUnhealthy("web", od.id));
    const r = await swapOnDemandForSpot(plan, deps);
    assert.notEqual(r.outcome, "rolled-back", JSON.stringify(r));
    assertNeverBelow(fake, 3);
    // The group's own replacement may still be booting: let it.
    for (let i = 0; i < 3; i++) await fake.autoscaling.send(new (await import("@aws-sdk/client-auto-scaling")).DescribeAutoScalingGroupsCommand({}));
    assertSettled(fake, 3, 3);
  });

  it("the group scales in another instance meanwhile: the on-demand instance is not removed on top of it", async () => {
    const { fake, plan, deps, od } = setUp({ targetGroups: true });
    fake.behaviour.targetHealthyAfter = 4;
    const victim = fake.group("web").members[2]!.id;
    fake.when("DescribeTargetHealth", 2, () => fake.scaleIn("web", victim));
    const r = await swapOnDemandForSpot(plan, deps);
    assert.notEqual(r.outcome, "rolled-back");
    assertSettled(fake, 3, 3);
    assert.ok(fake.group("web").members.some((m) => m.id === od.id), "the on-demand instance stays: removing it would leave N − 1");
    assertNeverBelow(fake, 3);
  });
});

describe("a run killed at any step: the next run finishes or undoes it", () => {
  function optimizerDeps(fake: FakeAccount, table: string, clock: ReturnType<typeof fakeClock>, opts: { dead?: boolean } = {}) {
    const events: Omit<GuardEventInput, "source">[] = [];
    const d: OptimizerDeps = {
      ec2: fake.ec2,
      autoscaling: fake.autoscaling,
      elbv2: fake.elbv2,
      clock,
      log: memoryLog(),
      prices: smallPriceBook(),
      health: { isHealthy: async () => ({ healthy: true, reason: "ok" }) },
      region: "us-east-1",
      minOnDemandDefault: 1,
      stack: "test",
      publish: async (e) => void events.push(e),
      metric: () => {},
      store: { doc: opts.dead ? fake.guard(db.doc) : db.doc, table },
    };
    return { d, events };
  }
  const onDemand = (fake: FakeAccount) => fake.group("web").members.filter((m) => fake.instances.get(m.id)!.lifecycle === "on-demand").length;

  const killPoints: [string, { nth?: number; after?: boolean }][] = [
    ["SuspendProcesses", { after: true }],
    ["UpdateAutoScalingGroup", { after: true }],
    ["CreateFleet", {}],
    ["CreateFleet", { after: true }],
    ["DescribeInstanceStatus", { nth: 2 }],
    ["AttachInstances", {}],
    ["AttachInstances", { after: true }],
    ["DescribeAutoScalingInstances", { nth: 2 }],
    ["TerminateInstanceInAutoScalingGroup", {}],
    ["TerminateInstanceInAutoScalingGroup", { after: true }],
    ["UpdateAutoScalingGroup", { nth: 2, after: true }],
    ["ResumeProcesses", {}],
  ];
  for (const [call, at] of killPoints) {
    it(`killed ${at.after ? "after" : "at"} ${call}${at.nth ? ` #${at.nth}` : ""}: four later runs leave the group as the owner had it, never below N`, async () => {
      const fake = new FakeAccount();
      fake.addGroup("web", { n: 3, max: 3, tags: { "costguard:min-on-demand": "1" } });
      const table = await freshTable();
      const clock = fakeClock();
      fake.snapshots = [];
      fake.killAt(call, at);
      await optimizeGroups(optimizerDeps(fake, table, clock, { dead: true }).d).catch(() => undefined);
      assert.ok(fake.dead, "the run died where the test said");
      fake.revive();
      const swappedBefore = 3 - onDemand(fake);
      for (let run = 0; run < 4; run++) {
        await clock.sleep(31 * MINUTE); // the next scheduled run, after the dead run's lease expired
        await optimizeGroups(optimizerDeps(fake, table, clock).d);
        const g = fake.group("web");
        assert.equal(g.desired, 3, `run ${run + 1}: desired is N`);
        assert.equal(g.max, 3, `run ${run + 1}: MaxSize stays the owner's (never a raised baseline)`);
        assert.deepEqual([...g.suspended], [], `run ${run + 1}: AZRebalance is not left suspended`);
        assert.deepEqual(fake.orphans().map((i) => i.id), [], `run ${run + 1}: no stray spot instance`);
      }
      assert.ok(swappedBefore <= 1);
      assert.equal(onDemand(fake), 1, "later runs went on swapping down to the minimum");
      assertNeverBelow(fake, 3);
    });
  }

  it("never mistakes its own suspension for the owner's, nor the owner's for its own", async () => {
    const fake = new FakeAccount();
    fake.addGroup("web", { n: 3, max: 3 });
    fake.group("web").suspended.add("AZRebalance"); // the owner's
    const table = await freshTable();
    const clock = fakeClock();
    fake.killAt("AttachInstances", { after: true });
    await optimizeGroups(optimizerDeps(fake, table, clock, { dead: true }).d).catch(() => undefined);
    fake.revive();
    await clock.sleep(31 * MINUTE);
    await optimizeGroups(optimizerDeps(fake, table, clock).d);
    assert.deepEqual([...fake.group("web").suspended], ["AZRebalance"], "the owner's suspension stays");
    assert.equal(fake.group("web").max, 3);
    assert.equal(fake.group("web").desired, 3);
  });
});

describe("overlapping runs", () => {
  it("two runs at once swap one instance per group, not two: the second is told who holds the group", async () => {
    const fake = new FakeAccount();
    fake.addGroup("web", { n: 4, max: 4 });
    const table = await freshTable();
    const clock = fakeClock();
    const deps = (): OptimizerDeps => ({
      ec2: fake.ec2,
      autoscaling: fake.autoscaling,
      elbv2: fake.elbv2,
      clock,
      log: memoryLog(),
      prices: smallPriceBook(),
      health: { isHealthy: async () => ({ healthy: true, reason: "ok" }) },
      region: "us-east-1",
      minOnDemandDefault: 1,
      stack: "test",
      publish: async () => {},
      metric: () => {},
      store: { doc: db.doc, table },
    });
    fake.snapshots = [];
    const [a, b] = await Promise.all([optimizeGroups(deps()), optimizeGroups(deps())]);
    const outcomes = [...a, ...b].map((o) => o.outcome).sort();
    assert.deepEqual(outcomes, ["replaced", "skipped"]);
    const skipped = [...a, ...b].find((o) => o.outcome === "skipped") as { reason: string };
    assert.match(skipped.reason, /another run .* holds web/);
    assert.equal(fake.group("web").desired, 4);
    assert.equal(fake.calls.filter((c) => c === "CreateFleet").length, 1);
    assertNeverBelow(fake, 4);
  });
});
