/**
 * The stack's estimated monthly cost stays under a cap: priced by the shared
 * estimator (runtime/pricing) from every resource's inputs; the violation lists the biggest
 * items and what could not be priced.
 *
 * A resource the estimator cannot price is never counted as free: the total is then only a
 * lower bound ("≥ $X"), so the rule cannot report the stack within its cap. `unpriced: "warn"`
 * (the default) reports that as an advisory finding; `unpriced: "fail"` at the rule's level.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { estimateStack, topItems, usd, type Estimate, type ResourceToPrice, type UsageAssumptions } from "../../runtime/pricing/estimate";
import { asObject, withDefaults, type Props } from "./common";

export interface StackCostCapConfig {
  /** Cap on the estimate after AWS's always-free allowances, $/month. */
  maxMonthlyUsd: number;
  /** Optional cap on the list-price estimate, $/month. */
  maxListMonthlyUsd?: number;
  /** Region to price in when no AWS provider says (default us-east-1). */
  region?: string;
  /** How many items the violation lists. */
  topItems: number;
  /** Overrides of the estimator's usage assumptions (see runtime/pricing/usage.ts). */
  usage?: Partial<UsageAssumptions>;
  /** What an unpriced resource does while the priced total is within the cap: an advisory finding, or a violation at the rule's level. */
  unpriced: "warn" | "fail";
}

export const COST_CAP_DEFAULTS: StackCostCapConfig = { maxMonthlyUsd: 1, topItems: 5, unpriced: "warn" };

/** Props without the unknown-checking proxy: unknown values (at preview) become undefined. */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return Array.from({ length: value.length }, (_, i) => readSafely(value, i));
  const out: Props = {};
  for (const key of Object.keys(value)) out[key] = readSafely(value as Props, key);
  return out;
}
function readSafely(container: Props | unknown[], key: string | number): unknown {
  try {
    return plain((container as Props)[key]);
  } catch {
    return undefined; // an unknown value: the estimator then uses its assumption for it
  }
}

function regionOf(resources: PolicyResource[], configured?: string): string {
  if (configured) return configured;
  for (const r of resources) {
    const region = r.type === "pulumi:providers:aws" ? readSafely(r.props, "region") : readSafely(asObject(r.provider?.props), "region");
    if (typeof region === "string" && region) return region;
  }
  return "us-east-1";
}

export function estimateOfStack(resources: PolicyResource[], cfg: Pick<StackCostCapConfig, "region" | "usage">): Estimate {
  const toPrice: ResourceToPrice[] = resources.map((r) => {
    const props = plain(r.props) as Props;
    // Property dependencies link what an unknown ARN or id (at a first preview) cannot.
    const dependsOn = Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, deps]) => [k, deps.map((d) => d.urn)]));
    return { type: r.type, name: r.name, inputs: props, state: props, key: r.urn, parent: r.parent?.urn, dependsOn };
  });
  return estimateStack(toPrice, { region: regionOf(resources, cfg.region), usage: cfg.usage });
}

export const stackCostCap: StackValidationPolicy = {
  name: "stack-cost-cap",
  description: "The stack's estimated monthly cost (after AWS's always-free allowances, and optionally at list price) stays under the cap.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      maxMonthlyUsd: { type: "number", default: COST_CAP_DEFAULTS.maxMonthlyUsd, description: "Cap on the estimate after the always-free allowances, $/month" },
      maxListMonthlyUsd: { type: "number", description: "Cap on the estimate at list prices, $/month (unset: no list cap)" },
      region: { type: "string", description: "Region to price in when the AWS provider does not say" },
      topItems: { type: "integer", default: COST_CAP_DEFAULTS.topItems, description: "How many of the biggest items a violation lists" },
      usage: { type: "object", description: "Overrides of the estimator's usage assumptions" },
      unpriced: {
        type: "string",
        enum: ["warn", "fail"],
        default: COST_CAP_DEFAULTS.unpriced,
        description: "Resources the estimator cannot price leave the total a lower bound: warn (an advisory finding) or fail (a violation at this rule's level)",
      },
    },
  },
  validateStack: (args, report) => {
    const cfg = withDefaults(COST_CAP_DEFAULTS, args.getConfig<Partial<StackCostCapConfig>>());
    const e = estimateOfStack(args.resources, cfg);
    const over: string[] = [];
    if (e.afterFreeTierMonthlyUsd > cfg.maxMonthlyUsd) over.push(`${usd(e.afterFreeTierMonthlyUsd)}/month after the free tier exceeds the cap of ${usd(cfg.maxMonthlyUsd)}`);
    if (cfg.maxListMonthlyUsd !== undefined && e.listMonthlyUsd > cfg.maxListMonthlyUsd) over.push(`${usd(e.listMonthlyUsd)}/month at list price exceeds the cap of ${usd(cfg.maxListMonthlyUsd)}`);
    const unpricedList = e.unpriced.map((u) => `${u.resource} (${u.type})`).join(", ");
    const n = e.unpriced.length;
    if (!over.length) {
      if (!n) return;
      const message =
        `Estimated stack cost ≥ ${usd(e.afterFreeTierMonthlyUsd)}/month after the free tier (cap ${usd(cfg.maxMonthlyUsd)}): ${n} resource${n === 1 ? "" : "s"} could not be priced: ${unpricedList}. ` +
        `The cap cannot be confirmed until they are priced: declare their usage in a costguard:estimate tag, or remove them${cfg.unpriced === "fail" ? "" : "; set stack-cost-cap.unpriced to \"fail\" to block instead of warn"}.`;
      // An object with its own level: the analyzer honours it (a warning stays advisory whatever the rule's level).
      report(cfg.unpriced === "fail" ? message : ({ message, enforcementLevel: "advisory" } as unknown as string));
      return;
    }
    const items = topItems(e, cfg.topItems)
      .filter((t) => t.afterFreeTierUsd > 0 || t.monthlyUsd >= 0.01)
      .map((t) => `${t.resource} (${t.type}): ${usd(t.afterFreeTierUsd)} after free tier, ${usd(t.monthlyUsd)} list — ${t.what}`);
    const unpriced = n ? ` ${n} resource${n === 1 ? "" : "s"} could not be priced (the total is a lower bound): ${unpricedList}.` : "";
    report(`Estimated stack cost ${over.join("; ")}. Biggest items: ${items.join("; ")}.${unpriced} Remove or shrink them, or raise stack-cost-cap.maxMonthlyUsd for this stack.`);
  },
};
