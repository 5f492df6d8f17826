/**
 * Live burn rate: the inventory priced with a PriceBook, $/h per Environment tag value, with
 * an `untagged` group. A pure function, so the numbers can be checked by hand in tests.
 */
import { TAGS, UNTAGGED } from "../contract";
import { HOURS_PER_MONTH, type PriceBook } from "../pricing/types";
import { isRunning, type Inventory, type Tags } from "./model";

export type CostKind = "ec2" | "ebs" | "nat" | "loadBalancer" | "publicIpv4" | "rds" | "fargate";

export interface GroupBurn {
  usdPerHour: number;
  byKind: Partial<Record<CostKind, number>>;
  runningInstances: number;
}

export interface BurnReport {
  /** Group (Environment value or `untagged`) → $/h. */
  groups: Record<string, GroupBurn>;
  totalUsdPerHour: number;
  /** Running instances by lifecycle, for the RunningInstances metric. */
  instancesByLifecycle: { spot: number; "on-demand": number };
  /** What could not be priced (kind and type), counted; priced at 0. */
  unpriced: Record<string, number>;
}

export interface PricingOptions {
  /** Live spot prices ($/h) keyed `type|az` or `type`; the PriceBook's typical spot price otherwise. */
  spotPrices?: ReadonlyMap<string, number>;
}

/** Environment group of a resource: its own tag, or `fallback` (e.g. the attached instance's), or untagged. */
export function groupOf(tags: Tags, fallback?: string): string {
  const env = tags[TAGS.environment]?.trim();
  return env ? env : (fallback ?? UNTAGGED);
}

/** RDS statuses in which the instance hours are billed (stopped instances pay storage only). */
const RDS_STOPPED = new Set(["stopped", "stopping", "deleting"]);

export function burnRateByEnvironment(inv: Inventory, prices: PriceBook, opts: PricingOptions = {}): BurnReport {
  const region = inv.region;
  const groups: Record<string, GroupBurn> = {};
  const unpriced: Record<string, number> = {};
  const instancesByLifecycle = { spot: 0, "on-demand": 0 };
  let total = 0;

  const add = (group: string, kind: CostKind, usd: number) => {
    const g = (groups[group] ??= { usdPerHour: 0, byKind: {}, runningInstances: 0 });
    g.usdPerHour += usd;
    g.byKind[kind] = (g.byKind[kind] ?? 0) + usd;
    total += usd;
  };
  const missing = (what: string) => void (unpriced[what] = (unpriced[what] ?? 0) + 1);

  const instanceGroup = new Map<string, string>();
  const elasticIps = new Set(inv.addresses.map((a) => a.publicIp));
  for (const i of inv.instances) {
    const group = groupOf(i.tags);
    instanceGroup.set(i.id, group);
    if (!isRunning(i)) continue; // only its volumes and addresses are billed, counted below
    instancesByLifecycle[i.lifecycle]++;
    (groups[group] ??= { usdPerHour: 0, byKind: {}, runningInstances: 0 }).runningInstances++;
    let hourly: number | undefined;
    if (i.lifecycle === "spot") {
      hourly = opts.spotPrices?.get(`${i.instanceType}|${i.availabilityZone}`) ?? opts.spotPrices?.get(i.instanceType) ?? prices.ec2SpotHourly(region, i.instanceType);
    } else {
      hourly = prices.ec2OnDemandHourly(region, i.instanceType);
    }
    if (hourly === undefined) missing(`ec2:${i.instanceType}`);
    else add(group, "ec2", hourly);
    // An instance's public IP is charged; an Elastic IP is counted once, with the addresses.
    if (i.publicIp && !elasticIps.has(i.publicIp)) add(group, "publicIpv4", prices.publicIpv4Hourly(region));
  }

  for (const v of inv.volumes) {
    const perGbMonth = prices.ebsGbMonth(region, v.volumeType);
    const group = groupOf(v.tags, v.instanceId ? instanceGroup.get(v.instanceId) : undefined);
    if (perGbMonth === undefined) missing(`ebs:${v.volumeType}`);
    else add(group, "ebs", (perGbMonth * v.sizeGiB) / HOURS_PER_MONTH);
  }

  for (const n of inv.natGateways) add(groupOf(n.tags), "nat", prices.natGatewayHourly(region));
  for (const lb of inv.loadBalancers) add(groupOf(lb.tags), "loadBalancer", prices.loadBalancerHourly(region, lb.kind));
  for (const a of inv.addresses) add(groupOf(a.tags, a.instanceId ? instanceGroup.get(a.instanceId) : undefined), "publicIpv4", prices.publicIpv4Hourly(region));

  for (const db of inv.dbInstances) {
    const group = groupOf(db.tags);
    if (!RDS_STOPPED.has(db.status)) {
      const hourly = prices.rdsHourly(region, db.instanceClass, db.engine, db.multiAz);
      if (hourly === undefined) missing(`rds:${db.instanceClass}`);
      else add(group, "rds", hourly);
    }
    add(group, "rds", (prices.rdsStorageGbMonth(region, db.storageType, db.multiAz) * db.allocatedGiB) / HOURS_PER_MONTH);
  }

  const serviceGroup = new Map(inv.services.map((s) => [`${s.cluster}|${s.name}`, groupOf(s.tags)]));
  for (const t of inv.tasks) {
    const group = groupOf(t.tags, t.service ? serviceGroup.get(`${t.cluster}|${t.service}`) : undefined);
    add(group, "fargate", prices.fargateHourly(region, t.vcpu, t.memoryGb, { spot: t.spot, architecture: t.architecture }));
  }

  return { groups, totalUsdPerHour: total, instancesByLifecycle, unpriced };
}
