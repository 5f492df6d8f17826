/**
 * The spot circuit breaker as a pure state machine over plain data: one circuit per instance
 * type (or type and AZ), opened by interruptions, probed by one launch after a cooldown.
 *
 *   closed ──(threshold interruptions within the window)──▶ open
 *   open ──(cooldown elapsed)──▶ half-open
 *   half-open ──(first caller claims the probe)──▶ half-open, probe claimed
 *   half-open, probe claimed ──(the probe launched and serves: confirmed)──▶ half-open, probe running
 *   half-open, probe claimed ──(launch failed or undone: released, or unconfirmed for probeClaimMinutes)──▶ half-open
 *   half-open ──(an interruption that happened after the cooldown)──▶ open, cooldown doubled (capped)
 *   half-open, probe running ──(quiet window since the probe launched)──▶ closed
 *   any ──(manual reset)──▶ closed
 *
 * Time-driven transitions are applied lazily by `advance` whenever a record is read or
 * written, so no timer is needed. The circuit closes only on a probe that ran: a claim that
 * nobody confirms lapses and the next launcher probes instead. An interruption after the
 * cooldown re-opens the circuit even when it is not the probe's own: the warning does not say
 * which launch was the probe, and any interruption then means the type is still reclaimed.
 *
 * The interruption log (`recent`, with `seenInstanceIds` for de-duplication: EventBridge
 * delivers at least once) is only ever appended to; a reset or a close moves `windowStart`
 * instead of clearing it, so the store can append atomically while the state changes apart.
 */
import { MINUTE_MS, type BreakerSettings } from "./settings";

export type CircuitState = "closed" | "open" | "half-open";

export interface BreakerRecord {
  /** Instance type, or `type@az` when breakers are per AZ. */
  key: string;
  /** Stored state; call `advance` to see the state at a given time. */
  state: CircuitState;
  /** Interruptions in the order they were recorded (the last SEEN_KEPT). */
  recent: { at: number; instanceId: string }[];
  /** Instance ids already counted, for de-duplication. */
  seenInstanceIds: string[];
  /** Interruptions counted since the record was created. */
  interruptions: number;
  /** Rebalance recommendations seen (a signal only: they do not trip the circuit). */
  rebalanceSignals: number;
  /** Cooldown used by the current or next opening, in minutes. */
  cooldownMinutes: number;
  /** Interruptions at or before this time no longer count toward the window (set on close and reset). */
  windowStart?: number;
  openedAt?: number;
  openUntil?: number;
  /** When the half-open probe was claimed (undefined: no probe claimed). */
  probeGrantedAt?: number;
  /** When the claimed probe was confirmed launched and serving: the quiet window runs from here. */
  probeLaunchedAt?: number;
  lastInterruptionAt?: number;
  lastRebalanceAt?: number;
  /** Version of the stored state: changes with every state write, not with counted interruptions. */
  version: number;
}

/** The fields a state write changes; the interruption log and counters change apart (atomically). */
export const STATE_FIELDS = ["state", "cooldownMinutes", "windowStart", "openedAt", "openUntil", "probeGrantedAt", "probeLaunchedAt"] as const;

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

/** How many interruptions a record keeps (log and de-duplication); the window needs only the threshold. */
export const SEEN_KEPT = 200;

export function newBreaker(key: string, settings: BreakerSettings): BreakerRecord {
  return { key, state: "closed", recent: [], seenInstanceIds: [], interruptions: 0, rebalanceSignals: 0, cooldownMinutes: settings.cooldownMinutes, version: 0 };
}

