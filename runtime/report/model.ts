/**
 * The daily report's figures, computed from Cost Explorer rows as a pure function.
 *
 * Spot savings = on-demand price of the spot hours − what was paid for them. Spot hours come
 * from EC2 usage types `[<region prefix>-]SpotUsage:<instance type>` (UsageQuantity is in
 * hours); the on-demand price is the price book's Linux, shared-tenancy list price of that type
 * in that region. Limits: list prices, not the account's negotiated rates; Windows or
 * licensed-AMI spot hours are compared with the Linux price (savings understated); types or
 * regions the price book does not know are listed as unpriced and left out; Fargate Spot is
 * counted as spot cost but not in the savings (its usage types carry no instance type).
 */
import type { PriceBook } from "../pricing/types";
import type { CostData, CostRow } from "./inventory";
import { addDays, daysInMonth, dayRange, firstOfMonth } from "./dates";

export type Purchase = "spot" | "on-demand" | "other";

/** Usage-type prefixes → region (us-east-1 usage types carry no prefix). */
const REGION_PREFIXES: Record<string, string> = {
  "": "us-east-1", USE1: "us-east-1", USE2: "us-east-2", USW1: "us-west-1", USW2: "us-west-2",
  CAN1: "ca-central-1", SAE1: "sa-east-1", EU: "eu-west-1", EUW1: "eu-west-1", EUW2: "eu-west-2",
  EUW3: "eu-west-3", EUC1: "eu-central-1", EUN1: "eu-north-1", EUS1: "eu-south-1", APN1: "ap-northeast-1",
  APN2: "ap-northeast-2", APN3: "ap-northeast-3", APS1: "ap-southeast-1", APS2: "ap-southeast-2", APS3: "ap-south-1",
};

export interface UsageTypeInfo {
  purchase: Purchase;
  /** EC2 instance type, for instance-hour usage types. */
  instanceType?: string;
  region?: string;
}

const INSTANCE_USAGE = /^(?:([A-Z]{2,4}\d?)-)?(BoxUsage|SpotUsage|DedicatedUsage|HostBoxUsage)(?::([a-z0-9][a-z0-9.-]*))?$/;

/** Classifies a usage type: EC2 instance hours (spot or on-demand), Fargate (spot or not), other. */
export function classifyUsageType(usageType: string): UsageTypeInfo {
  const m = INSTANCE_USAGE.exec(usageType);
  if (m) {
    const region = REGION_PREFIXES[m[1] ?? ""];
    return { purchase: m[2] === "SpotUsage" ? "spot" : "on-demand", instanceType: m[3], region };
  }
  if (/Fargate/.test(usageType) && /-(vCPU|GB)-Hours/.test(usageType)) return { purchase: /SpotUsage/.test(usageType) ? "spot" : "on-demand" };
  return { purchase: "other" };
}

export interface Amount {
  name: string;
  usd: number;
}

export interface SpotTypeSavings {
  instanceType: string;
  region: string;
  hours: number;
  paidUsd: number;
  onDemandUsd: number;
  savingsUsd: number;
}

export interface SpotSummary {
  spotUsd: number;
  onDemandUsd: number;
  /** Spot share of compute (spot + on-demand) cost, 0..1; undefined without compute cost. */
  spotShare?: number;
  spotHours: number;
  savingsUsd: number;
  byType: SpotTypeSavings[];
  /** Spot usage the price book could not price (left out of the savings). */
  unpriced: string[];
}

export interface Recommendation {
  severity: "info" | "warning";
  text: string;
}

