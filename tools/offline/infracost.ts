/**
 * `plan --format infracost`: the estimate in Infracost's JSON output format (version 0.2,
 * schema/infracost.schema.json in the infracost repository), so `infracost output` and
 * `infracost comment` can render it and post it on a pull request.
 *
 * Mapping: one project per plan (project/stack); each priced resource becomes a resource whose
 * cost components are its line items (what is billed, with quantity, unit, unit price and cost as
 * decimal strings, at list prices as Infracost shows them; the after-free-tier figure is in the
 * resource's metadata); usage the estimator assumed is `usageBased`. Unpriced resources are
 * listed with `priceNotFound` and counted as unsupported: nothing unpriced reads as free.
 * With --compare, the base plan is the past breakdown and the diff is computed as Infracost does.
 */
import { spawnSync } from "node:child_process";
import type { Estimate, FreeMeter, LineItem } from "../../runtime/pricing/estimate";
import { costKey } from "./compare";

const HOURS_PER_MONTH = 730;

interface CostComponent {
  name: string;
  unit: string;
  hourlyQuantity: string | null;
  monthlyQuantity: string | null;
  price: string;
  hourlyCost: string | null;
  monthlyCost: string | null;
  usageBased?: boolean;
  priceNotFound: boolean;
}
interface Resource {
  name: string;
  resourceType: string;
  metadata: Record<string, unknown>;
  hourlyCost: string | null;
  monthlyCost: string | null;
  monthlyUsageCost?: string | null;
  costComponents: CostComponent[];
}
interface Breakdown {
  resources: Resource[];
  totalHourlyCost: string;
  totalMonthlyCost: string;
  totalMonthlyUsageCost: string;
}

/** A number as Infracost's decimal strings: plain notation (no exponent), float noise removed. */
export function decimal(n: number): string {
  const s = Number(n.toPrecision(15)).toString();
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = "", exp] = m;
  const digits = int! + frac;
  const point = int!.length + Number(exp);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + "0".repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** The unit Infracost would name for each metered usage, and how many base units one is. */
const METER_UNITS: Record<FreeMeter, { unit: string; per: number; usageBased: boolean }> = {
  cloudwatchAlarmMetrics: { unit: "alarm metrics", per: 1, usageBased: false },
  cloudwatchDashboards: { unit: "months", per: 1, usageBased: false },
  cloudwatchCustomMetrics: { unit: "metrics", per: 1, usageBased: true },
  cloudwatchLogsGb: { unit: "GB", per: 1, usageBased: true },
  lambdaRequests: { unit: "1M requests", per: 1e6, usageBased: true },
  lambdaGbSeconds: { unit: "GB-seconds", per: 1, usageBased: true },
  sqsRequests: { unit: "1M requests", per: 1e6, usageBased: true },
  snsPublishes: { unit: "1M requests", per: 1e6, usageBased: true },
  snsEmails: { unit: "100K notifications", per: 1e5, usageBased: true },
  kmsRequests: { unit: "10k requests", per: 1e4, usageBased: true },
  dynamodbStorageGb: { unit: "GB", per: 1, usageBased: true },
  dynamodbProvisionedWcu: { unit: "WCU", per: 1, usageBased: false },
  dynamodbProvisionedRcu: { unit: "RCU", per: 1, usageBased: false },
  budgets: { unit: "budgets", per: 1, usageBased: false },
  schedulerInvocations: { unit: "1M invocations", per: 1e6, usageBased: true },
  stepFunctionsTransitions: { unit: "1K transitions", per: 1e3, usageBased: true },
};

/** Quantity, unit and unit price of a line item: from its metered usage, an hourly rate, or per month. */
function quantityOf(i: LineItem): { unit: string; monthlyQuantity: number; price: number; usageBased: boolean } {
  const assumed = /\bassumed\b/.test(i.basis);
  if (i.usage) {
    const u = METER_UNITS[i.usage.meter] ?? { unit: "units", per: 1, usageBased: true };
    return { unit: u.unit, monthlyQuantity: i.usage.quantity / u.per, price: i.usage.unitUsd * u.per, usageBased: u.usageBased || assumed };
  }
  // The estimator's basis for what is billed by the hour ("$0.0416/h × 730 h") or by the GB-month
  // ("100 GB gp3 × $0.0800/GB-month"), used only when quantity × price gives the item's cost.
  const num = (v: string) => Number(v.replace(/,/g, ""));
  const consistent = (q: number, p: number) => Math.abs(q * p - i.monthlyUsd) <= 1e-9 + 1e-6 * i.monthlyUsd;
  const hourly = /^\$([\d.]+)\/h × ([\d,.]+) h\b/.exec(i.basis);
  if (hourly && consistent(num(hourly[2]!), num(hourly[1]!))) return { unit: "hours", monthlyQuantity: num(hourly[2]!), price: num(hourly[1]!), usageBased: assumed };
  const storage = /^([\d,.]+) GB\b[^×]*× \$([\d.]+)\/GB-month/.exec(i.basis);
  if (storage && consistent(num(storage[1]!), num(storage[2]!))) return { unit: "GB", monthlyQuantity: num(storage[1]!), price: num(storage[2]!), usageBased: assumed };
  return { unit: "months", monthlyQuantity: 1, price: i.monthlyUsd, usageBased: assumed };
}

