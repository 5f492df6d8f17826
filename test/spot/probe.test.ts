/**
 * The half-open probe as users of the optimizer see it: a type whose circuit is half-open is
 * tried with exactly one spot launch, and the circuit closes only after a quiet window that
 * follows a probe that actually ran (launched and serving), never after a probe that was
 * claimed and then not used.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { memoryLog } from "../../runtime/shared/observability";
import { SpotAdvisor } from "../../runtime/spot/advice";
import { optimizeGroups, type OptimizerDeps } from "../../runtime/spot/runOptimizer";
import { effectiveState } from "../../runtime/spot/breaker";
import { BreakerStore } from "../../runtime/spot/storeBreakers";
import { PoolRiskStore } from "../../runtime/spot/storePoolRisk";
import { BreakerSettings, MINUTE_MS } from "../../runtime/spot/settings";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";
import { FakeAccount, fakeClock } from "./fakeAccount";
import { smallPriceBook } from "./smallPriceBook";

const settings = BreakerSettings.parse({});
let db: LocalDynamo;
before(async () => {
  db = await startDynalite();
});
after(() => db.close());

/** m5.large is the only compatible type, so its circuit decides. */
const onlyM5 = smallPriceBook([["m5.large", 2, 8, "x86_64", 0.096, 0.035]]);

async function world() {
  const clock = fakeClock(Date.parse("2027-11-30T10:00:00Z"));
  const tables = { breakers: await db.newTable("pb"), pools: await db.newTable("pp"), optimizer: await db.newTable("po") };
  const breakers = new BreakerStore(db.doc, tables.breakers, settings, { now: clock.now });
  const pools = new PoolRiskStore(db.doc, tables.pools, { poisonDays: 15, poisoningEnvironments: ["prod"], now: clock.now });
  const advisor = new SpotAdvisor({ breakers, pools, region: "us-east-1", now: clock.now });
  const fake = new FakeAccount();
  fake.addGroup("web", { n: 3, max: 4, type: "m5.large", tags: { "costguard:min-on-demand": "0" } });
  const deps: OptimizerDeps = {
    ec2: fake.ec2,
    autoscaling: fake.autoscaling,
    elbv2: fake.elbv2,
    clock,
    log: memoryLog(),
    prices: onlyM5,
    health: advisor,
    probes: advisor,
    region: "us-east-1",
    minOnDemandDefault: 0,
    stack: "test",
    publish: async () => {},
    metric: () => {},
    store: { doc: db.doc, table: tables.optimizer },
  };
  const state = async () => effectiveState(await breakers.get("m5.large"), clock.now(), settings);
  return { clock, breakers, advisor, fake, deps, state };
}

async function openThenHalfOpen(w: Awaited<ReturnType<typeof world>>) {
  for (const id of ["i-0000000a", "i-0000000b", "i-0000000c"]) await w.breakers.recordInterruption("m5.large", "us-east-1a", id, w.clock.now());
  await w.clock.sleep(31 * MINUTE_MS);
  assert.equal(await w.state(), "half-open");
}

describe("half-open probe in the ASG optimizer", () => {
  it("takes the probe: one spot launch of the half-open type, and only one", async () => {
    const w = await world();
    await openThenHalfOpen(w);
    const [first] = await optimizeGroups(w.deps);
    assert.equal(first!.outcome, "replaced", JSON.stringify(first));
    assert.equal(w.fake.calls.filter((c) => c === "CreateFleet").length, 1);
    // A second run while the probe is out launches nothing of that type.
    await w.clock.sleep(5 * MINUTE_MS);
    const [second] = await optimizeGroups(w.deps);
    assert.equal(second!.outcome, "skipped");
    assert.match((second as { reason: string }).reason, /probe is already out/);
    assert.equal(w.fake.calls.filter((c) => c === "CreateFleet").length, 1);
  });

  it("closes the circuit only after the quiet window following the probe that ran", async () => {
    const w = await world();
    await openThenHalfOpen(w);
    await optimizeGroups(w.deps);
    await w.clock.sleep(29 * MINUTE_MS);
    assert.equal(await w.state(), "half-open", "still probing within the quiet window");
    await w.clock.sleep(2 * MINUTE_MS);
    assert.equal(await w.state(), "closed");
  });

  it("a probe whose launch failed is given back: the circuit does not close on a probe that never ran, and the next run probes", async () => {
    const w = await world();
    await openThenHalfOpen(w);
    w.fake.behaviour.noSpotCapacity = true;
    const [failed] = await optimizeGroups(w.deps);
    assert.equal(failed!.outcome, "rolled-back");
    await w.clock.sleep(45 * MINUTE_MS);
    assert.equal(await w.state(), "half-open", "no probe ran, so nothing proved the pool quiet");
    w.fake.behaviour.noSpotCapacity = false;
    const [retry] = await optimizeGroups(w.deps);
    assert.equal(retry!.outcome, "replaced", "the next run takes the probe");
  });

  it("an advice caller that takes the probe and never reports back does not hold it for ever, nor close the circuit", async () => {
    const w = await world();
    await openThenHalfOpen(w);
    const advice = await w.advisor.adviseCapacity({ instanceType: "m5.large", availabilityZone: "us-east-1a" });
    assert.equal(advice.probe, true);
    await w.clock.sleep(40 * MINUTE_MS);
    assert.equal(await w.state(), "half-open", "a claimed probe is not a probe that ran");
    const again = await w.advisor.adviseCapacity({ instanceType: "m5.large", availabilityZone: "us-east-1a" });
    assert.equal(again.probe, true, "the unconfirmed claim lapsed: the next caller probes");
  });
});