export interface DailyCostReport {
  stack: string;
  /** The day reported on, YYYY-MM-DD. */
  date: string;
  generatedAt: string;
  yesterdayUsd: number;
  byService: Amount[];
  /** Undefined when not fetched (request budget); "untagged" holds cost without the tag. */
  byEnvironment?: Amount[];
  /**
   * Organisation mode: the report day by linked account ("<id> (<name>)") and by region; a
   * breakdown absent in organisation mode was not fetched (see notes). Absent altogether otherwise.
   */
  byAccount?: Amount[];
  byRegion?: Amount[];
  /** Whether the account and region breakdown was asked for (organisation mode). */
  accountsRequested?: boolean;
  /** The report day's spot vs on-demand, and the last 30 days' savings. */
  spot: SpotSummary;
  spot30DaysSavingsUsd: number;
  avg7Usd: number;
  avg30Usd: number;
  /** The report day against the 7-day average before it, in percent; undefined without history. */
  changeVsAvg7Percent?: number;
  monthToDateUsd: number;
  forecast: { usd: number; method: "cost-explorer" | "7-day average" };
  monthlyBudgetUsd?: number;
  /** The last 30 days, oldest first, for the chart. */
  days: { date: string; usd: number }[];
  recommendations: Recommendation[];
  notes: string[];
  requestsUsed: number;
  maxRequests: number;
}

