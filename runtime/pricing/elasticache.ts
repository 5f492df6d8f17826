/**
 * ElastiCache node prices for the estimator (data/elasticacheTable.ts: 35 regions, by engine).
 * Apart from the catalog on purpose: only the estimator (the policy pack, the offline plan) prices
 * ElastiCache, and the guard's Lambdas, which bundle the catalog, should not carry the table.
 */
import { catalog, type CatalogPriceBook, type Quote } from "./catalog";
import { ELASTICACHE_HOURLY, ELASTICACHE_NO_MEMCACHED, ELASTICACHE_NODE_TYPES, VALKEY_FACTOR } from "./data/elasticacheTable";

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

/** ElastiCache node $/h by engine (Memcached = Redis OSS, Valkey 20 % less); a region outside the table gets us-east-1's, said so. */
export function elasticacheQuote(region: string, nodeType: string, engine: CacheEngine): Quote | undefined {
  if (elasticacheRegionKnown(region)) {
    const hourly = elasticacheTableHourly(region, nodeType, engine);
    return hourly === undefined ? undefined : { hourly };
  }
  const us = elasticacheTableHourly("us-east-1", nodeType, engine);
  return us === undefined ? undefined : { hourly: us, derived: `${region} is not in the ElastiCache table: us-east-1 price` };
}

/** What the estimator prices with: the catalog and ElastiCache. */
export interface EstimatorPriceBook extends CatalogPriceBook {
  elasticacheQuote(region: string, nodeType: string, engine: CacheEngine): Quote | undefined;
}

export const estimatorCatalog: EstimatorPriceBook = { ...catalog, elasticacheQuote };
