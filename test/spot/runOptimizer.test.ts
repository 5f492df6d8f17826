import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { GuardEventInput } from "../../runtime/contract";
import { memoryLog } from "../../runtime/shared/observability";
import { optimizeGroups, type OptimizerDeps } from "../../runtime/spot/runOptimizer";
import { decideSwap, parseMinOnDemand } from "../../runtime/spot/decide";
import { type GroupFacts } from "../../runtime/spot/model";
import { FakeAccount, fakeClock } from "./fakeAccount";
import { smallPriceBook } from "./smallPriceBook";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

let db: LocalDynamo;
before(async () => {
  db = await startDynalite();
});
after(() => db.close());

async function deps(fake: FakeAccount, opts: { unhealthy?: Set<string>; remainingMs?: number } = {}) {
  const table = await db.newTable("opt");
  const events: Omit<GuardEventInput, "source">[] = [];
  const metrics: { key: string; dims?: Record<string, string> }[] = [];
  const d: OptimizerDeps = {
    ec2: fake.ec2,
    autoscaling: fake.autoscaling,
    elbv2: fake.elbv2,
    clock: fakeClock(),
    log: memoryLog(),
    prices: smallPriceBook(),
    health: { isHealthy: async (t) => (opts.unhealthy?.has(t) ? { healthy: false, reason: `circuit ${t} is open` } : { healthy: true, reason: "ok" }) },
    region: "us-east-1",
    minOnDemandDefault: 1,
    stack: "test",
    publish: async (e) => void events.push(e),
    metric: (key, _v, dims) => void metrics.push({ key, dims }),
    remainingMs: opts.remainingMs === undefined ? undefined : () => opts.remainingMs!,
    store: { doc: db.doc, table },
  };
  return { d, events, metrics };
}

const onDemandCount = (fake: FakeAccount, group: string) =>
  fake.group(group).members.filter((m) => fake.instances.get(m.id)!.lifecycle === "on-demand").length;

