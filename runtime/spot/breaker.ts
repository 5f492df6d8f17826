/**
 * The spot circuit breaker as a pure state machine over plain data (SPEC S5).
 *
 *   closed ──(threshold interruptions within the window)──▶ open
 *   open ──(cooldown elapsed)──▶ half-open
 *   half-open ──(first caller claims the probe)──▶ half-open, probe out
 *   half-open ──(interruption)──▶ open, cooldown doubled (capped)
 *   half-open, probe out ──(quiet window since the probe without interruption)──▶ closed
 *   any ──(manual reset)──▶ closed
 *
 * Time-driven transitions are applied lazily by `advance` whenever a record is read or
 * written, so no timer is needed. An interruption while half-open re-opens the circuit even
 * when it is not the probe's own: the interruption warning does not say which launch was the
 * probe, and any interruption after the cooldown means the type is still being reclaimed.
 *
 * Interruptions are de-duplicated by instance id (the last SEEN_KEPT ids), so a retried event
 * (EventBridge delivers at least once) is not counted twice.
 */
import { MINUTE_MS, type BreakerSettings } from "./settings";

export type CircuitState = "closed" | "open" | "half-open";

export interface BreakerRecord {
  /** Instance type, or `type@az` when breakers are per AZ. */
  key: string;
  /** Stored state; call `advance` to see the state at a given time. */
  state: CircuitState;
  /** Most recent interruptions (oldest first), kept for the window. */
  recent: { at: number; instanceId: string }[];
  /** Instance ids already counted (most recent last), for de-duplication. */
  seenInstanceIds: string[];
  /** Interruptions counted since the record was created or reset. */
  interruptions: number;
  /** Rebalance recommendations seen (a signal only: they do not trip the circuit). */
  rebalanceSignals: number;
  /** Cooldown used by the current or next opening, in minutes. */
  cooldownMinutes: number;
  openedAt?: number;
  openUntil?: number;
  /** When the half-open probe was granted (undefined: no probe out yet). */
  probeGrantedAt?: number;
  lastInterruptionAt?: number;
  lastRebalanceAt?: number;
  /** Optimistic-locking version of the stored item (0 for a record never stored). */
  version: number;
}

export interface Transition {
  key: string;
  from: CircuitState;
  to: CircuitState;
  reason: string;
  at: number;
}

export interface Step {
  record: BreakerRecord;
  transitions: Transition[];
}

/** How many recent interruptions a record keeps for the window (at least the threshold). */
export const RECENT_KEPT = 25;
/** How many counted instance ids a record keeps for de-duplication. */
export const SEEN_KEPT = 200;

export function breakerKey(instanceType: string, availabilityZone: string | undefined, perAz: boolean): string {
  return perAz && availabilityZone ? `${instanceType}@${availabilityZone}` : instanceType;
}

/** The inverse of breakerKey, for readers of the table. */
export function parseBreakerKey(key: string): { instanceType: string; availabilityZone?: string } {
  const at = key.indexOf("@");
  return at < 0 ? { instanceType: key } : { instanceType: key.slice(0, at), availabilityZone: key.slice(at + 1) };
}