function component(i: LineItem): CostComponent {
  const q = quantityOf(i);
  const c: CostComponent = {
    name: i.what,
    unit: q.unit,
    hourlyQuantity: decimal(q.monthlyQuantity / HOURS_PER_MONTH),
    monthlyQuantity: decimal(q.monthlyQuantity),
    price: decimal(q.price),
    hourlyCost: decimal(i.monthlyUsd / HOURS_PER_MONTH),
    monthlyCost: decimal(i.monthlyUsd),
    priceNotFound: false,
  };
  if (q.usageBased) c.usageBased = true;
  return c;
}

function sumOf(values: (string | null | undefined)[]): string {
  return decimal(values.reduce((s, v) => s + (v ? Number(v) : 0), 0));
}

function resourcesOf(e: Estimate): Resource[] {
  const groups = new Map<string, LineItem[]>();
  for (const i of e.lineItems) groups.set(costKey(i.type, i.resource), [...(groups.get(costKey(i.type, i.resource)) ?? []), i]);
  const names = [...groups.values()].map((items) => items[0]!.resource);
  // Infracost keys resources by name: a name two types share gets its type.
  const shared = new Set(names.filter((n, k) => names.indexOf(n) !== k));
  const label = (type: string, name: string) => (shared.has(name) ? `${type}::${name}` : name);
  const priced = [...groups.values()].map((items): Resource => {
    const { type, resource } = items[0]!;
    const costComponents = items.map(component);
    return {
      name: label(type, resource),
      resourceType: type,
      metadata: { pulumiType: type, afterFreeTierMonthlyUsd: decimal(items.reduce((s, i) => s + (i.afterFreeTierUsd ?? i.monthlyUsd), 0)), basis: items.map((i) => `${i.what}: ${i.basis}`) },
      hourlyCost: sumOf(costComponents.map((c) => c.hourlyCost)),
      monthlyCost: sumOf(costComponents.map((c) => c.monthlyCost)),
      monthlyUsageCost: sumOf(costComponents.filter((c) => c.usageBased).map((c) => c.monthlyCost)),
      costComponents,
    };
  });
  const unpriced = e.unpriced.map(
    (u): Resource => ({
      name: label(u.type, u.resource),
      resourceType: u.type,
      metadata: { pulumiType: u.type, notPriced: u.reason },
      hourlyCost: null,
      monthlyCost: null,
      costComponents: [{ name: `Not priced: ${u.reason}`, unit: "months", hourlyQuantity: null, monthlyQuantity: null, price: "0", hourlyCost: null, monthlyCost: null, priceNotFound: true }],
    }),
  );
  // Infracost sorts by name.
  return [...priced, ...unpriced].sort((a, b) => a.name.localeCompare(b.name));
}

function breakdownOf(resources: Resource[]): Breakdown {
  return {
    resources,
    totalHourlyCost: sumOf(resources.map((r) => r.hourlyCost)),
    totalMonthlyCost: sumOf(resources.map((r) => r.monthlyCost)),
    totalMonthlyUsageCost: sumOf(resources.map((r) => r.monthlyUsageCost)),
  };
}

const minus = (a: string | null | undefined, b: string | null | undefined): string | null => (a == null && b == null ? null : decimal(Number(a ?? 0) - Number(b ?? 0)));

