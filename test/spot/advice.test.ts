import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { SpotAdvisor } from "../../runtime/spot/advice";
import { BreakerStore } from "../../runtime/spot/storeBreakers";
import { PoolRiskStore } from "../../runtime/spot/storePoolRisk";
import { BreakerSettings, DAY_MS, MINUTE_MS } from "../../runtime/spot/settings";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

const settings = BreakerSettings.parse({});
const region = "us-east-1";
let db: LocalDynamo;

async function world() {
  let now = Date.parse("2026-11-23T10:00:00Z");
  const clock = () => now;
  const names = { breakers: await db.newTable("b"), pools: await db.newTable("p") };
  const breakers = new BreakerStore(db.doc, names.breakers, settings, { now: clock });
  const pools = new PoolRiskStore(db.doc, names.pools, { poisonDays: 15, poisoningEnvironments: ["prod"], now: clock });
  // This account's names of the zones (another account's us-east-1a is another zone).
  const zoneIds: Record<string, string> = { "us-east-1a": "use1-az4", "us-east-1b": "use1-az6", "us-east-1c": "use1-az1" };
  const zoneId = async (az: string) => zoneIds[az] ?? Promise.reject(new Error(`unknown zone ${az}`));
  const advisor = new SpotAdvisor({ breakers, pools, region, zoneId, now: clock });
  return { breakers, pools, advisor, names, advanceMinutes: (m: number) => (now += m * MINUTE_MS), now: () => now };
}

before(async () => {
  db = await startDynalite();
});
after(async () => db.close());

describe("pool risk against dynalite", () => {
  it("a prod interruption poisons the pool for 15 days; expiry is checked on read", async () => {
    const w = await world();
    const pool = { availabilityZoneId: "use1-az6", instanceType: "m5.large" };
    const r = await w.pools.recordInterruption(pool, { environment: "prod", instanceId: "i-1", at: w.now() });
    assert.equal(r.poisoned, true);
    assert.equal((await w.pools.get(pool)).poisoned, true);
    assert.equal((await w.pools.get({ ...pool, availabilityZoneId: "use1-az1" })).poisoned, false, "another AZ is another pool");
    const item = (await db.doc.send(new GetCommand({ TableName: w.names.pools, Key: { pk: "use1-az6#m5.large" } }))).Item!;
    assert.equal(item.expiresAt, Math.ceil((w.now() + 15 * DAY_MS) / 1000), "TTL at the end of the poisoning");
    w.advanceMinutes(15 * 24 * 60 + 1);
    const later = await w.pools.get(pool);
    assert.equal(later.poisoned, false, "the item still exists (TTL is lazy) but has expired");
    assert.equal(later.interruptions, 1);
  });

  it("100 concurrent prod interruptions: all counted, poisoned until the latest one's expiry", async () => {
    const w = await world();
    const pool = { availabilityZoneId: "use1-az4", instanceType: "m6i.large" };
    await Promise.all(Array.from({ length: 100 }, (_, i) => w.pools.recordInterruption(pool, { environment: "prod", instanceId: `i-${i}`, at: w.now() - i * MINUTE_MS })));
    const risk = await w.pools.get(pool);
    assert.equal(risk.interruptions, 100);
    assert.equal(risk.poisonedUntil, w.now() + 15 * DAY_MS);
  });

  it("dev and lab interruptions do not poison", async () => {
    const w = await world();
    const pool = { availabilityZoneId: "use1-az4", instanceType: "t3.large" };
    for (const environment of ["dev", "lab", undefined]) {
      const r = await w.pools.recordInterruption(pool, { environment, instanceId: "i-2", at: w.now() });
      assert.equal(r.poisoned, false);
    }
    assert.equal((await w.pools.get(pool)).poisoned, false);
  });

  it("the same interruption delivered twice (EventBridge delivers at least once) is counted once, even concurrently", async () => {
    const w = await world();
    const pool = { availabilityZoneId: "use1-az4", instanceType: "r6i.large" };
    const once = { environment: "prod", instanceId: "i-0dup", at: w.now() };
    const first = await Promise.all([w.pools.recordInterruption(pool, once), w.pools.recordInterruption(pool, once)]);
    const again = await w.pools.recordInterruption(pool, once);
    assert.deepEqual([...first, again].map((r) => r.counted).sort(), [false, false, true]);
    assert.equal((await w.pools.get(pool)).interruptions, 1);
    assert.equal((await w.pools.get(pool)).poisoned, true);
  });

  it("the set of seen instance ids stays bounded: emptied past its cap, and counting goes on", async () => {
    const w = await world();
    const pools = new PoolRiskStore(db.doc, w.names.pools, { poisonDays: 15, poisoningEnvironments: ["prod"], seenCap: 3, now: w.now });
    const pool = { availabilityZoneId: "use1-az4", instanceType: "x2gd.large" };
    for (const id of ["i-1", "i-2", "i-3", "i-4"]) await pools.recordInterruption(pool, { environment: "prod", instanceId: id, at: w.now() });
    const item = (await db.doc.send(new GetCommand({ TableName: w.names.pools, Key: { pk: "use1-az4#x2gd.large" } }))).Item!;
    assert.equal(item.seenInstanceIds, undefined, "emptied once it held more than 3 ids");
    assert.equal((await pools.recordInterruption(pool, { environment: "prod", instanceId: "i-5", at: w.now() })).counted, true);
    assert.equal((await pools.recordInterruption(pool, { environment: "prod", instanceId: "i-5", at: w.now() })).counted, false, "de-duplication works again");
    assert.equal((await pools.get(pool)).interruptions, 5);
  });

  it("an earlier interruption arriving late never shortens the poisoning, and every one is counted", async () => {
    const w = await world();
    const pool = { availabilityZoneId: "use1-az4", instanceType: "c6g.large" };
    await w.pools.recordInterruption(pool, { environment: "prod", instanceId: "i-new", at: w.now() });
    await w.pools.recordInterruption(pool, { environment: "prod", instanceId: "i-old", at: w.now() - 3 * DAY_MS });
    const risk = await w.pools.get(pool);
    assert.equal(risk.poisonedUntil, w.now() + 15 * DAY_MS);
    assert.equal(risk.interruptions, 2);
  });
});