export function newBreaker(key: string, settings: BreakerSettings): BreakerRecord {
  return { key, state: "closed", recent: [], seenInstanceIds: [], interruptions: 0, rebalanceSignals: 0, cooldownMinutes: settings.cooldownMinutes, version: 0 };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Applies the transitions that time alone causes (open → half-open → closed). */
export function advance(record: BreakerRecord, now: number, settings: BreakerSettings): Step {
  let r = record;
  const transitions: Transition[] = [];
  if (r.state === "open" && r.openUntil !== undefined && now >= r.openUntil) {
    transitions.push({ key: r.key, from: "open", to: "half-open", reason: `cooldown of ${r.cooldownMinutes} min ended at ${iso(r.openUntil)}`, at: r.openUntil });
    r = { ...r, state: "half-open", probeGrantedAt: undefined };
  }
  if (r.state === "half-open" && r.probeGrantedAt !== undefined && now >= r.probeGrantedAt + settings.quietMinutes * MINUTE_MS) {
    const at = r.probeGrantedAt + settings.quietMinutes * MINUTE_MS;
    transitions.push({ key: r.key, from: "half-open", to: "closed", reason: `no interruption for ${settings.quietMinutes} min after the probe`, at });
    r = { ...r, state: "closed", recent: [], cooldownMinutes: settings.cooldownMinutes, openedAt: undefined, openUntil: undefined, probeGrantedAt: undefined };
  }
  return { record: r, transitions };
}

/** The state a caller would see at `now`. */
export function effectiveState(record: BreakerRecord, now: number, settings: BreakerSettings): CircuitState {
  return advance(record, now, settings).record.state;
}

export interface InterruptionStep extends Step {
  /** False when the instance was already counted (a re-delivered event). */
  counted: boolean;
}

/** Counts one interruption warning and trips or re-opens the circuit when due. */
export function recordInterruption(
  record: BreakerRecord,
  interruption: { instanceId: string; at: number },
  now: number,
  settings: BreakerSettings,
): InterruptionStep {
  const { record: current, transitions } = advance(record, now, settings);
  if (current.seenInstanceIds.includes(interruption.instanceId) || current.recent.some((e) => e.instanceId === interruption.instanceId)) {
    return { record: current, transitions, counted: false };
  }

  const keep = Math.max(RECENT_KEPT, settings.threshold);
  const recent = [...current.recent, { at: interruption.at, instanceId: interruption.instanceId }].sort((a, b) => a.at - b.at).slice(-keep);
  let r: BreakerRecord = {
    ...current,
    recent,
    seenInstanceIds: [...current.seenInstanceIds, interruption.instanceId].slice(-SEEN_KEPT),
    interruptions: current.interruptions + 1,
    lastInterruptionAt: Math.max(current.lastInterruptionAt ?? 0, interruption.at),
  };

  if (r.state === "closed") {
    const since = now - settings.windowMinutes * MINUTE_MS;
    const inWindow = recent.filter((e) => e.at > since).length;
    if (inWindow >= settings.threshold) {
      const cooldown = settings.cooldownMinutes;
      r = { ...r, state: "open", cooldownMinutes: cooldown, openedAt: now, openUntil: now + cooldown * MINUTE_MS, probeGrantedAt: undefined };
      transitions.push({ key: r.key, from: "closed", to: "open", reason: `${inWindow} interruptions within ${settings.windowMinutes} min (threshold ${settings.threshold})`, at: now });
    }
  } else if (r.state === "half-open") {
    const cooldown = Math.min(current.cooldownMinutes * 2, settings.maxCooldownMinutes);
    const what = current.probeGrantedAt !== undefined ? "the probe window" : "half-open (before any probe)";
    r = { ...r, state: "open", cooldownMinutes: cooldown, openedAt: now, openUntil: now + cooldown * MINUTE_MS, probeGrantedAt: undefined };
    transitions.push({ key: r.key, from: "half-open", to: "open", reason: `interruption during ${what}: cooldown doubled to ${cooldown} min`, at: now });
  }
  // open: counted, stays open until its cooldown ends.
  return { record: r, transitions, counted: true };
}

/** Notes a rebalance recommendation. A signal only: it does not count toward the threshold. */
export function recordRebalance(record: BreakerRecord, at: number, now: number, settings: BreakerSettings): Step {
  const { record: current, transitions } = advance(record, now, settings);
  return {
    record: { ...current, rebalanceSignals: current.rebalanceSignals + 1, lastRebalanceAt: Math.max(current.lastRebalanceAt ?? 0, at) },
    transitions,
  };
}

export interface ProbeStep extends Step {
  /** True for exactly one caller per half-open period: that launch may use spot. */
  granted: boolean;
}

/** In half-open, grants the single probe launch to the first caller. */
export function claimProbe(record: BreakerRecord, now: number, settings: BreakerSettings): ProbeStep {
  const { record: current, transitions } = advance(record, now, settings);
  if (current.state !== "half-open" || current.probeGrantedAt !== undefined) return { record: current, transitions, granted: false };
  return { record: { ...current, probeGrantedAt: now }, transitions, granted: true };
}

/** Operator reset: closed, window and cooldown cleared; the lifetime counters stay. */
export function resetBreaker(record: BreakerRecord, now: number, settings: BreakerSettings, by = "operator"): Step {
  const transitions: Transition[] = [];
  const from = effectiveState(record, now, settings);
  if (from !== "closed") transitions.push({ key: record.key, from, to: "closed", reason: `manual reset by ${by}`, at: now });
  return {
    record: { ...record, state: "closed", recent: [], cooldownMinutes: settings.cooldownMinutes, openedAt: undefined, openUntil: undefined, probeGrantedAt: undefined },
    transitions,
  };
}

/**
 * When DynamoDB may delete the item (epoch seconds): long after anything in it still matters.
 * A deleted item reads as a fresh closed breaker.
 */
export function breakerExpiry(record: BreakerRecord, now: number, settings: BreakerSettings): number {
  const horizon = Math.max(
    now + settings.windowMinutes * MINUTE_MS,
    (record.openUntil ?? 0) + settings.quietMinutes * MINUTE_MS,
    (record.probeGrantedAt ?? 0) + settings.quietMinutes * MINUTE_MS,
  );
  // A week of history for the report and for operators, past the last moment that matters.
  return Math.ceil((horizon + 7 * 24 * 60 * MINUTE_MS) / 1000);
}
