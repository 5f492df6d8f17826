import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { swapOnDemandForSpot } from "../../runtime/spot/actions";
import { type SwapPlan } from "../../runtime/spot/model";
import { memoryLog } from "../../runtime/shared/observability";
import { FakeAccount, fakeClock } from "./fakeAccount";

const TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef";

function setUp(opts: { n?: number; max?: number; targetGroups?: boolean } = {}) {
  const fake = new FakeAccount();
  const n = opts.n ?? 3;
  const group = fake.addGroup("web", { n, max: opts.max ?? n, targetGroupArns: opts.targetGroups ? [TG] : [] });
  const od = fake.instances.get(group.members[0]!.id)!;
  const plan: SwapPlan = {
    autoScalingGroupName: "web",
    onDemandInstanceId: od.id,
    availabilityZone: od.az,
    subnetId: od.subnetId,
    launchTemplate: group.launchTemplate!,
    instanceTypes: ["m5.large", "m6i.large", "m5a.large"],
    desiredCapacity: group.desired,
    maxSize: group.max,
    suspendedProcesses: [],
    targetGroupArns: group.targetGroupArns,
    tags: [{ Key: "costguard:spot-replacement-for", Value: od.id }],
    clientToken: `costguard-web-${od.id}`,
  };
  const deps = { ec2: fake.ec2, autoscaling: fake.autoscaling, elbv2: fake.elbv2, clock: fakeClock(), log: memoryLog() };
  fake.snapshots = []; // count only the swap's own calls
  return { fake, group, plan, deps, n, od };
}

/** After every single API call, InService never dropped below N. */
function assertCapacityHeld(fake: FakeAccount, n: number) {
  assert.ok(fake.snapshots.length >= 3, "the swap made its calls");
  for (const [i, s] of fake.snapshots.entries()) assert.ok(s.inService >= n, `after call ${i + 1} (${s.call}) InService was ${s.inService} < ${n}`);
}

/** The group is exactly as it was: N desired, N InService, MaxSize and processes restored, no orphan. */
function assertRestored(fake: FakeAccount, ctx: ReturnType<typeof setUp>, maxBefore: number) {
  const g = fake.group("web");
  assert.equal(g.desired, ctx.n, "desired back at N");
  assert.equal(fake.inService("web"), ctx.n, "N instances InService");
  assert.equal(g.max, maxBefore, "MaxSize restored");
  assert.deepEqual([...g.suspended], [], "processes resumed");
  assert.deepEqual(fake.orphans().map((i) => i.id), [], "no orphan spot instance");
  assert.ok(g.members.some((m) => m.id === ctx.od.id), "the on-demand instance is still serving");
  const spot = [...fake.instances.values()].filter((i) => i.lifecycle === "spot");
  assert.ok(spot.every((i) => i.state === "terminated" || i.state === "shutting-down"), "every spot instance launched is terminated");
}

describe("ASG swap: success", () => {
  it("replaces the on-demand instance with spot, capacity ≥ N after every call, MaxSize and processes restored", async () => {
    const ctx = setUp();
    const r = await swapOnDemandForSpot(ctx.plan, ctx.deps);
    assert.equal(r.outcome, "replaced", JSON.stringify(r));
    const g = ctx.fake.group("web");
    assert.equal(g.desired, 3);
    assert.equal(g.max, 3, "raised to 4 for the swap, then restored");
    assert.deepEqual([...g.suspended], []);
    assert.ok(!g.members.some((m) => m.id === ctx.od.id), "the on-demand instance left");
    const newcomer = ctx.fake.instances.get(r.spotInstanceId)!;
    assert.equal(newcomer.lifecycle, "spot");
    assert.equal(newcomer.subnetId, ctx.od.subnetId, "same subnet, so the AZ balance holds");
    assertCapacityHeld(ctx.fake, 3);
    assert.ok(ctx.fake.snapshots.some((s) => s.desired === 4 && s.max === 4 && s.suspended.includes("AZRebalance")), "went through N+1 with AZRebalance suspended");
    const order = ctx.fake.calls.filter((c) => !c.startsWith("Describe"));
    assert.deepEqual(order, ["SuspendProcesses", "UpdateAutoScalingGroup", "CreateFleet", "AttachInstances", "TerminateInstanceInAutoScalingGroup", "UpdateAutoScalingGroup", "ResumeProcesses"]);
  });

  it("does not touch MaxSize when there is headroom, nor processes already suspended", async () => {
    const ctx = setUp({ max: 5 });
    ctx.group.suspended.add("AZRebalance");
    const r = await swapOnDemandForSpot({ ...ctx.plan, suspendedProcesses: ["AZRebalance"] }, ctx.deps);
    assert.equal(r.outcome, "replaced");
    assert.equal(ctx.fake.calls.filter((c) => c === "UpdateAutoScalingGroup" || c === "ResumeProcesses" || c === "SuspendProcesses").length, 0);
    assert.deepEqual([...ctx.group.suspended], ["AZRebalance"], "left suspended as the owner had it");
  });

  it("waits for target-group health before removing the on-demand instance", async () => {
    const ctx = setUp({ targetGroups: true });
    ctx.fake.behaviour.targetHealthyAfter = 3;
    const r = await swapOnDemandForSpot(ctx.plan, ctx.deps);
    assert.equal(r.outcome, "replaced");
    const calls = ctx.fake.calls;
    const lastHealth = calls.lastIndexOf("DescribeTargetHealth");
    assert.ok(lastHealth > 0 && lastHealth < calls.indexOf("TerminateInstanceInAutoScalingGroup"));
    assertCapacityHeld(ctx.fake, 3);
  });
});