export function stateChanged(a: BreakerRecord, b: BreakerRecord): boolean {
  return STATE_FIELDS.some((f) => a[f] !== b[f]);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Applies what time alone causes: open → half-open → closed, and the lapse of an unconfirmed probe claim. */
export function advance(record: BreakerRecord, now: number, settings: BreakerSettings): Step {
  let r = record;
  const transitions: Transition[] = [];
  if (r.state === "open" && r.openUntil !== undefined && now >= r.openUntil) {
    transitions.push({ key: r.key, from: "open", to: "half-open", reason: `cooldown of ${r.cooldownMinutes} min ended at ${iso(r.openUntil)}`, at: r.openUntil });
    r = { ...r, state: "half-open", probeGrantedAt: undefined, probeLaunchedAt: undefined };
  }
  if (r.state === "half-open" && r.probeGrantedAt !== undefined && r.probeLaunchedAt === undefined && now >= r.probeGrantedAt + settings.probeClaimMinutes * MINUTE_MS) {
    // Claimed but never confirmed: the launch did not happen or nobody said so. The next launcher probes.
    r = { ...r, probeGrantedAt: undefined };
  }
  if (r.state === "half-open" && r.probeLaunchedAt !== undefined && now >= r.probeLaunchedAt + settings.quietMinutes * MINUTE_MS) {
    const at = r.probeLaunchedAt + settings.quietMinutes * MINUTE_MS;
    transitions.push({ key: r.key, from: "half-open", to: "closed", reason: `no interruption for ${settings.quietMinutes} min after the probe launched`, at });
    r = { ...r, state: "closed", windowStart: at, cooldownMinutes: settings.cooldownMinutes, openedAt: undefined, openUntil: undefined, probeGrantedAt: undefined, probeLaunchedAt: undefined };
  }
  return { record: r, transitions };
}

/** The state a caller would see at `now`. */
export function effectiveState(record: BreakerRecord, now: number, settings: BreakerSettings): CircuitState {
  return advance(record, now, settings).record.state;
}

/** Interruptions that count toward opening a closed circuit at `now` (optionally leaving one instance out). */
export function interruptionsInWindow(record: BreakerRecord, now: number, settings: BreakerSettings, without?: string): number {
  const since = Math.max(now - settings.windowMinutes * MINUTE_MS, record.windowStart ?? Number.NEGATIVE_INFINITY);
  return record.recent.filter((e) => e.at > since && e.instanceId !== without).length;
}

/**
 * The trip an interruption log calls for, once the interruptions are in it (order-free, so it
 * can be re-evaluated by a retry): a closed circuit opens at the threshold; a half-open one
 * re-opens, cooldown doubled, when an interruption happened after its cooldown ended.
 *
 * `onlyIfCrossedBy`: open only when this instance's interruption is the one that reached the
 * threshold, so that of 100 simultaneous writers one writes the transition, not 98.
 */
export function trip(record: BreakerRecord, now: number, settings: BreakerSettings, onlyIfCrossedBy?: string): Step {
  const r = record;
  if (r.state === "closed") {
    const inWindow = interruptionsInWindow(r, now, settings);
    if (inWindow < settings.threshold) return { record: r, transitions: [] };
    if (onlyIfCrossedBy !== undefined && interruptionsInWindow(r, now, settings, onlyIfCrossedBy) >= settings.threshold) return { record: r, transitions: [] };
    const cooldown = settings.cooldownMinutes;
    return {
      record: { ...r, state: "open", cooldownMinutes: cooldown, openedAt: now, openUntil: now + cooldown * MINUTE_MS, probeGrantedAt: undefined, probeLaunchedAt: undefined },
      transitions: [{ key: r.key, from: "closed", to: "open", reason: `${inWindow} interruptions within ${settings.windowMinutes} min (threshold ${settings.threshold})`, at: now }],
    };
  }
  if (r.state === "half-open" && r.recent.some((e) => e.at >= (r.openUntil ?? Number.POSITIVE_INFINITY))) {
    const cooldown = Math.min(r.cooldownMinutes * 2, settings.maxCooldownMinutes);
    const what = r.probeLaunchedAt !== undefined ? "the probe window" : r.probeGrantedAt !== undefined ? "half-open (probe claimed)" : "half-open (before any probe)";
    return {
      record: { ...r, state: "open", cooldownMinutes: cooldown, openedAt: now, openUntil: now + cooldown * MINUTE_MS, probeGrantedAt: undefined, probeLaunchedAt: undefined },
      transitions: [{ key: r.key, from: "half-open", to: "open", reason: `interruption during ${what}: cooldown doubled to ${cooldown} min`, at: now }],
    };
  }
  // open: counted, stays open until its cooldown ends.
  return { record: r, transitions: [] };
}

export interface InterruptionStep extends Step {
  /** False when the instance was already counted (a re-delivered event). */
  counted: boolean;
}

/** Appends one interruption to the log (what the store does atomically); unchanged when already counted. */
export function appendInterruption(record: BreakerRecord, interruption: { instanceId: string; at: number }): { record: BreakerRecord; counted: boolean } {
  if (record.seenInstanceIds.includes(interruption.instanceId) || record.recent.some((e) => e.instanceId === interruption.instanceId)) return { record, counted: false };
  return {
    counted: true,
    record: {
      ...record,
      recent: [...record.recent, { at: interruption.at, instanceId: interruption.instanceId }].slice(-SEEN_KEPT),
      seenInstanceIds: [...record.seenInstanceIds, interruption.instanceId].slice(-SEEN_KEPT),
      interruptions: record.interruptions + 1,
      lastInterruptionAt: Math.max(record.lastInterruptionAt ?? 0, interruption.at),
    },
  };
}

/** Counts one interruption warning and trips or re-opens the circuit when due. */
export function recordInterruption(record: BreakerRecord, interruption: { instanceId: string; at: number }, now: number, settings: BreakerSettings): InterruptionStep {
  const advanced = advance(record, now, settings);
  const appended = appendInterruption(advanced.record, interruption);
  if (!appended.counted) return { ...advanced, counted: false };
  const tripped = trip(appended.record, now, settings);
  return { record: tripped.record, transitions: [...advanced.transitions, ...tripped.transitions], counted: true };
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
  /** True for exactly one caller per half-open period (until its claim is released or lapses). */
  granted: boolean;
}

/** In half-open, grants the single probe launch to the first caller. */
export function claimProbe(record: BreakerRecord, now: number, settings: BreakerSettings): ProbeStep {
  const { record: current, transitions } = advance(record, now, settings);
  if (current.state !== "half-open" || current.probeGrantedAt !== undefined) return { record: current, transitions, granted: false };
  return { record: { ...current, probeGrantedAt: now }, transitions, granted: true };
}

/** The claimed probe launched and serves: the quiet window starts now. */
export function confirmProbe(record: BreakerRecord, now: number, settings: BreakerSettings): Step & { confirmed: boolean } {
  const { record: current, transitions } = advance(record, now, settings);
  if (current.state !== "half-open" || current.probeGrantedAt === undefined || current.probeLaunchedAt !== undefined) return { record: current, transitions, confirmed: false };
  return { record: { ...current, probeLaunchedAt: now }, transitions, confirmed: true };
}

/** The claimed probe did not launch (or was undone): the next launcher may probe. */
export function releaseProbe(record: BreakerRecord, now: number, settings: BreakerSettings): Step {
  const { record: current, transitions } = advance(record, now, settings);
  if (current.state !== "half-open" || current.probeGrantedAt === undefined || current.probeLaunchedAt !== undefined) return { record: current, transitions };
  return { record: { ...current, probeGrantedAt: undefined }, transitions };
}

/** Operator reset: closed, window and cooldown cleared; the lifetime counters stay. */
export function resetBreaker(record: BreakerRecord, now: number, settings: BreakerSettings, by = "operator"): Step {
  const transitions: Transition[] = [];
  const from = effectiveState(record, now, settings);
  if (from !== "closed") transitions.push({ key: record.key, from, to: "closed", reason: `manual reset by ${by}`, at: now });
  return {
    record: { ...record, state: "closed", windowStart: now, cooldownMinutes: settings.cooldownMinutes, openedAt: undefined, openUntil: undefined, probeGrantedAt: undefined, probeLaunchedAt: undefined },
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
    (record.openUntil ?? 0) + (settings.probeClaimMinutes + settings.quietMinutes) * MINUTE_MS,
    (record.probeGrantedAt ?? 0) + (settings.probeClaimMinutes + settings.quietMinutes) * MINUTE_MS,
    (record.probeLaunchedAt ?? 0) + settings.quietMinutes * MINUTE_MS,
  );
  // A week of history for the report and for operators, past the last moment that matters.
  return Math.ceil((horizon + 7 * 24 * 60 * MINUTE_MS) / 1000);
}

/** An expiry no state write can outlive: what an interruption's append sets, without reading the state. */
export function appendExpiry(now: number, settings: BreakerSettings): number {
  return Math.ceil((now + (settings.windowMinutes + settings.maxCooldownMinutes + settings.probeClaimMinutes + settings.quietMinutes + 7 * 24 * 60) * MINUTE_MS) / 1000);
}
