/**
 * The failsafe's decisions, pure functions over plain data: which groups breach (a limit in $/h
 * or a spike over a window), the graduated response (notify, stop the breaching environments,
 * or the emergency: stop every environment that allows it), and what each group's state becomes
 * after a run. Which resources a stop takes is decideStop.ts's.
 */
import { UNTAGGED } from "../contract";
import { planStop, refusedInstances, stopOrder, stoppableGroups, type SkippedResource, type StopPlan, type StoppableInventory } from "./decideStop";
import type { ActionResult, EnvironmentState, Sample } from "./model";
import type { FailsafeSettings } from "./settings";

export const GLOBAL = "global";
/** Float noise allowance: +3.0000000001 % over a 3 % threshold is not a spike. */
const EPSILON = 1e-9;

export interface Breach {
  group: string;
  reasons: ("limit" | "spike")[];
  usdPerHour: number;
  maxHourlyUsd: number;
  spikePercent?: number;
  spikeThreshold?: number;
}

export type Mode = "none" | "notify" | "environments" | "emergency";

export interface Decision extends StopPlan {
  breaches: Breach[];
  mode: Mode;
  /** Groups acted on (or would be, in dry-run), in the order they were taken. */
  targets: string[];
  /** Breached groups whose response is notify only. */
  notifyOnly: string[];
}

/**
 * Rise of the burn rate over the window, in % of the window's lowest sample. Undefined when
 * there is no baseline: fewer than two samples since `notBefore`, or a lowest sample of 0.
 */
export function spikePercent(samples: readonly Sample[], now: number, windowMinutes: number, notBefore = 0): number | undefined {
  const from = Math.max(now - windowMinutes * 60_000, notBefore);
  const inWindow = samples.filter((s) => s.time >= from && s.time <= now).sort((a, b) => a.time - b.time);
  if (inWindow.length < 2) return undefined;
  const lowest = Math.min(...inWindow.map((s) => s.usdPerHour));
  if (lowest <= 0) return undefined;
  const latest = inWindow[inWindow.length - 1]!.usdPerHour;
  return ((latest - lowest) / lowest) * 100;
}

export interface DecisionInput {
  now: number;
  settings: FailsafeSettings;
  /** Current $/h per group (environments and `untagged`); the global figure is their sum. */
  burn: Record<string, number>;
  /** Stored samples per group, `global` included (the current one may or may not be among them). */
  samples: Record<string, Sample[]>;
  inventory: StoppableInventory;
  states: Record<string, EnvironmentState | undefined>;
}

/**
 * The global series minus the given environments' samples taken at the same time (every run
 * writes all groups' samples with one timestamp). Times where one of them is missing are dropped.
 */
function globalSeriesExcluding(global: Sample[], excluded: string[], samples: Record<string, Sample[]>, now: number, currentRemaining: number): Sample[] {
  if (excluded.length === 0) return global;
  const byTime = excluded.map((env) => new Map((samples[env] ?? []).map((s) => [s.time, s.usdPerHour])));
  const out: Sample[] = [];
  for (const s of global) {
    if (s.time === now) {
      out.push({ time: now, usdPerHour: currentRemaining });
      continue;
    }
    const parts = byTime.map((m) => m.get(s.time));
    if (parts.some((p) => p === undefined)) continue;
    out.push({ time: s.time, usdPerHour: s.usdPerHour - parts.reduce((a: number, b) => a + b!, 0) });
  }
  return out;
}

/**
 * After a restore an environment takes minutes to come back (instances pending, DB instances
 * starting, tasks provisioning): the burn rate climbs from near zero to its usual level. That
 * climb is not a spike, and its samples are no baseline for one: a restore starts a settling
 * period of one window, samples taken in it never count, and the spike is measured again once
 * two samples after it exist. The $/h limit applies throughout.
 */
export function settledAfterRestore(restoredAt: number | undefined, windowMinutes: number): number {
  return restoredAt ? restoredAt + windowMinutes * 60_000 : 0;
}

