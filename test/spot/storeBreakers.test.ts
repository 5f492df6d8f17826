import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { BreakerStore } from "../../runtime/spot/storeBreakers";
import { BreakerSettings, MINUTE_MS } from "../../runtime/spot/settings";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

const settings = BreakerSettings.parse({});
let db: LocalDynamo;

async function freshStore(now: () => number = Date.now): Promise<{ store: BreakerStore; name: string }> {
  const name = await db.newTable("breakers");
  return { store: new BreakerStore(db.doc, name, settings, { now }), name };
}

before(async () => {
  db = await startDynalite();
});
after(async () => db.close());

describe("breaker store against dynalite", () => {
  it("100 concurrent interruptions of one type: counted exactly 100 times, one closed→open transition", async () => {
    const { store } = await freshStore();
    const at = Date.now();
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store.recordInterruption("c5.xlarge", "us-east-1a", `i-${(i + 1).toString(16).padStart(8, "0")}`, at)));
    const record = await store.get("c5.xlarge");
    assert.equal(record.interruptions, 100);
    assert.equal(record.state, "open");
    assert.equal(record.version, 1, "one state write: the transition");
    assert.equal(new Set(record.seenInstanceIds).size, 100, "every instance is remembered, so a re-delivery counts nothing");
    const opened = results.flatMap((r) => r.transitions).filter((t) => t.from === "closed" && t.to === "open");
    assert.equal(opened.length, 1);
    const again = await store.recordInterruption("c5.xlarge", "us-east-1a", "i-00000042", at);
    assert.equal(again.counted, false);
    assert.equal((await store.get("c5.xlarge")).interruptions, 100);
  });

  it("a re-delivered event is not counted twice and writes nothing", async () => {
    const { store } = await freshStore();
    await store.recordInterruption("m5.large", "us-east-1a", "i-0000000a", Date.now());
    const again = await store.recordInterruption("m5.large", "us-east-1a", "i-0000000a", Date.now());
    assert.equal(again.written, false);
    assert.equal(again.counted, false);
    const r = await store.get("m5.large");
    assert.equal(r.interruptions, 1);
  });

  it("while open, counts each further interruption once, even re-delivered and concurrent", async () => {
    const { store } = await freshStore();
    for (const id of ["i-1", "i-2", "i-3"]) await store.recordInterruption("t3.large", undefined, id, Date.now());
    const before = await store.get("t3.large");
    assert.equal(before.state, "open");
    const ids = ["i-4", "i-5", "i-4", "i-6", "i-5", "i-4"];
    const results = await Promise.all(ids.map((id) => store.recordInterruption("t3.large", undefined, id, Date.now())));
    const after = await store.get("t3.large");
    assert.equal(after.interruptions, 6);
    assert.equal(results.filter((r) => r.counted && r.written).length, 3);
    assert.equal(after.state, "open");
    assert.equal(after.openUntil, before.openUntil, "the cooldown is unchanged");
  });

  it("counts 100 concurrent rebalance signals without touching the circuit", async () => {
    const { store } = await freshStore();
    await Promise.all(Array.from({ length: 100 }, () => store.recordRebalance("c6i.large", undefined, Date.now())));
    const r = await store.get("c6i.large");
    assert.equal(r.rebalanceSignals, 100);
    assert.equal(r.state, "closed");
    assert.equal(r.interruptions, 0);
  });

  it("grants one half-open probe among concurrent callers, and reset closes the circuit", async () => {
    let now = Date.parse("2026-11-23T10:00:00Z");
    const { store, name } = await freshStore(() => now);
    for (const id of ["i-1", "i-2", "i-3"]) await store.recordInterruption("r6g.large", undefined, id, now);
    now += 31 * MINUTE_MS;
    const claims = await Promise.all(Array.from({ length: 20 }, () => store.claimProbe("r6g.large")));
    assert.equal(claims.filter((c) => c.granted).length, 1);
    const reset = await store.reset("r6g.large", "test");
    assert.equal(reset.record.state, "closed");
    assert.deepEqual(reset.transitions.map((t) => `${t.from}>${t.to}`), ["half-open>closed"]);
    const item = (await db.doc.send(new GetCommand({ TableName: name, Key: { pk: "r6g.large" } }))).Item!;
    assert.equal(typeof item.expiresAt, "number", "the TTL attribute is written");
    assert.ok((item.expiresAt as number) * 1000 > now);
  });

  it("keeps the item bounded under a long burst, still counting every interruption and refusing re-deliveries of recent ones", async () => {
    const { store, name } = await freshStore();
    const ids = Array.from({ length: 300 }, (_, i) => `i-${(0x1000 + i).toString(16).padStart(8, "0")}`);
    await Promise.all(ids.map((id) => store.recordInterruption("t3.small", undefined, id, Date.now())));
    const item = (await db.doc.send(new GetCommand({ TableName: name, Key: { pk: "t3.small" } }))).Item!;
    assert.equal(item.interruptions, 300);
    assert.ok((item.recentIds as string[]).length <= 250, `the log was trimmed (${(item.recentIds as string[]).length} entries)`);
    assert.equal((item.recentIds as string[]).length, (item.recentAt as number[]).length, "times and ids stay aligned");
    const again = await store.recordInterruption("t3.small", undefined, ids.at(-1)!, Date.now());
    assert.equal(again.counted, false);
  });

  it("keys per AZ when configured", async () => {
    const store = new BreakerStore(db.doc, await db.newTable("breakers"), { ...settings, perAz: true });
    await store.recordInterruption("m5.large", "us-east-1a", "i-1", Date.now());
    assert.equal((await store.get("m5.large@us-east-1a")).interruptions, 1);
    assert.equal((await store.get("m5.large@us-east-1b")).interruptions, 0);
  });
});