describe("ASG swap: every failure rolls back to N, MaxSize and processes restored, no orphan", () => {
  const cases: { name: string; step: string; inject: (ctx: ReturnType<typeof setUp>) => void }[] = [
    { name: "launch fails (no spot capacity)", step: "launch-spot", inject: (c) => (c.fake.behaviour.noSpotCapacity = true) },
    { name: "launch call throws", step: "launch-spot", inject: (c) => c.fake.behaviour.failures.set("CreateFleet", () => true) },
    { name: "never passes status checks", step: "wait-status-checks", inject: (c) => (c.fake.behaviour.statusOkAfter = Infinity) },
    { name: "attach fails", step: "attach", inject: (c) => c.fake.behaviour.failures.set("AttachInstances", () => true) },
    { name: "never InService (timeout)", step: "wait-in-service", inject: (c) => (c.fake.behaviour.inServiceAfter = Infinity) },
    { name: "never healthy in the target group", step: "wait-in-service", inject: (c) => (c.fake.behaviour.targetHealthyAfter = Infinity) },
    {
      name: "terminating the on-demand instance fails",
      step: "remove-on-demand",
      inject: (c) => c.fake.behaviour.failures.set("TerminateInstanceInAutoScalingGroup", (i) => i.InstanceId === c.od.id),
    },
    { name: "raising MaxSize fails", step: "raise-max-size", inject: (c) => c.fake.behaviour.failures.set("UpdateAutoScalingGroup", (i) => i.MaxSize === 4) },
  ];
  for (const tc of cases) {
    it(tc.name, async () => {
      const ctx = setUp({ targetGroups: tc.name.includes("target group") });
      tc.inject(ctx);
      const r = await swapOnDemandForSpot(ctx.plan, ctx.deps);
      assert.equal(r.outcome, "rolled-back");
      assert.equal(r.failedStep, tc.step);
      assert.deepEqual(r.rollbackErrors, []);
      assertRestored(ctx.fake, ctx, 3);
      assertCapacityHeld(ctx.fake, 3);
    });
  }

  it("detaches and terminates the spot instance when terminating it through the group fails", async () => {
    const ctx = setUp();
    ctx.fake.behaviour.inServiceAfter = Infinity;
    ctx.fake.behaviour.failures.set("TerminateInstanceInAutoScalingGroup", () => true);
    const r = await swapOnDemandForSpot(ctx.plan, ctx.deps);
    assert.equal(r.outcome, "rolled-back");
    assert.deepEqual(r.rollbackErrors, []);
    assertRestored(ctx.fake, ctx, 3);
    assertCapacityHeld(ctx.fake, 3);
  });

  it("reports what it could not undo, and still resumes processes", async () => {
    const ctx = setUp();
    ctx.fake.behaviour.inServiceAfter = Infinity;
    ctx.fake.behaviour.failures.set("TerminateInstanceInAutoScalingGroup", () => true);
    ctx.fake.behaviour.failures.set("DetachInstances", () => true);
    const r = await swapOnDemandForSpot(ctx.plan, ctx.deps);
    assert.equal(r.outcome, "rolled-back");
    assert.match(r.rollbackErrors[0]!, /terminate spot instance i-.*injected failure of DetachInstances/);
    assert.match(r.rollbackErrors[1]!, /restore MaxSize 3/, "MaxSize cannot go below desired while the spot instance stays");
    assert.deepEqual([...ctx.fake.group("web").suspended], []);
    assertCapacityHeld(ctx.fake, 3);
  });
});
