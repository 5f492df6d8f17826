/**
 * The lease and once-only claim every destructive run relies on, against dynalite: concurrent
 * runs act once, a dead holder blocks only until its lease expires, a retry of the same run
 * gets its lease back, and a holder that outlived its lease cannot free the next one's.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isProtected } from "../../../runtime/contract";
import { claimOnce, Lease } from "../../../runtime/shared/lease";
import { startDynalite, type LocalDynamo } from "../../support/localDynamo";

describe("lease", () => {
  let db: LocalDynamo;
  before(async () => {
    db = await startDynalite();
  });
  after(() => db.close());
  const table = (shape?: { sortKey?: "S" | "N" }) => db.newTable("lease", shape);

  it("twenty concurrent runs: exactly one acquires, the others are told who holds it", async () => {
    const t = await table();
    let clock = 1_000_000;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => new Lease(db.doc, t, "failsafe", { now: () => clock }).acquire(`run-${i}`, 60_000)));
    const winners = results.filter((r) => r.acquired);
    assert.equal(winners.length, 1);
    const winner = `run-${results.findIndex((r) => r.acquired)}`;
    for (const r of results.filter((x) => !x.acquired)) assert.deepEqual(r, { acquired: false, holder: winner, until: clock + 60_000 });
    clock += 1; // keep the clock used
  });

  it("a holder that died blocks others only until its lease expires; the next holder gets a larger fence", async () => {
    const t = await table();
    let clock = 5_000_000;
    const lease = new Lease(db.doc, t, "asg#web", { now: () => clock });
    const first = await lease.acquire("run-a", 30_000);
    assert.ok(first.acquired);
    assert.equal((await lease.acquire("run-b", 30_000)).acquired, false, "run-a still holds it");
    clock += 30_001;
    const second = await lease.acquire("run-b", 30_000);
    assert.ok(second.acquired, "run-a's lease expired");
    assert.ok(second.fence > first.fence);
  });

  it("a retry by the same owner renews its lease instead of being refused", async () => {
    const t = await table();
    const clock = 7_000_000;
    const lease = new Lease(db.doc, t, "failsafe", { now: () => clock });
    assert.ok((await lease.acquire("run-a", 10_000)).acquired);
    assert.ok((await lease.acquire("run-a", 10_000)).acquired);
  });

  it("a holder that outlived its lease cannot release the next holder's", async () => {
    const t = await table();
    let clock = 9_000_000;
    const lease = new Lease(db.doc, t, "failsafe", { now: () => clock });
    await lease.acquire("slow", 1_000);
    clock += 2_000;
    assert.ok((await lease.acquire("next", 60_000)).acquired);
    await lease.release("slow");
    assert.deepEqual(await lease.acquire("third", 60_000), { acquired: false, holder: "next", until: clock + 60_000 });
  });

  it("run() releases after the work, also when it throws, and skips the work when busy", async () => {
    const t = await table({ sortKey: "S" });
    const clock = 11_000_000;
    const lease = new Lease(db.doc, t, "cleanup", { sortKey: { sk: "lease" }, now: () => clock });
    await assert.rejects(lease.run("a", 60_000, async () => Promise.reject(new Error("boom"))), /boom/);
    const done = await lease.run("b", 60_000, async (held) => held.fence);
    assert.deepEqual(done, { ran: true, result: 2 });
    await lease.acquire("c", 60_000);
    let called = false;
    const busy = await lease.run("d", 60_000, async () => {
      called = true;
    });
    assert.equal(called, false);
    assert.deepEqual(busy, { ran: false, busy: { acquired: false, holder: "c", until: clock + 60_000 } });
  });

  it("claimOnce: one alert per decision under duplicate and concurrent delivery, again after the claim expires", async () => {
    const t = await table();
    let clock = 20_000_000;
    const claim = () => claimOnce(db.doc, t, "alert#dev#stop#2026-12-01T10", 3_600_000, { now: () => clock });
    const firsts = await Promise.all(Array.from({ length: 10 }, claim));
    assert.equal(firsts.filter(Boolean).length, 1);
    assert.equal(await claim(), false, "a redelivery an hour later within the claim");
    clock += 3_600_001;
    assert.equal(await claim(), true, "a new incident after the claim expired");
  });
});

describe("isProtected", () => {
  it("reads costguard:protect=true in any letter case of key and value, and nothing else", () => {
    for (const tags of [{ "costguard:protect": "true" }, { "costguard:protect": "True" }, { "costguard:protect": "TRUE" }, { "Costguard:Protect": " true " }]) {
      assert.equal(isProtected(tags), true, JSON.stringify(tags));
    }
    for (const tags of [undefined, {}, { "costguard:protect": "false" }, { "costguard:protect": "yes" }, { "costguard:protected": "true" }, { protect: "true" }]) {
      assert.equal(isProtected(tags), false, JSON.stringify(tags));
    }
  });
});
