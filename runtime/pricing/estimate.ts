/**
 * The cost estimator: prices a stack from its resources' inputs (Pulumi type tokens
 * and inputs, as the offline plan and the policy engine see them) and says what it could not
 * price. Output: line items (resource, what, $/month, basis), the list-price total, the total
 * after AWS's always-free allowances (applied across the whole stack, cheapest usage first, so
 * the after-free figure errs high), and the unpriced resources with the reason.
 *
 * Usage that inputs do not say (invocations, log volume, requests) comes from
 * `UsageAssumptions` or a resource's `costguard:estimate` tag; see usage.ts.
 */
import { ALWAYS_FREE, CATALOG_DATE } from "./catalog";
import { estimatorCatalog as defaultCatalog, type EstimatorPriceBook } from "./elasticache";
import { PricingContext, priceResource } from "./estimateRules";
import type { FreeMeter, LineItem, ResourceToPrice } from "./estimateTypes";
import { DEFAULT_USAGE, type UsageAssumptions } from "./usage";

export { ESTIMATE_TAG, DEFAULT_USAGE, type UsageAssumptions } from "./usage";
export type { FreeMeter, LineItem, ResourceToPrice } from "./estimateTypes";

export const FREE_ALLOWANCE = {
  cloudwatchAlarmMetrics: ALWAYS_FREE.cloudwatchAlarms,
  cloudwatchDashboards: ALWAYS_FREE.cloudwatchDashboards,
  cloudwatchCustomMetrics: ALWAYS_FREE.cloudwatchCustomMetrics,
  cloudwatchLogsGb: ALWAYS_FREE.cloudwatchLogsGb,
  lambdaRequests: ALWAYS_FREE.lambdaRequests,
  lambdaGbSeconds: ALWAYS_FREE.lambdaGbSeconds,
  sqsRequests: ALWAYS_FREE.sqsRequests,
  snsPublishes: ALWAYS_FREE.snsPublishes,
  snsEmails: ALWAYS_FREE.snsEmails,
  kmsRequests: ALWAYS_FREE.kmsRequests,
  dynamodbStorageGb: ALWAYS_FREE.dynamodbStorageGb,
  dynamodbProvisionedWcu: ALWAYS_FREE.dynamodbProvisionedWcu,
  dynamodbProvisionedRcu: ALWAYS_FREE.dynamodbProvisionedRcu,
  budgets: ALWAYS_FREE.budgets,
  schedulerInvocations: ALWAYS_FREE.schedulerInvocations,
  stepFunctionsTransitions: ALWAYS_FREE.stepFunctionsTransitions,
} as const satisfies Record<FreeMeter, number>;

export interface Unpriced {
  resource: string;
  type: string;
  reason: string;
  expandedFrom?: string;
}

export interface Estimate {
  region: string;
  /** Date the catalog's prices were recorded. */
  priceDate: string;
  lineItems: LineItem[];
  listMonthlyUsd: number;
  afterFreeTierMonthlyUsd: number;
  /** Allowances that applied: quantity used, allowance, $ saved. */
  freeTier: { meter: FreeMeter; used: number; allowance: number; savedUsd: number }[];
  unpriced: Unpriced[];
  /** Resources that cost nothing by themselves (IAM, rules, policies, subnets...). */
  freeResources: number;
  /** Notes that apply to the whole estimate (region fallback, hint problems). */
  notes: string[];
}

export interface EstimateOptions {
  region: string;
  priceBook?: EstimatorPriceBook;
  usage?: Partial<UsageAssumptions>;
}

/** Applies each free allowance across the stack, cheapest unit first (so the result errs high). */
function applyFreeTier(items: LineItem[]): Estimate["freeTier"] {
  const summary: Estimate["freeTier"] = [];
  for (const meter of Object.keys(FREE_ALLOWANCE) as FreeMeter[]) {
    const metered = items.filter((i) => i.usage?.meter === meter).sort((a, b) => a.usage!.unitUsd - b.usage!.unitUsd);
    if (!metered.length) continue;
    let left: number = FREE_ALLOWANCE[meter];
    let used = 0;
    let saved = 0;
    for (const item of metered) {
      const { quantity, unitUsd } = item.usage!;
      used += quantity;
      const free = Math.min(left, quantity);
      left -= free;
      item.afterFreeTierUsd = Math.max(0, (quantity - free) * unitUsd);
      saved += item.monthlyUsd - item.afterFreeTierUsd;
    }
    summary.push({ meter, used, allowance: FREE_ALLOWANCE[meter], savedUsd: saved });
  }
  return summary;
}

export function estimateStack(resources: ResourceToPrice[], opts: EstimateOptions): Estimate {
  const book = opts.priceBook ?? defaultCatalog;
  const ctx = new PricingContext(resources, opts.region, book, { ...DEFAULT_USAGE, ...opts.usage });
  const lineItems: LineItem[] = [];
  const unpriced: Unpriced[] = [];
  let freeResources = 0;
  const parents = new Set(resources.map((r) => r.parent).filter(Boolean));
  for (const r of resources) {
    // Remote components (awsx, eks) are single resources under mocks but have their children under
    // the engine (or expanded by rule in the offline plan): priced through the children.
    if (r.key && parents.has(r.key) && !r.type.startsWith("aws:")) continue;
    const result = priceResource(r, ctx);
    const from = r.expandedFrom ? { expandedFrom: r.expandedFrom } : {};
    if (result.kind === "priced") lineItems.push(...result.items.map((i) => ({ ...i, afterFreeTierUsd: i.monthlyUsd, ...from })));
    else if (result.kind === "free") freeResources++;
    else if (result.kind === "unpriced") unpriced.push({ resource: r.name, type: r.type, reason: result.reason, ...from });
  }
  const freeTier = applyFreeTier(lineItems);
  const sum = (f: (i: LineItem) => number) => lineItems.reduce((s, i) => s + f(i), 0);
  const notes = [...ctx.notes];
  if (!book.isCatalogRegion(opts.region)) notes.unshift(`${opts.region} is not in the catalog: priced at us-east-1 rates`);
  return {
    region: opts.region,
    priceDate: CATALOG_DATE,
    lineItems,
    listMonthlyUsd: sum((i) => i.monthlyUsd),
    afterFreeTierMonthlyUsd: sum((i) => i.afterFreeTierUsd),
    freeTier,
    unpriced,
    freeResources,
    notes,
  };
}

/** Line items by resource, most expensive first (after free tier, then list). */
export function topItems(estimate: Estimate, n: number): { resource: string; type: string; monthlyUsd: number; afterFreeTierUsd: number; what: string }[] {
  const byResource = new Map<string, { resource: string; type: string; monthlyUsd: number; afterFreeTierUsd: number; what: string[] }>();
  for (const i of estimate.lineItems) {
    const key = `${i.type}::${i.resource}`;
    const entry = byResource.get(key) ?? { resource: i.resource, type: i.type, monthlyUsd: 0, afterFreeTierUsd: 0, what: [] };
    entry.monthlyUsd += i.monthlyUsd;
    entry.afterFreeTierUsd += i.afterFreeTierUsd;
    entry.what.push(i.what);
    byResource.set(key, entry);
  }
  return [...byResource.values()]
    .sort((a, b) => b.afterFreeTierUsd - a.afterFreeTierUsd || b.monthlyUsd - a.monthlyUsd)
    .slice(0, n)
    .map((e) => ({ ...e, what: e.what.join(" + ") }));
}

export const usd = (v: number): string => (v !== 0 && Math.abs(v) < 0.01 ? `$${v.toFixed(4)}` : `$${v.toFixed(2)}`);