export function findBreaches(input: Omit<DecisionInput, "inventory">): Breach[] {
  const { now, settings, burn, samples, states } = input;
  const breaches: Breach[] = [];
  const withCurrent = (group: string, usd: number) => {
    const stored = samples[group] ?? [];
    return stored.some((s) => s.time === now) ? stored : [...stored, { time: now, usdPerHour: usd }];
  };
  const check = (group: string, usd: number, max: number, spike?: { threshold: number; windowMinutes: number; notBefore?: number }) => {
    const reasons: Breach["reasons"] = [];
    if (usd > max) reasons.push("limit");
    let rise: number | undefined;
    if (spike) {
      rise = spikePercent(withCurrent(group, usd), now, spike.windowMinutes, spike.notBefore);
      if (rise !== undefined && rise - spike.threshold > EPSILON) reasons.push("spike");
    }
    if (reasons.length) breaches.push({ group, reasons, usdPerHour: usd, maxHourlyUsd: max, spikePercent: rise, spikeThreshold: spike?.threshold });
  };
  for (const [env, t] of Object.entries(settings.environments)) {
    const usd = burn[env] ?? 0;
    check(env, usd, t.maxHourlyUsd, { threshold: t.spikePercent, windowMinutes: t.windowMinutes, notBefore: settledAfterRestore(states[env]?.restoredAt, t.windowMinutes) });
  }
  check(UNTAGGED, burn[UNTAGGED] ?? 0, settings.untagged.maxHourlyUsd);

  // Global: the limit is on the whole account. The spike excludes the rise of environments
  // that breached on their own (their own response handles it), so one environment's spike
  // does not escalate to an emergency by itself; a rise spread over several does.
  const total = Object.values(burn).reduce((a, b) => a + b, 0);
  const handled = breaches.filter((b) => b.group !== UNTAGGED).map((b) => b.group);
  const lastRestore = Math.max(0, ...Object.values(states).map((s) => s?.restoredAt ?? 0));
  const g = settings.global;
  const remaining = total - handled.reduce((sum, env) => sum + (burn[env] ?? 0), 0);
  const reasons: Breach["reasons"] = total > g.maxHourlyUsd ? ["limit"] : [];
  // Any environment's ramp-up is part of the global series too.
  const rise = spikePercent(globalSeriesExcluding(withCurrent(GLOBAL, total), handled, samples, now, remaining), now, g.windowMinutes, settledAfterRestore(lastRestore || undefined, g.windowMinutes));
  if (rise !== undefined && rise - g.spikePercent > EPSILON) reasons.push("spike");
  if (reasons.length) breaches.push({ group: GLOBAL, reasons, usdPerHour: total, maxHourlyUsd: g.maxHourlyUsd, spikePercent: rise, spikeThreshold: g.spikePercent });
  return breaches;
}

/** The scheduled check's decision. */
export function decide(input: DecisionInput): Decision {
  const { settings, states } = input;
  const breaches = findBreaches(input);
  const allowed = new Set(stoppableGroups(settings));
  const breached = new Set(breaches.map((b) => b.group));
  const emergency = breached.has(GLOBAL) || breached.has(UNTAGGED);

  const notifyOnly = [...breached].filter((g) => g !== GLOBAL && g !== UNTAGGED && !allowed.has(g));
  let wanted: string[];
  if (emergency) wanted = [...allowed];
  else wanted = [...breached].filter((g) => allowed.has(g));
  // Groups the failsafe stopped earlier stay stopped until an operator restores them.
  for (const [group, s] of Object.entries(states)) if (s?.state === "stopped" && allowed.has(group) && !wanted.includes(group)) wanted.push(group);
  if (emergency) for (const env of Object.keys(settings.environments)) if (!allowed.has(env) && !notifyOnly.includes(env)) notifyOnly.push(env);

  const targets = stopOrder(wanted, settings);
  const plan = planStop(targets, input.inventory, settings, { refused: refusedInstances(states) });
  const mode: Mode = emergency ? "emergency" : targets.length ? "environments" : breaches.length ? "notify" : "none";
  return { breaches, mode, targets, notifyOnly: notifyOnly.sort(), ...plan };
}

export const usd = (n: number) => `$${n.toFixed(2)}/h`;

export function describeBreach(b: Breach): string {
  const parts: string[] = [];
  if (b.reasons.includes("limit")) parts.push(`${usd(b.usdPerHour)} over the ${usd(b.maxHourlyUsd)} limit`);
  if (b.reasons.includes("spike")) parts.push(`rose ${b.spikePercent!.toFixed(1)} % (threshold ${b.spikeThreshold} %)`);
  return `${b.group}: ${parts.join(", ")}`;
}

export interface NextStateInput {
  now: number;
  /** Every group whose state the failsafe keeps, `global` included. */
  groups: string[];
  /** Each group's state before this run. */
  before: Record<string, EnvironmentState | undefined>;
  decision: Pick<Decision, "breaches" | "skipped">;
  /** What became of this run's stop actions. */
  results: readonly ActionResult[];
  /** Ids of the instances running now. */
  running: ReadonlySet<string>;
}

export interface NextStates {
  /** Each group's state after this run. */
  states: Record<string, EnvironmentState>;
  /** The groups whose state changed: only these are written. */
  changed: string[];
  /** A group breaches that did not at the last check: worth an alert. */
  newBreach: boolean;
  /** When each group's current stop began (undefined when not stopped): what makes one incident's alerts differ from the next one's. */
  stoppedSince: Record<string, number | undefined>;
  /** One alert line per group with instances newly found not stoppable. */
  notStoppableLines: string[];
}

