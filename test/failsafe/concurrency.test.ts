/**
 * EventBridge and Lambda deliver at least once, and an operator's stop-env can overlap the
 * schedule: runs against the same stack (same dynalite tables, same fake account) must act
 * once and alert once per decision.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { handleFailsafeEvent, type FailsafeResponse } from "../../runtime/failsafe/runCommands";
import { Lease } from "../../runtime/shared/lease";
import { MINUTE, scheduledEvent, startWorld, T0, type World } from "./world";

/** Per resource id, how many mutating calls it received. */
function mutationsPerResource(w: World): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of w.account.calls) {
    if (!/^(Stop|Update|Terminate)/.test(c.command)) continue;
    const ids = (c.input.InstanceIds as string[] | undefined) ?? [String(c.input.AutoScalingGroupName ?? c.input.service ?? c.input.DBInstanceIdentifier)];
    for (const id of ids) out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

describe("concurrent failsafe runs", () => {
  let w: World;
  beforeEach(async () => {
    w = await startWorld();
    await handleFailsafeEvent(scheduledEvent(T0 - 5 * MINUTE), w.at(T0 - 5 * MINUTE));
    for (let n = 0; n < 3; n++) w.account.addInstance({ id: `i-runaway${n}`, type: "c5.xlarge", tags: { Environment: "dev" } });
  });
  afterEach(() => w.close());

  it("the same scheduled event delivered twice at once: one run acts, once, with one alert", async () => {
    const deps = w.at(T0);
    const [a, b] = await Promise.all([handleFailsafeEvent(scheduledEvent(T0), deps), handleFailsafeEvent(scheduledEvent(T0), deps)]);
    const acted = [a, b].filter((r) => r.ok && "actions" in r && r.actions.length > 0);
    assert.equal(acted.length, 1, JSON.stringify([a, b].map((r) => (r.ok ? `${r.command} ${"actions" in r ? r.actions.length : ""}` : r.error))));
    const other = [a, b].find((r) => r !== acted[0]) as FailsafeResponse;
    assert.ok(!other.ok && /another failsafe run/.test(other.error), JSON.stringify(other).slice(0, 300));
    for (const [id, n] of mutationsPerResource(w)) assert.equal(n, 1, `${id} was changed ${n} times`);
    assert.equal(w.account.published.length, 1, "one alert for one decision");
  });

  it("an operator's stop-env overlapping the schedule: each resource is stopped once, the command waits its turn", async () => {
    const deps = w.at(T0);
    const [check, stop] = await Promise.all([handleFailsafeEvent(scheduledEvent(T0), deps), handleFailsafeEvent({ command: "stop-env", environment: "dev" }, deps)]);
    assert.ok(stop.ok, JSON.stringify(stop).slice(0, 300));
    assert.ok(check.ok || /another failsafe run/.test(check.error));
    for (const [id, n] of mutationsPerResource(w)) assert.equal(n, 1, `${id} was changed ${n} times`);
    assert.equal(w.account.running("dev").length, 1, "only the protected instance is left running");
    assert.ok(w.account.published.length <= 2, "at most the check's alert and the operator's");
  });

  it("a run that died holding the lease blocks the next ones only until the lease expires", async () => {
    const dead = new Lease(w.dynamo.doc, w.dynamo.tables.state, "failsafe", { sortKey: { sk: "lease" }, now: () => T0 });
    assert.ok((await dead.acquire("check#crashed", 2 * MINUTE)).acquired);
    const blocked = await handleFailsafeEvent(scheduledEvent(T0 + MINUTE), w.at(T0 + MINUTE));
    assert.ok(!blocked.ok && /another failsafe run \(check#crashed\)/.test(blocked.error));
    assert.deepEqual(w.account.writes(), []);
    const later = await handleFailsafeEvent(scheduledEvent(T0 + 3 * MINUTE), w.at(T0 + 3 * MINUTE));
    assert.ok(later.ok && "actions" in later && later.actions.length > 0, "the lease expired: this run acts");
  });
});

describe("an alert is sent once per decision", () => {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(() => w.close());

  it("a failure that repeats identically run after run is announced once, not every 2 minutes", async () => {
    await handleFailsafeEvent(scheduledEvent(T0 - 2 * MINUTE), w.at(T0 - 2 * MINUTE));
    w.account.addInstance({ id: "i-runaway", type: "c5.xlarge", tags: { Environment: "dev" } });
    for (let n = 0; n < 10; n++) {
      w.account.fail("StopDBInstance", 1, "InvalidDBInstanceState", "DB instance is not in available state");
      await handleFailsafeEvent(scheduledEvent(T0 + n * 2 * MINUTE), w.at(T0 + n * 2 * MINUTE));
    }
    const failedDb = w.account.published.filter((p) => /dev-db/.test(p.Message ?? "") && /InvalidDBInstanceState/.test(p.Message ?? ""));
    assert.equal(failedDb.length, 1, `${failedDb.length} alerts for the same failure`);
  });
});
