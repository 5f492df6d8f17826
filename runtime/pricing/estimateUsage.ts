/**
 * Pricing rules for services billed mostly by traffic: CloudFront, API Gateway (REST, HTTP,
 * WebSocket), Route 53 records and health checks, EFS, Kinesis Data Streams, ElastiCache
 * Serverless. What the inputs fix (Kinesis shards, provisioned EFS throughput, a health check) is
 * priced; traffic nobody declared is a "depends on usage" line at its rate, the way Infracost
 * lists it, never $0 presented as free. Declared usage (the `costguard:estimate` tag) is priced.
 */
import { HOURS_PER_MONTH } from "./types";
import { arr, fmt, num, obj, str, type PricingContext } from "./estimateContext";
import type { Item, PriceResult, ResourceToPrice } from "./estimateTypes";

/** $0.30, $3.50, $0.085, $0.0034: cents shown as cents, finer rates as listed. */
const rate = (v: number) => {
  const r = Number(v.toPrecision(3));
  return Math.abs(r * 100 - Math.round(r * 100)) < 1e-9 ? `$${r.toFixed(2)}` : `$${r}`;
};

/** A charge from declared usage, or a $0 "depends on usage" line naming its rate and the key to declare. */
function usageItem(r: ResourceToPrice, what: string, declared: number | undefined, unitUsd: number, unit: string, key: string, perUnitText: string): Item {
  if (declared !== undefined) return { resource: r.name, type: r.type, what, monthlyUsd: declared * unitUsd, basis: `${fmt(declared)} ${unit}/month (declared) × ${perUnitText}` };
  return { resource: r.name, type: r.type, what, monthlyUsd: 0, basis: `declare ${key} in its costguard:estimate tag`, dependsOnUsage: perUnitText };
}

export function priceCloudFront(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const p = ctx.book.cloudfront();
  const h = ctx.hint(r);
  return {
    kind: "priced",
    items: [
      usageItem(r, "data transfer out", h.dataGbPerMonth, p.dataOutGb, "GB", "dataGbPerMonth", `${rate(p.dataOutGb)} per GB (US/Europe; the account's free 1 TB a month not deducted)`),
      usageItem(r, "HTTPS requests", h.requestsPerMonth, p.perRequest, "requests", "requestsPerMonth", `${rate(p.perRequest * 1e4)} per 10,000 requests (the account's free 10 M a month not deducted)`),
    ],
  };
}

export function priceRestApi(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const perRequest = ctx.book.apiGateway().restPerRequest;
  return { kind: "priced", items: [usageItem(r, "REST API requests", ctx.hint(r).requestsPerMonth, perRequest, "requests", "requestsPerMonth", `${rate(perRequest * 1e6)} per million requests`)] };
}

export function priceApiV2(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const p = ctx.book.apiGateway();
  const requests = ctx.hint(r).requestsPerMonth;
  if (str(r.inputs.protocolType) === "WEBSOCKET") {
    return { kind: "priced", items: [usageItem(r, "WebSocket messages", requests, p.websocketPerMessage, "messages", "requestsPerMonth", `${rate(p.websocketPerMessage * 1e6)} per million messages (+ ${rate(p.websocketPerConnectionMinute * 1e6)} per million connection minutes)`)] };
  }
  return { kind: "priced", items: [usageItem(r, "HTTP API requests", requests, p.httpPerRequest, "requests", "requestsPerMonth", `${rate(p.httpPerRequest * 1e6)} per million requests`)] };
}

/** A record answers queries ($0.40/M); an alias to an AWS resource is answered free. */
export function priceRoute53Record(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  if (arr(r.inputs.aliases).length) return { kind: "free" };
  const perQuery = ctx.book.route53().perQuery;
  return { kind: "priced", items: [usageItem(r, "DNS queries", ctx.hint(r).queriesPerMonth, perQuery, "queries", "queriesPerMonth", `${rate(perQuery * 1e6)} per million queries`)] };
}

export function priceRoute53HealthCheck(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const p = ctx.book.route53();
  // Health checks of an endpoint (domain or IP) may watch anything; calculated and alarm checks are AWS's own.
  const external = !!(str(r.inputs.fqdn) || str(r.inputs.ipAddress));
  const month = external ? p.healthCheckOtherEndpointMonth : p.healthCheckAwsEndpointMonth;
  const why = external ? "an endpoint outside AWS ($0.50 if it is an AWS resource)" : "calculated or CloudWatch-alarm check";
  return { kind: "priced", items: [{ resource: r.name, type: r.type, what: "health check", monthlyUsd: month, basis: `$${month.toFixed(2)}/month: ${why}; optional features extra` }] };
}

export function priceEfs(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const p = ctx.book.efs();
  const items = [usageItem(r, "Standard storage", ctx.hint(r).storageGb, p.standardGbMonth, "GB stored", "storageGb", `${rate(p.standardGbMonth)} per GB-month`)];
  const mibps = num(r.inputs.provisionedThroughputInMibps);
  if (str(r.inputs.throughputMode) === "provisioned" && mibps) {
    items.push({ resource: r.name, type: r.type, what: "provisioned throughput", monthlyUsd: mibps * p.provisionedMibpsMonth, basis: `${fmt(mibps)} MiB/s × $${p.provisionedMibpsMonth}/MiB/s-month` });
  }
  return { kind: "priced", items };
}

export function priceKinesisStream(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const p = ctx.book.kinesis();
  const h = ctx.hint(r);
  if (str(obj(r.inputs.streamModeDetails).streamMode) === "ON_DEMAND") {
    return {
      kind: "priced",
      items: [
        { resource: r.name, type: r.type, what: "on-demand stream", monthlyUsd: p.onDemandStreamHour * HOURS_PER_MONTH, basis: `$${p.onDemandStreamHour}/stream-hour × ${HOURS_PER_MONTH} h` },
        usageItem(r, "data ingested", h.dataGbPerMonth, p.onDemandPerGbIngested, "GB", "dataGbPerMonth", `${rate(p.onDemandPerGbIngested)} per GB ingested (+ retrievals)`),
      ],
    };
  }
  const shards = num(r.inputs.shardCount) ?? 1;
  return {
    kind: "priced",
    items: [
      { resource: r.name, type: r.type, what: `${fmt(shards)} shard${shards === 1 ? "" : "s"}`, monthlyUsd: shards * p.shardHour * HOURS_PER_MONTH, basis: `${fmt(shards)} × $${p.shardHour}/shard-hour × ${HOURS_PER_MONTH} h` },
      usageItem(r, "PUT payload units", h.requestsPerMonth, p.perPutUnit, "PUT payload units", "requestsPerMonth", `${rate(p.perPutUnit * 1e6)} per million PUT payload units (25 KB each)`),
    ],
  };
}

export function priceElastiCacheServerless(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const p = ctx.book.elasticacheServerless();
  const gb = ctx.hint(r).storageGb;
  return {
    kind: "priced",
    items: [
      usageItem(r, "data stored", gb === undefined ? undefined : gb * HOURS_PER_MONTH, p.gbHour, "GB-hours", "storageGb", `${rate(p.gbHour)} per GB-hour (minimum 1 GB)`),
      usageItem(r, "ElastiCache Processing Units", ctx.hint(r).requestsPerMonth, p.perEcpu, "ECPUs", "requestsPerMonth", `${rate(p.perEcpu * 1e6)} per million ECPUs`),
    ],
  };
}
