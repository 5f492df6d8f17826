/**
 * `plan --compare BASE.json`: what a change costs. The base is an earlier `plan --json` (its
 * `estimate`); resources are matched by type and logical name (what the estimate's line items
 * carry; a rename shows as one removed and one added), and the monthly list cost of each
 * added, removed or changed resource is shown with the difference, then the totals' difference.
 */
import * as fs from "node:fs";
import { usd, type Estimate } from "../../runtime/pricing/estimate";

/** A --compare file that is not a plan JSON: reported like a config error (exit 2, one line). */
export class CompareFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export interface BasePlan {
  file: string;
  project?: string;
  stack?: string;
  estimate: Estimate;
}

const HOW = "write it with `npm run -s plan -- --json > base.json` on the base branch";

/** Reads and checks a `plan --json` file, before anything is planned (a bad file fails fast). */
export function readBasePlan(file: string): BasePlan {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new CompareFileError(`--compare ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${HOW}`);
  }
  // `npm run plan` without -s writes its banner ("> costguard@… plan", "> tsx …") before the JSON.
  text = text.replace(/^(\s*\n|> [^\n]*\n)+(?=\s*\{)/, "");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CompareFileError(`--compare ${file} is not JSON (${(err as Error).message}); ${HOW}`);
  }
  const d = doc as { project?: unknown; stack?: unknown; estimate?: Partial<Estimate> } | null;
  const e = d && typeof d === "object" ? d.estimate : undefined;
  if (!e || typeof e !== "object" || !Array.isArray(e.lineItems) || typeof e.listMonthlyUsd !== "number" || typeof e.afterFreeTierMonthlyUsd !== "number") {
    const what = d && typeof d === "object" && "projects" in d ? "an Infracost JSON, not a plan JSON" : 'not a plan JSON (no "estimate" with line items and totals)';
    throw new CompareFileError(`--compare ${file} is ${what}; ${HOW}`);
  }
  const bad = e.lineItems.findIndex((i) => !i || typeof i.resource !== "string" || typeof i.type !== "string" || typeof i.monthlyUsd !== "number");
  if (bad >= 0) throw new CompareFileError(`--compare ${file}: estimate.lineItems[${bad}] has no resource, type and monthlyUsd; ${HOW}`);
  return { file, project: typeof d!.project === "string" ? d!.project : undefined, stack: typeof d!.stack === "string" ? d!.stack : undefined, estimate: { unpriced: [], notes: [], freeTier: [], freeResources: 0, ...e } as Estimate };
}

export interface ResourceCost {
  type: string;
  name: string;
  monthlyUsd: number;
  afterFreeTierUsd: number;
  what: string[];
}

export const costKey = (type: string, name: string) => `${type}::${name}`;

/** The estimate's line items summed per resource. */
export function costsByResource(e: Estimate): Map<string, ResourceCost> {
  const out = new Map<string, ResourceCost>();
  for (const i of e.lineItems) {
    const key = costKey(i.type, i.resource);
    const r = out.get(key) ?? { type: i.type, name: i.resource, monthlyUsd: 0, afterFreeTierUsd: 0, what: [] };
    r.monthlyUsd += i.monthlyUsd;
    r.afterFreeTierUsd += i.afterFreeTierUsd ?? i.monthlyUsd;
    r.what.push(i.what);
    out.set(key, r);
  }
  return out;
}

export interface CostChange {
  change: "added" | "removed" | "changed";
  type: string;
  name: string;
  /** What is billed, before and after ("t3.micro on-demand + root volume"). */
  baseWhat?: string;
  planWhat?: string;
  baseMonthlyUsd: number;
  planMonthlyUsd: number;
  deltaMonthlyUsd: number;
}

export interface Comparison {
  base: { file: string; project?: string; stack?: string; listMonthlyUsd: number; afterFreeTierMonthlyUsd: number };
  plan: { listMonthlyUsd: number; afterFreeTierMonthlyUsd: number };
  deltaListMonthlyUsd: number;
  deltaAfterFreeTierMonthlyUsd: number;
  /** Most expensive change first. */
  changes: CostChange[];
  unchanged: number;
  /** Resources unpriced in the plan but not in the base: their cost is not in the difference. */
  newlyUnpriced: { resource: string; type: string; reason: string }[];
  notes: string[];
}

/** Below a hundredth of a cent a month, a difference is float noise, not a change. */
const EPSILON = 0.0001;