describe("ASG optimizer", () => {
  it("swaps one on-demand instance per run until the minimum is left, never touching groups not opted in", async () => {
    const fake = new FakeAccount();
    fake.addGroup("web", { n: 3 });
    fake.addGroup("batch", { n: 2, tags: { "costguard:spot-optimize": "false" } });
    const { d, events, metrics } = await deps(fake);

    const first = await optimizeGroups(d);
    assert.deepEqual(first.map((o) => [o.group, o.outcome]), [["web", "replaced"]]);
    assert.equal(onDemandCount(fake, "web"), 2);
    await optimizeGroups(d);
    assert.equal(onDemandCount(fake, "web"), 1);
    const third = await optimizeGroups(d);
    assert.equal(third[0]!.outcome, "skipped");
    assert.match((third[0] as { reason: string }).reason, /web keeps its 1 on-demand instance \(minimum 1\)/);
    assert.equal(fake.group("web").desired, 3);
    assert.equal(onDemandCount(fake, "batch"), 2);

    assert.deepEqual(metrics.map((m) => m.dims?.Outcome), ["replaced", "replaced"]);
    assert.equal(events.length, 2);
    assert.match(events[0]!.title, /ASG web: on-demand m5\.large replaced by spot m5a\.large/, "the cheapest closest compatible type first");
    const spot = [...fake.instances.values()].find((i) => i.lifecycle === "spot")!;
    assert.ok(spot.tags.some((t) => t.Key === "Environment" && t.Value === "prod"), "propagated tags copied");
    assert.ok(spot.tags.some((t) => t.Key === "costguard:spot-replacement-for"), "marked as costguard's replacement");
  });

  it("honours a percentage minimum from the group's tag", async () => {
    const fake = new FakeAccount();
    fake.addGroup("api", { n: 4, tags: { "costguard:min-on-demand": "50%" } });
    const { d } = await deps(fake);
    for (let i = 0; i < 4; i++) await optimizeGroups(d);
    assert.equal(onDemandCount(fake, "api"), 2);
  });

  it("skips without any change when no compatible type is healthy", async () => {
    const fake = new FakeAccount();
    fake.addGroup("web", { n: 2 });
    const { d, events } = await deps(fake, { unhealthy: new Set(["m5.large", "m5a.large", "m6i.large", "r5.large", "m5.xlarge"]) });
    const [o] = await optimizeGroups(d);
    assert.equal(o!.outcome, "skipped");
    assert.match((o as { reason: string }).reason, /no compatible type with a healthy pool and closed circuit in us-east-1a \(m5a\.large: circuit m5a\.large is open/);
    assert.deepEqual(fake.calls.filter((c) => !c.startsWith("Describe")), []);
    assert.equal(events.length, 0);
  });

  it("starts no swap without time to finish it", async () => {
    const fake = new FakeAccount();
    fake.addGroup("web", { n: 2 });
    const { d } = await deps(fake, { remainingMs: 60_000 });
    const [o] = await optimizeGroups(d);
    assert.match((o as { reason: string }).reason, /no time left in this run/);
    assert.deepEqual(fake.calls.filter((c) => !c.startsWith("Describe")), []);
  });

  it("reports a rolled-back swap as a warning event and metric", async () => {
    const fake = new FakeAccount();
    fake.addGroup("web", { n: 2 });
    fake.behaviour.failures.set("AttachInstances", () => true);
    const { d, events, metrics } = await deps(fake);
    const [o] = await optimizeGroups(d);
    assert.equal(o!.outcome, "rolled-back");
    assert.equal(events[0]!.severity, "warning");
    assert.match(events[0]!.title, /rolled back at attach/);
    assert.deepEqual(metrics[0]!.dims, { Outcome: "rolled-back" });
    assert.equal(onDemandCount(fake, "web"), 2);
  });
});

describe("swap decision (plain data)", () => {
  const member = (id: string, lifecycle: "spot" | "on-demand", az = "us-east-1a", extra: object = {}) => ({
    id,
    lifecycleState: "InService",
    health: "Healthy",
    protectedFromScaleIn: false,
    availabilityZone: az,
    instanceType: "m5.large",
    lifecycle,
    subnetId: `subnet-${az.slice(-1)}`,
    launchTime: Number(id.slice(2)),
    tags: {},
    ...extra,
  });
  const group = (members: ReturnType<typeof member>[], extra: Partial<GroupFacts> = {}): GroupFacts => ({
    name: "g",
    minSize: 1,
    maxSize: members.length,
    desiredCapacity: members.length,
    launchTemplate: { LaunchTemplateId: "lt-1", Version: "$Latest" },
    usesMixedInstancesPolicy: false,
    suspendedProcesses: [],
    targetGroupArns: [],
    tags: {},
    propagatedTags: [],
    members,
    ...extra,
  });

  it("picks the oldest on-demand instance in the AZ with the most on-demand instances", () => {
    const d = decideSwap(group([member("i-1", "on-demand", "us-east-1a"), member("i-2", "on-demand", "us-east-1b"), member("i-3", "on-demand", "us-east-1b")]), 1);
    assert.equal(d.action, "swap");
    assert.equal(d.action === "swap" && d.instance.id, "i-2");
  });

  it("skips protected instances, changing groups, mixed-instances groups and bad tags", () => {
    const protectedOnes = group([member("i-1", "on-demand", "us-east-1a", { protectedFromScaleIn: true }), member("i-2", "on-demand", "us-east-1a", { tags: { "costguard:protect": "true" } })]);
    assert.match((decideSwap(protectedOnes, 0) as { reason: string }).reason, /protected/);
    assert.match((decideSwap(group([member("i-1", "on-demand"), member("i-2", "on-demand", "us-east-1a", { lifecycleState: "Pending" })]), 0) as { reason: string }).reason, /is changing/);
    assert.match((decideSwap(group([member("i-1", "on-demand"), member("i-2", "on-demand")], { usesMixedInstancesPolicy: true }), 0) as { reason: string }).reason, /MixedInstancesPolicy/);
    assert.match((decideSwap(group([member("i-1", "on-demand"), member("i-2", "on-demand")], { launchTemplate: undefined }), 0) as { reason: string }).reason, /no launch template/);
    assert.match((decideSwap(group([member("i-1", "on-demand"), member("i-2", "on-demand")], { tags: { "costguard:min-on-demand": "many" } }), 0) as { reason: string }).reason, /must be a count such as "2" or a percentage such as "50%" \(got "many"\)/);
  });

  it("reads costguard:protect in any letter case, on instances and on the group", () => {
    const shouting = group([member("i-1", "on-demand", "us-east-1a", { tags: { "costguard:protect": "True" } }), member("i-2", "on-demand", "us-east-1a", { tags: { "Costguard:Protect": " TRUE " } })]);
    assert.match((decideSwap(shouting, 0) as { reason: string }).reason, /every on-demand instance above the minimum is protected/);
    const protectedGroup = group([member("i-1", "on-demand"), member("i-2", "on-demand")], { tags: { "costguard:protect": "true" } });
    assert.match((decideSwap(protectedGroup, 0) as { reason: string }).reason, /is tagged costguard:protect=true/);
  });

  it("reads the minimum as a count or a percentage of desired, rounded up", () => {
    assert.deepEqual(parseMinOnDemand(undefined, 5, 1), { min: 1 });
    assert.deepEqual(parseMinOnDemand("3", 5, 1), { min: 3 });
    assert.deepEqual(parseMinOnDemand("50%", 5, 1), { min: 3 });
    assert.deepEqual(parseMinOnDemand("0%", 5, 1), { min: 0 });
    assert.ok("error" in parseMinOnDemand("150%", 5, 1));
  });
});
