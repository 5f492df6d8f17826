/**
 * Compatible replacement types for a spot launch: same architecture, at least the vCPU and
 * memory of the instance being replaced. `rankCompatibleTypes` is pure over the price book;
 * `selectHealthyTypes` then keeps the ones whose pool is healthy and circuit closed.
 *
 * Order (the CreateFleet priority for capacity-optimized-prioritized): the closest size
 * first (least over-provisioning), then the lowest spot price, then the name.
 */
import type { PriceBook } from "../pricing/types";
import type { SpotHealth } from "./advice";

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