/** Infracost's diff (internal/schema/diff.go): per resource by name, per component by name. */
function diffOf(past: Resource[], current: Resource[]): Resource[] {
  const pastByName = new Map(past.map((r) => [r.name, r]));
  const currentByName = new Map(current.map((r) => [r.name, r]));
  const out: Resource[] = [];
  for (const name of new Set([...pastByName.keys(), ...currentByName.keys()])) {
    const p = pastByName.get(name);
    const c = currentByName.get(name);
    const base = (c ?? p)!;
    const comps: CostComponent[] = [];
    const pastComps = new Map((p?.costComponents ?? []).map((x) => [x.name, x]));
    const currentComps = new Map((c?.costComponents ?? []).map((x) => [x.name, x]));
    for (const compName of new Set([...pastComps.keys(), ...currentComps.keys()])) {
      const pc = pastComps.get(compName);
      const cc = currentComps.get(compName);
      const d: CostComponent = {
        name: compName,
        unit: (cc ?? pc)!.unit,
        hourlyQuantity: minus(cc?.hourlyQuantity, pc?.hourlyQuantity),
        monthlyQuantity: minus(cc?.monthlyQuantity, pc?.monthlyQuantity),
        price: (cc ?? pc)!.price,
        hourlyCost: minus(cc?.hourlyCost, pc?.hourlyCost),
        monthlyCost: minus(cc?.monthlyCost, pc?.monthlyCost),
        priceNotFound: (cc ?? pc)!.priceNotFound,
      };
      if ((cc ?? pc)!.usageBased) d.usageBased = true;
      const changed = !pc || !cc || d.monthlyCost !== "0" || d.monthlyQuantity !== "0" || pc.price !== cc.price;
      if (changed) comps.push(d);
    }
    if (!comps.length) continue;
    out.push({
      name,
      resourceType: base.resourceType,
      metadata: base.metadata,
      hourlyCost: minus(c?.hourlyCost, p?.hourlyCost),
      monthlyCost: minus(c?.monthlyCost, p?.monthlyCost),
      monthlyUsageCost: minus(c?.monthlyUsageCost, p?.monthlyUsageCost),
      costComponents: comps,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export interface VcsMetadata {
  branch: string;
  commitSha: string;
  authorName: string;
  authorEmail: string;
  /** ISO 8601; Go's zero time when unknown, as Infracost writes it. */
  commitTimestamp: string;
  commitMessage: string;
}

export const NO_VCS: VcsMetadata = { branch: "", commitSha: "", authorName: "", authorEmail: "", commitTimestamp: "0001-01-01T00:00:00Z", commitMessage: "" };

/** The program directory's git commit, as Infracost records it; empty outside a repository. */
export function readGitMetadata(dir: string): VcsMetadata {
  const git = (...args: string[]) => spawnSync("git", ["-C", dir, ...args], { encoding: "utf8" });
  const log = git("log", "-1", "--format=%H%x00%an%x00%ae%x00%cI%x00%s");
  if (log.status !== 0 || !log.stdout) return NO_VCS;
  const [commitSha = "", authorName = "", authorEmail = "", commitTimestamp = NO_VCS.commitTimestamp, commitMessage = ""] = log.stdout.trim().split("\0");
  const branch = git("rev-parse", "--abbrev-ref", "HEAD");
  return { branch: branch.status === 0 ? branch.stdout.trim() : "", commitSha, authorName, authorEmail, commitTimestamp, commitMessage };
}

export interface InfracostOptions {
  project: string;
  stack: string;
  /** The program's path as the user gave it (Infracost's project path). */
  path: string;
  estimate: Estimate;
  /** A base plan's estimate (--compare): the past breakdown. */
  base?: Estimate;
  vcs: VcsMetadata;
  now: Date;
  /** Notes shown as project warnings (assumptions, unanswered lookups). */
  warnings?: string[];
}

export function toInfracost(o: InfracostOptions): Record<string, unknown> {
  const current = resourcesOf(o.estimate);
  const past = o.base ? resourcesOf(o.base) : [];
  const breakdown = breakdownOf(current);
  const pastBreakdown = breakdownOf(past);
  const diff = o.base ? breakdownOf(diffOf(past, current)) : breakdownOf(current);
  const pricedResources = new Set(o.estimate.lineItems.map((i) => costKey(i.type, i.resource))).size;
  const unsupportedResourceCounts: Record<string, number> = {};
  for (const u of o.estimate.unpriced) unsupportedResourceCounts[u.type] = (unsupportedResourceCounts[u.type] ?? 0) + 1;
  const summary = {
    totalDetectedResources: pricedResources + o.estimate.freeResources + o.estimate.unpriced.length,
    totalSupportedResources: pricedResources + o.estimate.freeResources,
    totalUnsupportedResources: o.estimate.unpriced.length,
    totalUsageBasedResources: current.filter((r) => r.costComponents.some((c) => c.usageBased)).length,
    totalNoPriceResources: o.estimate.freeResources,
    unsupportedResourceCounts,
  };
  const warnings = [...o.estimate.notes, ...(o.warnings ?? [])].map((message) => ({ code: 0, message, data: {}, isError: false }));
  return {
    version: "0.2",
    metadata: {
      infracostCommand: o.base ? "diff" : "breakdown",
      vcsBranch: o.vcs.branch,
      vcsCommitSha: o.vcs.commitSha,
      vcsCommitAuthorName: o.vcs.authorName,
      vcsCommitAuthorEmail: o.vcs.authorEmail,
      vcsCommitTimestamp: o.vcs.commitTimestamp,
      vcsCommitMessage: o.vcs.commitMessage,
    },
    currency: "USD",
    projects: [
      {
        name: `${o.project}/${o.stack}`,
        displayName: `${o.project} (stack ${o.stack})`,
        metadata: { path: o.path, type: "pulumi_program", ...(warnings.length ? { warnings } : {}) },
        pastBreakdown,
        breakdown,
        diff,
        summary,
      },
    ],
    totalHourlyCost: breakdown.totalHourlyCost,
    totalMonthlyCost: breakdown.totalMonthlyCost,
    totalMonthlyUsageCost: breakdown.totalMonthlyUsageCost,
    pastTotalHourlyCost: pastBreakdown.totalHourlyCost,
    pastTotalMonthlyCost: pastBreakdown.totalMonthlyCost,
    pastTotalMonthlyUsageCost: pastBreakdown.totalMonthlyUsageCost,
    diffTotalHourlyCost: diff.totalHourlyCost,
    diffTotalMonthlyCost: diff.totalMonthlyCost,
    diffTotalMonthlyUsageCost: diff.totalMonthlyUsageCost,
    timeGenerated: o.now.toISOString(),
    summary,
  };
}
