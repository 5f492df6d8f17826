/**
 * The failsafe's decision (SPEC S2), a pure function over plain data: which groups breach,
 * the graduated response, and the list of stop actions under the safety rails (dry-run per
 * environment, `costguard:protect=true`, the per-run cap, notify-only environments).
 */
import { isProtected, TAGS, UNTAGGED } from "../contract";
import { groupOf } from "./burnRate";
import { isRunning, type EnvironmentState, type InstanceRecord, type Inventory, type Sample, type StopAction } from "./model";
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

export interface SkippedResource {
  environment: string;
  kind: StopAction["kind"];
  id: string;
  reason: string;
  /** EC2 cannot stop it (as opposed to: costguard may not): announced once per incident. */
  notStoppable?: boolean;
}

export interface Decision {
  breaches: Breach[];
  mode: Mode;
  /** Groups acted on (or would be, in dry-run), in the order they were taken. */
  targets: string[];
  /** Breached groups whose response is notify only. */
  notifyOnly: string[];
  actions: StopAction[];
  /** Actions beyond the per-run cap: the next run takes them. */
  deferred: StopAction[];
  skipped: SkippedResource[];
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
  /** Stoppable inventory: instances, Auto Scaling groups, services, DB instances. */
  inventory: Pick<Inventory, "instances" | "autoScalingGroups" | "services" | "dbInstances">;
  states: Record<string, EnvironmentState | undefined>;
}

/** Groups the failsafe may stop: environments whose response is stop, and untagged when allowed. */
export function stoppableGroups(settings: FailsafeSettings): string[] {
  const envs = Object.entries(settings.environments).filter(([, e]) => e.response === "stop").map(([n]) => n);
  return settings.stopUntagged ? [...envs, UNTAGGED] : envs;
}

/** Order in which groups are stopped: untagged stand-alone instances first, then by priority (dev before staging). */
export function stopOrder(groups: string[], settings: FailsafeSettings): string[] {
  const rank = (g: string) => (g === UNTAGGED ? 0 : (settings.environments[g]?.priority ?? Number.MAX_SAFE_INTEGER));
  return [...groups].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
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

/**
 * Stop actions for the given groups, in order, under the safety rails. Used by the scheduled
 * decision and by the operator's stop-env / emergency-stop commands.
 */
/** Why EC2 cannot stop an instance, as far as the inventory tells; undefined when it can. */
export function whyNotStoppable(i: Pick<InstanceRecord, "lifecycle" | "spotRequestType" | "rootDeviceType">): string | undefined {
  if (i.lifecycle === "spot" && i.spotRequestType === "one-time") return "one-time spot instance: EC2 cannot stop it, only terminate it";
  if (i.rootDeviceType === "instance-store") return "instance-store root device: EC2 cannot stop it, only terminate it";
  return undefined;
}

export interface PlanOptions {
  forceDryRun?: boolean;
  /** Instances EC2 refused to stop in an earlier run → its answer: not asked again. */
  refused?: ReadonlyMap<string, string>;
}

/**
 * Instances EC2 cannot stop (one-time spot, instance-store root, or an earlier refusal) are
 * planned explicitly: a spot one is terminated where the environment's `unstoppableSpot` is
 * `terminate`; otherwise it is skipped as not stoppable (it takes no place under the cap).
 */
export function planStop(
  groups: string[],
  inventory: DecisionInput["inventory"],
  settings: FailsafeSettings,
  opts: PlanOptions = {},
): Pick<Decision, "actions" | "deferred" | "skipped"> {
  const all: StopAction[] = [];
  const skipped: SkippedResource[] = [];
  for (const group of stopOrder(groups, settings)) {
    const dryRun = opts.forceDryRun === true || (settings.environments[group]?.dryRun ?? false);
    const environment = group;
    const take = (tags: Record<string, string>, action: StopAction) => {
      if (isProtected(tags)) skipped.push({ environment, kind: action.kind, id: action.id, reason: `${TAGS.protect}=true` });
      else all.push(action);
    };
    if (group !== UNTAGGED) {
      for (const a of inventory.autoScalingGroups) {
        if (groupOf(a.tags) !== group || (a.minSize === 0 && a.desiredCapacity === 0)) continue;
        take(a.tags, { kind: "scale-asg", environment, id: a.name, previous: { minSize: a.minSize, desiredCapacity: a.desiredCapacity }, dryRun });
      }
      for (const s of inventory.services) {
        if (groupOf(s.tags) !== group || s.desiredCount === 0) continue;
        take(s.tags, { kind: "scale-service", environment, id: `${s.cluster}/${s.name}`, cluster: s.cluster, service: s.name, previous: { desiredCount: s.desiredCount }, dryRun });
      }
    }
    // Instances of an Auto Scaling group are stopped through their group (the group would replace them).
    for (const i of inventory.instances) {
      if (groupOf(i.tags) !== group || i.autoScalingGroup || !isRunning(i)) continue;
      const refusal = opts.refused?.get(i.id);
      const why = refusal !== undefined ? `EC2 refused to stop it (${refusal})` : whyNotStoppable(i);
      if (why === undefined || isProtected(i.tags)) {
        take(i.tags, { kind: "stop-instance", environment, id: i.id, dryRun });
      } else if (i.lifecycle === "spot" && settings.environments[group]?.unstoppableSpot === "terminate") {
        all.push({ kind: "terminate-instance", environment, id: i.id, reason: why, dryRun });
      } else {
        const hint = i.lifecycle === "spot" && settings.environments[group] ? `; set costguard:environments.${group}.unstoppableSpot to "terminate" to let the failsafe terminate such instances` : "";
        skipped.push({ environment, kind: "stop-instance", id: i.id, reason: `${why}${hint}`, notStoppable: true });
      }
    }
    if (group !== UNTAGGED) {
      for (const db of inventory.dbInstances) {
        if (groupOf(db.tags) !== group || db.status !== "available") continue;
        if (db.clusterId) {
          skipped.push({ environment, kind: "stop-db", id: db.id, reason: `member of cluster ${db.clusterId} (stop the cluster instead)` });
          continue;
        }
        take(db.tags, { kind: "stop-db", environment, id: db.id, dryRun });
      }
    }
  }
  return { actions: all.slice(0, settings.maxActionsPerRun), deferred: all.slice(settings.maxActionsPerRun), skipped };
}

/** Every instance EC2 refused to stop, from the groups' states. */
export function refusedInstances(states: Record<string, EnvironmentState | undefined>): Map<string, string> {
  return new Map(Object.values(states).flatMap((s) => Object.entries(s?.refused ?? {})));
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