export function compareEstimates(base: BasePlan, plan: Estimate): Comparison {
  const before = costsByResource(base.estimate);
  const after = costsByResource(plan);
  const changes: CostChange[] = [];
  let unchanged = 0;
  for (const [key, b] of before) {
    const a = after.get(key);
    const bWhat = b.what.join(" + ");
    if (!a) changes.push({ change: "removed", type: b.type, name: b.name, baseWhat: bWhat, baseMonthlyUsd: b.monthlyUsd, planMonthlyUsd: 0, deltaMonthlyUsd: -b.monthlyUsd });
    else if (Math.abs(a.monthlyUsd - b.monthlyUsd) >= EPSILON || a.what.join(" + ") !== bWhat) {
      changes.push({ change: "changed", type: b.type, name: b.name, baseWhat: bWhat, planWhat: a.what.join(" + "), baseMonthlyUsd: b.monthlyUsd, planMonthlyUsd: a.monthlyUsd, deltaMonthlyUsd: a.monthlyUsd - b.monthlyUsd });
    } else unchanged++;
  }
  for (const [key, a] of after) {
    if (!before.has(key)) changes.push({ change: "added", type: a.type, name: a.name, planWhat: a.what.join(" + "), baseMonthlyUsd: 0, planMonthlyUsd: a.monthlyUsd, deltaMonthlyUsd: a.monthlyUsd });
  }
  changes.sort((x, y) => Math.abs(y.deltaMonthlyUsd) - Math.abs(x.deltaMonthlyUsd) || x.name.localeCompare(y.name));
  const wasUnpriced = new Set(base.estimate.unpriced.map((u) => costKey(u.type, u.resource)));
  const notes: string[] = [];
  if (base.estimate.region && base.estimate.region !== plan.region) notes.push(`the base was priced in ${base.estimate.region}, this plan in ${plan.region}`);
  if (base.estimate.priceDate && base.estimate.priceDate !== plan.priceDate) notes.push(`the base used prices recorded ${base.estimate.priceDate}, this plan ${plan.priceDate}: part of the difference may be price changes`);
  return {
    base: { file: base.file, project: base.project, stack: base.stack, listMonthlyUsd: base.estimate.listMonthlyUsd, afterFreeTierMonthlyUsd: base.estimate.afterFreeTierMonthlyUsd },
    plan: { listMonthlyUsd: plan.listMonthlyUsd, afterFreeTierMonthlyUsd: plan.afterFreeTierMonthlyUsd },
    deltaListMonthlyUsd: plan.listMonthlyUsd - base.estimate.listMonthlyUsd,
    deltaAfterFreeTierMonthlyUsd: plan.afterFreeTierMonthlyUsd - base.estimate.afterFreeTierMonthlyUsd,
    changes,
    unchanged,
    newlyUnpriced: plan.unpriced.filter((u) => !wasUnpriced.has(costKey(u.type, u.resource))),
    notes,
  };
}

const signed = (v: number) => (Math.abs(v) < EPSILON / 2 ? "$0.00" : `${v > 0 ? "+" : "−"}${usd(Math.abs(v))}`);

/** The text section: one line per changed resource, then the totals' difference. */
export function comparisonSection(c: Comparison): string {
  const label = [c.base.project, c.base.stack && `stack ${c.base.stack}`].filter(Boolean).join(", ");
  const lines = [`Monthly cost change against ${c.base.file}${label ? ` (${label})` : ""}, list prices:`];
  if (!c.changes.length) lines.push("  No resource's monthly cost changed.");
  const w = Math.min(40, Math.max(8, ...c.changes.map((x) => x.name.length)));
  const mark = { added: "+", removed: "-", changed: "~" } as const;
  for (const x of c.changes) {
    const what = x.change === "changed" ? (x.baseWhat === x.planWhat ? x.planWhat : `${x.baseWhat} → ${x.planWhat}`) : (x.planWhat ?? x.baseWhat);
    const costs = x.change === "added" ? usd(x.planMonthlyUsd) : x.change === "removed" ? `${usd(x.baseMonthlyUsd)} → $0` : `${usd(x.baseMonthlyUsd)} → ${usd(x.planMonthlyUsd)}`;
    lines.push(`  ${mark[x.change]} ${x.name.padEnd(w)}  ${x.change.padEnd(7)}  ${signed(x.deltaMonthlyUsd).padStart(10)}  (${costs})  ${what}`);
  }
  if (c.unchanged) lines.push(`  ${c.unchanged} priced resource${c.unchanged === 1 ? "" : "s"} unchanged.`);
  lines.push(`  TOTAL ${signed(c.deltaListMonthlyUsd)} per month at list prices (${usd(c.base.listMonthlyUsd)} → ${usd(c.plan.listMonthlyUsd)}), ${signed(c.deltaAfterFreeTierMonthlyUsd)} after the free tier (${usd(c.base.afterFreeTierMonthlyUsd)} → ${usd(c.plan.afterFreeTierMonthlyUsd)})`);
  for (const u of c.newlyUnpriced) lines.push(`  ! ${u.resource} (${u.type}) is not priced, so its cost is not in the difference: ${u.reason}`);
  for (const n of c.notes) lines.push(`  Note: ${n}`);
  return lines.join("\n");
}
