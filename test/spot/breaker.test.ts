import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  advance,
  breakerExpiry,
  claimProbe,
  confirmProbe,
  effectiveState,
  interruptionsInWindow,
  newBreaker,
  recordInterruption,
  recordRebalance,
  resetBreaker,
  type BreakerRecord,
} from "../../runtime/spot/breaker";
import { breakerKey, parseBreakerKey } from "../../runtime/contract";
import { BreakerSettings, MINUTE_MS } from "../../runtime/spot/settings";

const settings = BreakerSettings.parse({}); // 3 in 15 min, 30 min cooldown, cap 240, quiet 30
const T0 = Date.parse("2026-11-23T10:00:00Z");
const min = (n: number) => T0 + n * MINUTE_MS;

function interrupt(r: BreakerRecord, id: string, atMin: number) {
  return recordInterruption(r, { instanceId: id, at: min(atMin) }, min(atMin), settings);
}

/** A breaker opened at minute 2 by three interruptions. */
function opened(): BreakerRecord {
  let r = newBreaker("m5.large", settings);
  r = interrupt(r, "i-1", 0).record;
  r = interrupt(r, "i-2", 1).record;
  return interrupt(r, "i-3", 2).record;
}

describe("circuit breaker: closed", () => {
  it("stays closed below the threshold and counts each interruption", () => {
    let r = newBreaker("m5.large", settings);
    const a = interrupt(r, "i-1", 0);
    r = interrupt(a.record, "i-2", 5).record;
    assert.equal(r.state, "closed");
    assert.equal(r.interruptions, 2);
    assert.deepEqual(a.transitions, []);
  });

  it("opens at the third interruption within 15 minutes, for the base cooldown", () => {
    let r = newBreaker("m5.large", settings);
    r = interrupt(r, "i-1", 0).record;
    r = interrupt(r, "i-2", 7).record;
    const step = interrupt(r, "i-3", 14);
    assert.equal(step.record.state, "open");
    assert.equal(step.record.openUntil, min(14 + 30));
    assert.equal(step.transitions.length, 1);
    assert.deepEqual([step.transitions[0]!.from, step.transitions[0]!.to], ["closed", "open"]);
    assert.match(step.transitions[0]!.reason, /3 interruptions within 15 min/);
  });

  it("does not open when the interruptions are spread beyond the window", () => {
    let r = newBreaker("m5.large", settings);
    r = interrupt(r, "i-1", 0).record;
    r = interrupt(r, "i-2", 10).record;
    r = interrupt(r, "i-3", 20).record; // i-1 is 20 min old: only 2 in the window
    assert.equal(r.state, "closed");
    assert.equal(interrupt(r, "i-4", 24).record.state, "open", "i-2, i-3, i-4 are within 15 minutes");
  });

  it("ignores a re-delivered event for an instance already counted", () => {
    let r = newBreaker("m5.large", settings);
    r = interrupt(r, "i-1", 0).record;
    r = interrupt(r, "i-2", 1).record;
    const again = interrupt(r, "i-2", 1);
    assert.equal(again.counted, false);
    assert.equal(again.record, r, "nothing to write");
    assert.equal(again.record.state, "closed");
  });

  it("counts rebalance recommendations as a signal without tripping", () => {
    let r = newBreaker("m5.large", settings);
    for (let i = 0; i < 10; i++) r = recordRebalance(r, min(i), min(i), settings).record;
    assert.equal(r.state, "closed");
    assert.equal(r.rebalanceSignals, 10);
    assert.equal(r.interruptions, 0);
  });
});

describe("circuit breaker: open", () => {
  it("keeps forcing open during the cooldown, counting further interruptions", () => {
    const step = interrupt(opened(), "i-4", 10);
    assert.equal(step.record.state, "open");
    assert.equal(step.record.interruptions, 4);
    assert.equal(step.record.openUntil, min(32), "the cooldown is not extended");
    assert.deepEqual(step.transitions, []);
    assert.equal(effectiveState(step.record, min(31), settings), "open");
  });

  it("turns half-open when the cooldown has passed", () => {
    const r = opened();
    const step = advance(r, min(32), settings);
    assert.equal(step.record.state, "half-open");
    assert.deepEqual(step.transitions.map((t) => `${t.from}>${t.to}`), ["open>half-open"]);
    assert.equal(step.transitions[0]!.at, min(32));
  });

  it("grants no probe while open", () => {
    assert.equal(claimProbe(opened(), min(10), settings).granted, false);
  });
});