/**
 * What each group's state becomes after a scheduled check: a group with an applied stop is
 * stopped (and stays so until an operator restores it); its breach reasons are remembered, to
 * announce a breach once rather than every run; instances EC2 will not stop are remembered
 * (never asked again) and announced once per incident.
 */
export function nextStates(input: NextStateInput): NextStates {
  const { now, decision, results } = input;
  const breachOf = new Map(decision.breaches.map((b) => [b.group, b]));
  const out: NextStates = { states: {}, changed: [], newBreach: false, stoppedSince: {}, notStoppableLines: [] };
  for (const g of input.groups) {
    const before = input.before[g];
    const breach = breachOf.get(g);
    const reasons = breach?.reasons ?? [];
    const applied = results.some((r) => r.action.environment === g && r.outcome === "applied");
    if (reasons.length && !(before?.breaching ?? []).length) out.newBreach = true;
    const next: EnvironmentState = { ...(before ?? { environment: g, state: "active" }), breaching: reasons };
    if (applied && before?.state !== "stopped") Object.assign(next, { state: "stopped", stoppedAt: now, reason: breach ? describeBreach(breach) : "emergency" });
    if (g !== GLOBAL) {
      const tracked = trackNotStoppable(before, g, results, decision.skipped, input.running);
      Object.assign(next, { refused: tracked.refused, reported: tracked.reported });
      if (tracked.newly.length) out.notStoppableLines.push(describeNotStoppable(g, tracked.newly));
    }
    out.states[g] = next;
    out.stoppedSince[g] = next.state === "stopped" ? next.stoppedAt : undefined;
    if (canonical(withoutEmpty(next)) !== canonical(withoutEmpty(before ?? {}))) out.changed.push(g);
  }
  return out;
}

/** Empty refusal bookkeeping is the same as none: no write just to add `refused: {}`. */
function withoutEmpty(state: Partial<EnvironmentState>): Partial<EnvironmentState> {
  const { refused, reported, ...rest } = state;
  return { ...rest, ...(refused && Object.keys(refused).length ? { refused } : {}), ...(reported?.length ? { reported } : {}) };
}

// Instances EC2 will not stop (one-time spot instances, instance-store roots, any other
// UnsupportedOperation): what a group's state remembers about them between runs, so that a
// refusal is asked once, never takes a place under the per-run cap again, and is announced
// once per incident rather than every two minutes.

export interface NotStoppableUpdate {
  /** The group's refusals, pruned to instances still running, with this run's added. */
  refused: Record<string, string>;
  /** Every instance of the group that cannot be stopped now: the announced set. */
  reported: string[];
  /** Those not announced before in this incident. */
  newly: { id: string; reason: string }[];
}

export function trackNotStoppable(
  before: EnvironmentState | undefined,
  group: string,
  results: readonly ActionResult[],
  skipped: readonly SkippedResource[],
  running: ReadonlySet<string>,
): NotStoppableUpdate {
  const refused = new Map(Object.entries(before?.refused ?? {}).filter(([id]) => running.has(id)));
  const current = new Map<string, string>();
  for (const s of skipped) if (s.notStoppable && s.environment === group) current.set(s.id, s.reason);
  for (const r of results) {
    if (r.outcome !== "refused" || r.action.environment !== group) continue;
    const answer = r.error ?? "UnsupportedOperation";
    refused.set(r.action.id, answer);
    current.set(r.action.id, `EC2 refused to stop it (${answer})`);
  }
  const announced = new Set(before?.reported ?? []);
  return {
    refused: Object.fromEntries([...refused].sort(([a], [b]) => a.localeCompare(b))),
    // A group no longer being stopped has none: its next incident is announced afresh.
    reported: [...current.keys()].sort(),
    newly: [...current].filter(([id]) => !announced.has(id)).map(([id, reason]) => ({ id, reason })),
  };
}

/** One alert line for a group's newly found instances that cannot be stopped. */
export function describeNotStoppable(group: string, newly: NotStoppableUpdate["newly"]): string {
  const reasons = [...new Set(newly.map((n) => n.reason))];
  const ids = newly.map((n) => n.id);
  const listed = ids.length > 10 ? `${ids.slice(0, 10).join(", ")} and ${ids.length - 10} more` : ids.join(", ");
  return `${group}: ${newly.length} instance${newly.length === 1 ? "" : "s"} cannot be stopped (${reasons.slice(0, 2).join("; ")}${reasons.length > 2 ? "; …" : ""}): ${listed}`;
}

/** JSON with sorted keys: a state read back from DynamoDB compares equal to the same state built here. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
