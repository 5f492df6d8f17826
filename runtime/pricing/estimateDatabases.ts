/**
 * Pricing rules for databases: RDS instances (hours from declared or scheduled stops, storage,
 * automated backups, the master secret), Multi-AZ DB clusters and Aurora Serverless v2, the
 * EventBridge Scheduler schedules that stop and start them, ElastiCache nodes by engine.
 */
import { HOURS_PER_MONTH } from "./types";
import type { CacheEngine } from "./elasticache";
import { RDS_TWELVE_MONTH_FREE_TIER } from "./data/services";
import { fmt, num, obj, str, type PricingContext } from "./estimateContext";
import { hoursOf, money } from "./estimateCompute";
import { runsPerMonth } from "./schedule";
import type { Item, PriceResult, ResourceToPrice } from "./estimateTypes";

/** Instance hours: declared, declared stopped, from Scheduler stop/start schedules, or always on. */
function rdsHours(r: ResourceToPrice, ctx: PricingContext): { hours: number; note: string } {
  const identifier = str(r.inputs.identifier) ?? str(r.state?.identifier);
  if (ctx.hint(r).runningHoursPerMonth !== undefined || !identifier) return hoursOf(r, ctx);
  if (ctx.databaseDeclaredStopped(identifier)) return { hours: 0, note: "0 h (declared stopped: storage and backups still bill)" };
  return ctx.scheduledDatabaseHours(r, identifier) ?? hoursOf(r, ctx);
}

export function priceRdsInstance(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  const cls = str(i.instanceClass);
  const engine = str(i.engine) ?? "mysql";
  const multiAz = i.multiAz === true;
  if (!cls) return { kind: "unpriced", reason: "no instanceClass" };
  const quote = ctx.book.rdsQuote(ctx.region, cls, engine, multiAz);
  if (quote === undefined) return { kind: "unpriced", reason: `${cls} (${engine}) is not in the price catalog` };
  const hourly = quote.hourly;
  const { hours, note } = rdsHours(r, ctx);
  // The estimator counts always-free allowances only; RDS has none, its free tier is a 12-month trial.
  const trial = RDS_TWELVE_MONTH_FREE_TIER;
  const trialNote = trial.classes.test(cls) && !multiAz && !engine.startsWith("aurora") ? `; new accounts' 12-month free tier (${trial.hours} h of db.t*.micro single-AZ, ${trial.storageGb} GB storage; accounts created before 2025-07-15) not counted` : "";
  const items: Item[] = [{ resource: r.name, type: r.type, what: `${cls} ${engine}${multiAz ? " multi-AZ" : ""}`, monthlyUsd: hourly * hours, basis: `${money(hourly)}/h × ${note}${quote.derived ? `; ${quote.derived}` : ""}${trialNote}` }];
  const storage = num(i.allocatedStorage);
  if (storage && !engine.startsWith("aurora")) {
    const type = str(i.storageType) ?? (i.iops ? "io1" : "gp2");
    const rate = ctx.book.rdsStorageGbMonth(ctx.region, type, multiAz);
    items.push({ resource: r.name, type: r.type, what: "storage", monthlyUsd: storage * rate, basis: `${storage} GB ${type} × ${money(rate)}/GB-month${multiAz ? " (multi-AZ)" : ""}${hours === 0 ? ", billed while stopped" : ""}` });
    items.push(...rdsBackupItems(r, ctx, storage));
  }
  if (i.manageMasterUserPassword === true) {
    const rate = ctx.book.secretsManagerSecretMonth(ctx.region);
    items.push({ resource: r.name, type: r.type, what: "master user secret (Secrets Manager)", monthlyUsd: rate, basis: `$${rate.toFixed(2)}/secret-month: RDS keeps the master password there (+ $0.05/10k API calls)` });
  }
  return { kind: "priced", items };
}

/** Automated backups: free up to the provisioned storage, billed beyond; assumed about the database's size. */
function rdsBackupItems(r: ResourceToPrice, ctx: PricingContext, storageGb: number): Item[] {
  const retention = num(r.inputs.backupRetentionPeriod) ?? 1; // RDS's default is 1 day
  if (retention <= 0) return [];
  const declared = ctx.hint(r).backupStorageGb;
  const backupGb = declared ?? storageGb;
  const beyond = Math.max(0, backupGb - storageGb);
  const rate = ctx.book.rdsBackupGbMonth(ctx.region);
  const size = declared !== undefined ? `${fmt(backupGb)} GB (declared)` : `${fmt(backupGb)} GB (assumed: about the database's size; declare backupStorageGb)`;
  const basis = `${size} of ${retention}-day automated backups, free up to ${fmt(storageGb)} GB (the provisioned storage)${beyond > 0 ? `; ${fmt(beyond)} GB beyond × ${money(rate)}/GB-month` : ""}`;
  return [{ resource: r.name, type: r.type, what: "automated backups", monthlyUsd: beyond * rate, basis }];
}