describe("circuit breaker: half-open probe paths", () => {
  it("grants exactly one probe", () => {
    const first = claimProbe(opened(), min(40), settings);
    assert.equal(first.granted, true);
    assert.equal(first.record.probeGrantedAt, min(40));
    const second = claimProbe(first.record, min(41), settings);
    assert.equal(second.granted, false);
    assert.equal(second.record.state, "half-open");
  });

  it("closes after a quiet window since the probe launched, with the cooldown reset", () => {
    const claimed = claimProbe(opened(), min(40), settings).record;
    const probed = confirmProbe(claimed, min(45), settings);
    assert.equal(probed.confirmed, true);
    assert.equal(effectiveState(probed.record, min(74), settings), "half-open");
    const step = advance(probed.record, min(75), settings);
    assert.equal(step.record.state, "closed");
    assert.equal(step.record.cooldownMinutes, 30);
    assert.equal(interruptionsInWindow(step.record, min(75), settings), 0, "old interruptions do not count toward the next opening");
    assert.match(step.transitions[0]!.reason, /no interruption for 30 min after the probe launched/);
  });

  it("never closes on a probe that was claimed but never confirmed: the claim lapses and the next caller probes", () => {
    const claimed = claimProbe(opened(), min(40), settings).record;
    assert.equal(effectiveState(claimed, min(40 + 300), settings), "half-open");
    assert.equal(claimProbe(claimed, min(59), settings).granted, false, "still claimed within probeClaimMinutes");
    assert.equal(claimProbe(claimed, min(60), settings).granted, true, "lapsed after 20 min: granted again");
  });

  it("re-opens with a doubled cooldown when the probe is interrupted", () => {
    const probed = claimProbe(opened(), min(40), settings).record;
    const step = interrupt(probed, "i-probe", 50);
    assert.equal(step.record.state, "open");
    assert.equal(step.record.cooldownMinutes, 60);
    assert.equal(step.record.openUntil, min(110));
    assert.deepEqual(step.transitions.map((t) => `${t.from}>${t.to}`), ["half-open>open"]);
  });

  it("doubles again on each failed probe and caps the cooldown at 4 hours", () => {
    let r = opened();
    let t = 2;
    const cooldowns: number[] = [];
    for (let i = 0; i < 5; i++) {
      t += r.cooldownMinutes; // wait out the cooldown
      const probe = claimProbe(r, min(t), settings);
      assert.equal(probe.granted, true, `probe ${i + 1} granted`);
      t += 1;
      r = interrupt(probe.record, `i-p${i}`, t).record;
      cooldowns.push(r.cooldownMinutes);
    }
    assert.deepEqual(cooldowns, [60, 120, 240, 240, 240]);
  });

  it("re-opens when an interruption arrives while half-open before any probe", () => {
    const halfOpen = advance(opened(), min(33), settings).record;
    const step = interrupt(halfOpen, "i-9", 33);
    assert.equal(step.record.state, "open");
    assert.equal(step.record.cooldownMinutes, 60);
  });

  it("applies open → half-open → closed in one step when a reader comes back late", () => {
    const probed = confirmProbe(claimProbe(opened(), min(40), settings).record, min(41), settings).record;
    const step = interrupt(probed, "i-late", 200);
    assert.deepEqual(step.transitions.map((t) => `${t.from}>${t.to}`), ["half-open>closed"]);
    assert.equal(step.record.state, "closed");
    assert.equal(interruptionsInWindow(step.record, min(200), settings), 1, "only the late interruption counts");
  });
});

describe("circuit breaker: reset, keys and expiry", () => {
  it("a manual reset closes an open circuit and clears window and cooldown", () => {
    const doubled = interrupt(claimProbe(opened(), min(40), settings).record, "i-x", 41).record;
    const step = resetBreaker(doubled, min(42), settings, "alice");
    assert.equal(step.record.state, "closed");
    assert.equal(step.record.cooldownMinutes, 30);
    assert.equal(interruptionsInWindow(step.record, min(42), settings), 0, "the window is cleared");
    assert.equal(step.record.interruptions, 4, "the lifetime count stays");
    assert.match(step.transitions[0]!.reason, /manual reset by alice/);
    assert.deepEqual(resetBreaker(newBreaker("t3.micro", settings), min(0), settings).transitions, []);
  });

  it("keys per type, or per type and AZ when configured", () => {
    assert.equal(breakerKey("m5.large", "us-east-1a", false), "m5.large");
    assert.equal(breakerKey("m5.large", "us-east-1a", true), "m5.large@us-east-1a");
    assert.deepEqual(parseBreakerKey("m5.large@us-east-1a"), { instanceType: "m5.large", availabilityZone: "us-east-1a" }, "readers of the table get both back");
    assert.deepEqual(parseBreakerKey("m5.large"), { instanceType: "m5.large" });
  });

  it("expires the item only after the open period and quiet window have passed", () => {
    const r = opened();
    const ttl = breakerExpiry(r, min(2), settings) * 1000;
    assert.ok(ttl > r.openUntil! + 30 * MINUTE_MS);
  });
});
