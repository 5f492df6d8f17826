/**
 * Reads the generated price tables (data/ec2Table.ts, data/elasticacheTable.ts) on first use and
 * keeps them as maps. They are stored as compact text because runtime/pricing is bundled into the
 * guard's Lambdas; parsing them costs well under a millisecond, once per process.
 */
import { EC2_US_EAST_1 } from "./data/ec2Table";
import { ELASTICACHE_HOURLY, ELASTICACHE_NO_MEMCACHED, ELASTICACHE_NODE_TYPES, VALKEY_FACTOR } from "./data/elasticacheTable";

let ec2: Map<string, number> | undefined;

/** us-east-1 on-demand $/h of any EC2 type the table lists (Linux, shared tenancy). */
export function ec2TableHourly(instanceType: string): number | undefined {
  if (!ec2) {
    ec2 = new Map();
    for (const [family, list] of Object.entries(EC2_US_EAST_1)) {
      const parts = list.split(" ");
      for (let i = 0; i + 1 < parts.length; i += 2) ec2.set(`${family}.${parts[i]}`, Number(parts[i + 1]));
    }
  }
  return ec2.get(instanceType);
}

export type CacheEngine = "redis" | "valkey" | "memcached";
const cacheRegions = new Map<string, Map<string, number>>();
const nodeTypes = ELASTICACHE_NODE_TYPES.split(" ");
const noMemcached = new Set(ELASTICACHE_NO_MEMCACHED.split(" "));

/** Whether the table has ElastiCache prices for a region. */
export const elasticacheRegionKnown = (region: string): boolean => region in ELASTICACHE_HOURLY;

/** On-demand $/h of an ElastiCache node in a region, by engine; undefined when not offered. */
export function elasticacheTableHourly(region: string, nodeType: string, engine: CacheEngine): number | undefined {
  let prices = cacheRegions.get(region);
  if (!prices) {
    const row = ELASTICACHE_HOURLY[region];
    if (row === undefined) return undefined;
    prices = new Map();
    row.split(" ").forEach((p, i) => {
      if (p) prices!.set(nodeTypes[i]!, Number(p));
    });
    cacheRegions.set(region, prices);
  }
  const redis = prices.get(nodeType);
  if (redis === undefined || (engine === "memcached" && noMemcached.has(nodeType))) return undefined;
  return engine === "valkey" ? Math.round(redis * VALKEY_FACTOR * 1e6) / 1e6 : redis;
}