export interface BuildOptions {
  stack: string;
  /** The day reported on (the last day of the data). */
  reportDate: string;
  now: Date;
  priceBook?: PriceBook;
  monthlyBudgetUsd?: number;
  recommendations?: Recommendation[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const sum = (ns: number[]) => ns.reduce((a, b) => a + b, 0);

function byName(entries: Iterable<[string, number]>): Amount[] {
  return [...entries].map(([name, usd]) => ({ name, usd })).filter((a) => Math.abs(a.usd) >= 0.005).sort((a, b) => b.usd - a.usd || a.name.localeCompare(b.name));
}

export function spotSummary(rows: CostRow[], priceBook?: PriceBook): SpotSummary {
  let spotUsd = 0;
  let onDemandUsd = 0;
  const pools = new Map<string, SpotTypeSavings>();
  const unpriced = new Set<string>();
  for (const row of rows) {
    const info = classifyUsageType(row.usageType);
    if (info.purchase === "on-demand") onDemandUsd += row.costUsd;
    if (info.purchase !== "spot") continue;
    spotUsd += row.costUsd;
    const price = info.instanceType && info.region ? priceBook?.ec2OnDemandHourly(info.region, info.instanceType) : undefined;
    if (!info.instanceType || !info.region || price === undefined) {
      if (row.costUsd > 0 || row.usageQuantity > 0) unpriced.add(info.instanceType ? `${info.instanceType} (${info.region ?? "unknown region"})` : row.usageType);
      continue;
    }
    const key = `${info.region}|${info.instanceType}`;
    const pool = pools.get(key) ?? { instanceType: info.instanceType, region: info.region, hours: 0, paidUsd: 0, onDemandUsd: 0, savingsUsd: 0 };
    pool.hours += row.usageQuantity;
    pool.paidUsd += row.costUsd;
    pool.onDemandUsd += row.usageQuantity * price;
    pool.savingsUsd = pool.onDemandUsd - pool.paidUsd;
    pools.set(key, pool);
  }
  const byType = [...pools.values()].sort((a, b) => b.savingsUsd - a.savingsUsd);
  const compute = spotUsd + onDemandUsd;
  return {
    spotUsd,
    onDemandUsd,
    spotShare: compute > 0 ? spotUsd / compute : undefined,
    spotHours: sum(byType.map((t) => t.hours)),
    savingsUsd: sum(byType.map((t) => t.savingsUsd)),
    byType,
    unpriced: [...unpriced].sort(),
  };
}

export function buildReport(data: CostData, opts: BuildOptions): DailyCostReport {
  const { reportDate } = opts;
  const perDay = new Map<string, number>();
  for (const d of dayRange(data.start, data.end)) perDay.set(d, 0);
  for (const row of data.rows) perDay.set(row.date, (perDay.get(row.date) ?? 0) + row.costUsd);
  const total = (from: string, to: string) => sum(dayRange(from, to).map((d) => perDay.get(d) ?? 0));

  const end = addDays(reportDate, 1);
  const yesterdayRows = data.rows.filter((r) => r.date === reportDate);
  const yesterdayUsd = total(reportDate, end);
  const avg7Usd = total(addDays(reportDate, -6), end) / 7;
  const avg30Usd = total(addDays(reportDate, -29), end) / 30;
  const before7 = total(addDays(reportDate, -7), reportDate) / 7;
  const monthToDateUsd = total(firstOfMonth(reportDate), end);

  const services = new Map<string, number>();
  for (const r of yesterdayRows) services.set(r.service, (services.get(r.service) ?? 0) + r.costUsd);

  const byEnvironment = data.byEnvironment
    ? byName(Object.entries(data.byEnvironment).map(([k, v]) => [k === "" ? "untagged" : k, v] as [string, number]))
    : undefined;

  const sumBy = (key: (r: NonNullable<CostData["byAccountRegion"]>[number]) => string) => {
    const m = new Map<string, number>();
    for (const r of data.byAccountRegion ?? []) m.set(key(r), (m.get(key(r)) ?? 0) + r.usd);
    return byName(m).map((a) => ({ ...a, usd: round2(a.usd) }));
  };
  const accounts = data.byAccountRegion ? { byAccount: sumBy((r) => (r.accountName ? `${r.account} (${r.accountName})` : r.account)), byRegion: sumBy((r) => r.region) } : {};

  const daysLeft = daysInMonth(reportDate) - Number(reportDate.slice(8, 10));
  const forecast = data.forecast
    ? { usd: monthToDateUsd + data.forecast.usd, method: "cost-explorer" as const }
    : { usd: monthToDateUsd + avg7Usd * daysLeft, method: "7-day average" as const };

  const spot = spotSummary(yesterdayRows, opts.priceBook);
  const spot30 = spotSummary(data.rows.filter((r) => r.date > addDays(reportDate, -30)), opts.priceBook);
  const notes = [...data.gaps];
  if (data.estimated) notes.push("Cost Explorer marks the day's figures as estimated: they may still change as billing data arrives");
  if (!opts.priceBook && spot.spotUsd > 0) notes.push("spot savings not computed: no price book available");
  if (spot.unpriced.length) notes.push(`spot usage without an on-demand price, left out of the savings: ${spot.unpriced.join(", ")}`);

  return {
    stack: opts.stack,
    date: reportDate,
    generatedAt: opts.now.toISOString(),
    yesterdayUsd: round2(yesterdayUsd),
    byService: byName(services).map((a) => ({ ...a, usd: round2(a.usd) })),
    byEnvironment: byEnvironment?.map((a) => ({ ...a, usd: round2(a.usd) })),
    ...accounts,
    ...(data.accountsRequested ? { accountsRequested: true } : {}),
    spot: {
      ...spot,
      spotUsd: round2(spot.spotUsd),
      onDemandUsd: round2(spot.onDemandUsd),
      savingsUsd: round2(spot.savingsUsd),
      byType: spot.byType.map((t) => ({ ...t, paidUsd: round2(t.paidUsd), onDemandUsd: round2(t.onDemandUsd), savingsUsd: round2(t.savingsUsd) })),
    },
    spot30DaysSavingsUsd: round2(spot30.savingsUsd),
    avg7Usd: round2(avg7Usd),
    avg30Usd: round2(avg30Usd),
    changeVsAvg7Percent: before7 > 0 ? round2(((yesterdayUsd - before7) / before7) * 100) : undefined,
    monthToDateUsd: round2(monthToDateUsd),
    forecast: { ...forecast, usd: round2(forecast.usd) },
    monthlyBudgetUsd: opts.monthlyBudgetUsd,
    days: dayRange(addDays(reportDate, -29), end).map((date) => ({ date, usd: round2(perDay.get(date) ?? 0) })),
    recommendations: opts.recommendations ?? [],
    notes,
    requestsUsed: data.requestsUsed,
    maxRequests: data.maxRequests,
  };
}