/** EventBridge Scheduler: invocations from the schedule expression (at() runs once). */
export function priceSchedulerSchedule(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const expr = str(r.inputs.scheduleExpression) ?? "";
  const runs = runsPerMonth(expr);
  const perMonth = runs ?? 1;
  const rate = ctx.book.schedulerPerInvocation(ctx.region);
  const basis = `${runs !== undefined ? `${expr} = ${fmt(perMonth)}` : `${expr || "a schedule"}: 1 (assumed)`} invocations/month × $1.00/M`;
  return { kind: "priced", items: [{ resource: r.name, type: r.type, what: "scheduler invocations", monthlyUsd: perMonth * rate, basis, usage: { meter: "schedulerInvocations", quantity: perMonth, unitUsd: rate } }] };
}

export function priceRdsCluster(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  const engine = str(i.engine) ?? "aurora-mysql";
  const v2 = obj(i.serverlessv2ScalingConfiguration);
  if (engine.startsWith("aurora")) {
    const minAcu = num(v2.minCapacity);
    if (minAcu === undefined) return { kind: "free" }; // instances are aws:rds/clusterInstance, priced there; storage by usage
    const rate = ctx.book.auroraAcuHourly(ctx.region);
    return { kind: "priced", items: [{ resource: r.name, type: r.type, what: "Aurora Serverless v2 minimum", monthlyUsd: minAcu * rate * HOURS_PER_MONTH, basis: `${minAcu} ACU × ${money(rate)}/ACU-h × ${HOURS_PER_MONTH} h (+ storage and I/O by usage)` }] };
  }
  const cls = str(i.dbClusterInstanceClass);
  const hourly = cls ? ctx.book.rdsHourly(ctx.region, cls, engine, false) : undefined;
  if (!cls || hourly === undefined) return { kind: "unpriced", reason: `Multi-AZ DB cluster class ${cls ?? "(none)"} is not in the catalog` };
  return { kind: "priced", items: [{ resource: r.name, type: r.type, what: `3 × ${cls} ${engine} (Multi-AZ DB cluster)`, monthlyUsd: 3 * hourly * HOURS_PER_MONTH, basis: `3 × ${money(hourly)}/h × ${HOURS_PER_MONTH} h` }] };
}

/** Cache engine of a cluster or replication group (replication groups default to Redis OSS). */
function cacheEngine(v: unknown): CacheEngine | undefined {
  const e = (str(v) ?? "redis").toLowerCase();
  return e === "redis" || e === "valkey" || e === "memcached" ? e : undefined;
}

export function priceElastiCache(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  const nodeType = str(i.nodeType);
  // A cluster joined to a replication group takes its node type there, and is priced there.
  if (!nodeType && str(i.replicationGroupId)) return { kind: "free" };
  if (!nodeType) return { kind: "unpriced", reason: "no nodeType" };
  const engine = cacheEngine(i.engine);
  if (!engine) return { kind: "unpriced", reason: `engine ${String(i.engine)} is not in the price catalog` };
  const quote = ctx.book.elasticacheQuote(ctx.region, nodeType, engine);
  if (quote === undefined) return { kind: "unpriced", reason: `${nodeType} (${engine}) is not in the price catalog` };
  const groups = num(i.numNodeGroups);
  const nodes = num(i.numCacheNodes) ?? num(i.numCacheClusters) ?? (groups !== undefined ? groups * ((num(i.replicasPerNodeGroup) ?? 0) + 1) : 1);
  const basis = `${nodes} × ${money(quote.hourly)}/h × ${HOURS_PER_MONTH} h${quote.derived ? `; ${quote.derived}` : ""}`;
  return { kind: "priced", items: [{ resource: r.name, type: r.type, what: `${nodes} × ${nodeType} ${engine}`, monthlyUsd: nodes * quote.hourly * HOURS_PER_MONTH, basis }] };
}