describe("advice", () => {
  const ask = { instanceType: "m5.large", availabilityZone: "us-east-1a", environment: "prod" };

  it("answers spot when the circuit is closed and the pool healthy", async () => {
    const w = await world();
    const a = await w.advisor.adviseCapacity(ask);
    assert.equal(a.capacity, "spot");
    assert.equal(a.circuit, "closed");
  });

  it("answers on-demand while the circuit is open, with the reason", async () => {
    const w = await world();
    for (const id of ["i-1", "i-2", "i-3"]) await w.breakers.recordInterruption("m5.large", "us-east-1c", id, w.now());
    const a = await w.advisor.adviseCapacity(ask);
    assert.equal(a.capacity, "on-demand");
    assert.equal(a.circuit, "open");
    assert.match(a.reason, /circuit m5\.large is open until 2026-11-23T10:30:00\.000Z/);
  });

  it("in half-open, the first caller gets the spot probe and the others on-demand", async () => {
    const w = await world();
    for (const id of ["i-1", "i-2", "i-3"]) await w.breakers.recordInterruption("m5.large", "us-east-1a", id, w.now());
    w.advanceMinutes(31);
    const answers = await Promise.all(Array.from({ length: 5 }, () => w.advisor.adviseCapacity(ask)));
    const spot = answers.filter((a) => a.capacity === "spot");
    assert.equal(spot.length, 1);
    assert.equal(spot[0]!.probe, true);
    assert.match(answers.find((a) => a.capacity === "on-demand")!.reason, /half-open: the probe is already out/);
    await w.advisor.probeLaunched("m5.large", "us-east-1a");
    w.advanceMinutes(31);
    const after = await w.advisor.adviseCapacity(ask);
    assert.equal(after.capacity, "spot");
    assert.equal(after.circuit, "closed", "closed after the quiet window that followed the probe's launch");
  });

  it("answers on-demand for a poisoned pool, naming it and the expiry", async () => {
    const w = await world();
    await w.pools.recordInterruption({ availabilityZoneId: "use1-az4", instanceType: "m5.large" }, { environment: "prod", instanceId: "i-1", at: w.now() });
    const a = await w.advisor.adviseCapacity({ ...ask, environment: "dev" });
    assert.equal(a.capacity, "on-demand");
    assert.match(a.reason, /pool us-east-1a \(use1-az4\)\/m5\.large is poisoned until 2026-12-08T10:00:00\.000Z by a prod interruption/);
    assert.equal((await w.advisor.adviseCapacity({ ...ask, availabilityZone: "us-east-1b" })).capacity, "spot");
  });

  it("a pool poisoned before pools were keyed by AZ ID still counts until it expires, under this account's name of the zone", async () => {
    const w = await world();
    const until = w.now() + 3 * DAY_MS;
    await db.doc.send(new UpdateCommand({ TableName: w.names.pools, Key: { pk: "us-east-1#us-east-1a#m5.large" }, UpdateExpression: "SET poisonedUntil = :u, interruptions = :n", ExpressionAttributeValues: { ":u": until, ":n": 1 } }));
    assert.equal((await w.advisor.adviseCapacity(ask)).capacity, "on-demand");
    assert.equal((await w.advisor.adviseCapacity({ ...ask, availabilityZone: "us-east-1b" })).capacity, "spot");
    w.advanceMinutes(3 * 24 * 60 + 1);
    assert.equal((await w.advisor.adviseCapacity(ask)).capacity, "spot", "expired on read like any pool");
  });

  it("fails safe to on-demand when this account does not know the zone", async () => {
    const w = await world();
    const a = await w.advisor.adviseCapacity({ ...ask, availabilityZone: "us-east-1f" });
    assert.equal(a.capacity, "on-demand");
    assert.match(a.reason, /failing safe to on-demand: unknown zone us-east-1f/);
  });

  it("fails safe to on-demand when the tables cannot be read", async () => {
    const w = await world();
    const broken = new SpotAdvisor({
      breakers: w.breakers,
      pools: new PoolRiskStore(db.doc, "no-such-table", { poisonDays: 15, poisoningEnvironments: ["prod"] }),
      region,
    });
    const a = await broken.adviseCapacity(ask);
    assert.equal(a.capacity, "on-demand");
    assert.match(a.reason, /advice unavailable, failing safe to on-demand: .*(not found|non-existent)/i);
    assert.equal((await w.advisor.adviseCapacity({ ...ask, instanceType: "" })).capacity, "on-demand");
  });
});
