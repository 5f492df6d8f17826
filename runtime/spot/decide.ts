/**
 * The spot capability's decisions, pure (or over the read-only health of pools and circuits):
 *
 *  - whether a group's swap goes ahead, and with which on-demand instance (`decideSwap`);
 *  - which types may replace it (`rankCompatibleTypes`: same architecture, at least the vCPU
 *    and memory, closest size first, then the lowest spot price, then the name: the CreateFleet
 *    priority for capacity-optimized-prioritized), kept only where the pool is healthy and the
 *    circuit closed (`selectHealthyTypes`);
 *  - what may leave the group as it is now (`canRemove`: the one capacity rule every removal of
 *    the swap obeys, the on-demand instance going forward or the spot instance going back: after
 *    it, at least N instances are still InService and healthy and desired is still at least N;
 *    what would break it is left in place and reported, never "undone").
 *
 * The circuit breaker's own state machine is breaker.ts.
 */
import { TAGS, isProtected } from "../contract";
import type { PriceBook } from "../pricing/types";
import type { SpotHealth } from "./advice";
import type { GroupFacts, LiveGroup, LiveMember, MemberFacts } from "./model";

export type SwapDecision =
  | { action: "swap"; instance: MemberFacts; minOnDemand: number; onDemand: number }
  | { action: "skip"; reason: string };

/** `costguard:min-on-demand`: "2" → 2; "50%" → half of desired, rounded up. */
export function parseMinOnDemand(value: string | undefined, desired: number, fallback: number): { min: number } | { error: string } {
  if (value === undefined || value.trim() === "") return { min: fallback };
  const m = /^\s*(\d+)\s*(%?)\s*$/.exec(value);
  if (!m) return { error: `tag ${TAGS.minOnDemand} must be a count such as "2" or a percentage such as "50%" (got "${value}")` };
  const n = Number(m[1]);
  if (m[2] === "%") return n > 100 ? { error: `tag ${TAGS.minOnDemand} must be at most 100% (got "${value}")` } : { min: Math.ceil((desired * n) / 100) };
  return { min: n };
}

export function decideSwap(group: GroupFacts, minOnDemandDefault: number): SwapDecision {
  if (isProtected(group.tags)) return { action: "skip", reason: `is tagged ${TAGS.protect}=true` };
  if (group.usesMixedInstancesPolicy) return { action: "skip", reason: "uses a MixedInstancesPolicy: its instances distribution already decides spot vs on-demand" };
  if (!group.launchTemplate) return { action: "skip", reason: "has no launch template (launch configurations cannot launch a matching spot instance)" };
  const inService = group.members.filter((m) => m.lifecycleState === "InService" && m.health.toUpperCase() === "HEALTHY");
  if (inService.length !== group.members.length || inService.length !== group.desiredCapacity) {
    return { action: "skip", reason: `is changing (${inService.length} healthy InService of ${group.members.length} members, desired ${group.desiredCapacity}): try next run` };
  }
  const min = parseMinOnDemand(group.tags[TAGS.minOnDemand], group.desiredCapacity, minOnDemandDefault);
  if ("error" in min) return { action: "skip", reason: min.error };
  const onDemand = inService.filter((m) => m.lifecycle === "on-demand");
  if (onDemand.length <= min.min) return { action: "skip", reason: `keeps its ${onDemand.length} on-demand instance${onDemand.length === 1 ? "" : "s"} (minimum ${min.min})` };
  const candidates = onDemand.filter((m) => !m.protectedFromScaleIn && !isProtected(m.tags) && m.subnetId && m.instanceType);
  if (!candidates.length) return { action: "skip", reason: "every on-demand instance above the minimum is protected" };
  // From the AZ with the most on-demand instances (keeps the spread), the oldest first.
  const perAz = new Map<string, number>();
  for (const m of onDemand) perAz.set(m.availabilityZone, (perAz.get(m.availabilityZone) ?? 0) + 1);
  candidates.sort((a, b) => (perAz.get(b.availabilityZone) ?? 0) - (perAz.get(a.availabilityZone) ?? 0) || (a.launchTime ?? 0) - (b.launchTime ?? 0) || a.id.localeCompare(b.id));
  return { action: "swap", instance: candidates[0]!, minOnDemand: min.min, onDemand: onDemand.length };
}

