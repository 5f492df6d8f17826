/**
 * Which resources a stop takes, a pure function over plain data: the groups the failsafe may
 * stop, in which order, and the stop actions for them under the safety rails (dry-run per
 * environment, `costguard:protect=true`, the per-run cap, what EC2 cannot stop). Used by the
 * scheduled decision (decide.ts) and by the operator's stop-env and emergency-stop commands.
 */
import { isProtected, TAGS, UNTAGGED } from "../contract";
import { groupOf } from "./burnRate";
import { isRunning, type EnvironmentState, type InstanceRecord, type Inventory, type StopAction, type UnitRef } from "./model";
import type { FailsafeSettings } from "./settings";

export interface SkippedResource {
  environment: string;
  kind: StopAction["kind"];
  id: string;
  reason: string;
  /** EC2 cannot stop it (as opposed to: costguard may not): announced once per incident. */
  notStoppable?: boolean;
}

/** The stop actions a plan takes now, those over the per-run cap, and what it leaves alone. */
export interface StopPlan {
  actions: StopAction[];
  /** Actions beyond the per-run cap: the next run takes them. */
  deferred: StopAction[];
  skipped: SkippedResource[];
}

/** Stoppable inventory: instances, Auto Scaling groups, services, DB instances. */
export type StoppableInventory = Pick<Inventory, "instances" | "autoScalingGroups" | "services" | "dbInstances">;

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
 * Stop actions for the given groups, in order, under the safety rails. Instances EC2 cannot
 * stop (one-time spot, instance-store root, or an earlier refusal) are planned explicitly: a
 * spot one is terminated where the environment's `unstoppableSpot` is `terminate`; otherwise it
 * is skipped as not stoppable (it takes no place under the cap).
 */
export function planStop(groups: string[], inventory: StoppableInventory, settings: FailsafeSettings, opts: PlanOptions = {}): StopPlan {
  const all: StopAction[] = [];
  const skipped: SkippedResource[] = [];
  for (const group of stopOrder(groups, settings)) {
    const dryRun = opts.forceDryRun === true || (settings.environments[group]?.dryRun ?? false);
    const environment = group;
    const take = (tags: Record<string, string>, action: StopAction) => {
      if (isProtected(tags)) skipped.push({ environment, kind: action.kind, id: action.id, reason: `${TAGS.protect}=true` });
      else all.push(action);
    };
    // The action goes to the unit (account, region) that owns the resource.
    const at = <A extends StopAction>(r: { unit?: UnitRef }, action: A): A => (r.unit ? { ...action, unit: r.unit } : action);
    if (group !== UNTAGGED) {
      for (const a of inventory.autoScalingGroups) {
        if (groupOf(a.tags) !== group || (a.minSize === 0 && a.desiredCapacity === 0)) continue;
        take(a.tags, at(a, { kind: "scale-asg", environment, id: a.name, previous: { minSize: a.minSize, desiredCapacity: a.desiredCapacity }, dryRun }));
      }
      for (const s of inventory.services) {
        if (groupOf(s.tags) !== group || s.desiredCount === 0) continue;
        take(s.tags, at(s, { kind: "scale-service", environment, id: `${s.cluster}/${s.name}`, cluster: s.cluster, service: s.name, previous: { desiredCount: s.desiredCount }, dryRun }));
      }
    }
    // Instances of an Auto Scaling group are stopped through their group (the group would replace them).
    for (const i of inventory.instances) {
      if (groupOf(i.tags) !== group || i.autoScalingGroup || !isRunning(i)) continue;
      const refusal = opts.refused?.get(i.id);
      const why = refusal !== undefined ? `EC2 refused to stop it (${refusal})` : whyNotStoppable(i);
      if (why === undefined || isProtected(i.tags)) {
        take(i.tags, at(i, { kind: "stop-instance", environment, id: i.id, dryRun }));
      } else if (i.lifecycle === "spot" && settings.environments[group]?.unstoppableSpot === "terminate") {
        all.push(at(i, { kind: "terminate-instance", environment, id: i.id, reason: why, dryRun }));
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
        take(db.tags, at(db, { kind: "stop-db", environment, id: db.id, dryRun }));
      }
    }
  }
  return { actions: all.slice(0, settings.maxActionsPerRun), deferred: all.slice(settings.maxActionsPerRun), skipped };
}

/** Every instance EC2 refused to stop, from the groups' states. */
export function refusedInstances(states: Record<string, EnvironmentState | undefined>): Map<string, string> {
  return new Map(Object.values(states).flatMap((s) => Object.entries(s?.refused ?? {})));
}