export interface RankOptions {
  region: string;
  /** Instance type being replaced. */
  instanceType: string;
  /** At most this many oversize factor (vCPU and memory) over the original; default 2. */
  maxOversize?: number;
  /** Bare-metal types are excluded unless the original is one. */
  allowMetal?: boolean;
}

export function rankCompatibleTypes(prices: PriceBook, opts: RankOptions): string[] {
  const base = prices.instanceSpec(opts.instanceType);
  if (!base) return [];
  const maxOversize = opts.maxOversize ?? 2;
  const allowMetal = opts.allowMetal ?? opts.instanceType.includes("metal");
  const ranked: { type: string; size: number; price: number }[] = [];
  for (const type of prices.instanceTypes(opts.region)) {
    const spec = prices.instanceSpec(type);
    if (!spec || spec.architecture !== base.architecture) continue;
    if (spec.vcpu < base.vcpu || spec.memoryGiB < base.memoryGiB) continue;
    if (spec.vcpu > base.vcpu * maxOversize || spec.memoryGiB > base.memoryGiB * maxOversize) continue;
    if (!allowMetal && type.includes("metal")) continue;
    const size = spec.vcpu / base.vcpu + spec.memoryGiB / base.memoryGiB;
    const price = prices.ec2SpotHourly(opts.region, type) ?? prices.ec2OnDemandHourly(opts.region, type) ?? Number.POSITIVE_INFINITY;
    ranked.push({ type, size, price });
  }
  ranked.sort((a, b) => a.size - b.size || a.price - b.price || a.type.localeCompare(b.type));
  return ranked.map((r) => r.type);
}

/**
 * The first `limit` ranked types whose pool in the AZ is healthy and whose circuit is closed;
 * `probeable`: types whose circuit is half-open with its probe still to be taken (healthy pool).
 */
export async function selectHealthyTypes(
  ranked: string[],
  availabilityZone: string,
  health: SpotHealth,
  limit = 10,
): Promise<{ types: string[]; skipped: { type: string; reason: string }[]; probeable: string[] }> {
  const types: string[] = [];
  const probeable: string[] = [];
  const skipped: { type: string; reason: string }[] = [];
  // Small batches: most candidates are healthy, so few reads are needed.
  for (let i = 0; i < ranked.length && types.length < limit; i += limit) {
    const batch = ranked.slice(i, i + limit);
    const answers = await Promise.all(batch.map((t) => health.isHealthy(t, availabilityZone)));
    answers.forEach((a, j) => {
      if (a.healthy) types.push(batch[j]!);
      else if (a.probeAvailable) probeable.push(batch[j]!);
      else skipped.push({ type: batch[j]!, reason: a.reason });
    });
  }
  return { types: types.slice(0, limit), skipped, probeable };
}

export const serving = (m: LiveMember): boolean => m.lifecycleState === "InService" && m.healthy;

/** Whether removing `id` with a decrement keeps ≥ `floor` serving instances and desired ≥ `floor`. */
export function canRemove(group: LiveGroup, id: string, floor: number): { ok: true } | { ok: false; why: string } {
  const others = group.members.filter((m) => m.id !== id && serving(m)).length;
  if (others < floor) return { ok: false, why: `only ${others} other instance${others === 1 ? " is" : "s are"} InService and healthy (N = ${floor})` };
  if (group.desired - 1 < floor) return { ok: false, why: `the group's desired capacity is ${group.desired}: one less would be below N = ${floor}` };
  return { ok: true };
}

/**
 * Capacity the group added during the swap, which may go with a decrement to bring desired back
 * to N: members not serving yet (a replacement still booting) first, then members launched by
 * the group meanwhile (not in `before`); never `keep` (the spot instance), newest first.
 */
export function extraCapacity(group: LiveGroup, keep: string, before?: string[]): string[] {
  const live = group.members.filter((m) => m.id !== keep && !/^Terminat/.test(m.lifecycleState)).reverse();
  const booting = live.filter((m) => !serving(m)).map((m) => m.id);
  const newcomers = before ? live.filter((m) => serving(m) && !before.includes(m.id)).map((m) => m.id) : [];
  return [...booting, ...newcomers];
}
