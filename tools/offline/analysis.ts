/**
 * The plan's analysis seam: what is said about a planned program beyond its resources.
 * The policy pack (results per rule) and the cost estimator (monthly table) plug in here.
 *
 * Policy config: `<program>/policy/config.<stack>.json` when present (costguard's own stacks
 * have theirs), else every rule's defaults.
 *
 * Both see the program's resources with its remote components expanded by rule (expand.ts): the
 * children awsx, eks and aws-apigateway create under a real preview, marked as expanded.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { PolicyProviderResource } from "@pulumi/policy";
import { policies, POLICY_PACK_NAME, stackCostCap } from "../../policy/policies";
import { estimateStack, topItems, usd, type Estimate } from "../../runtime/pricing/estimate";
import { knownValues, type EngineResource } from "./engine";
import { expandComponents, type ExpandedInfo } from "./expand";
import { loadStackConfig, type ProgramRun } from "./runProgram";
import { effectivePolicyConfig, readPackConfig, runPolicies, type PackConfigFile, type PolicyRunResult, type RunnerResource } from "./policyRunner";

export interface Analysis {
  /** Text sections printed after the resource tree. */
  sections: string[];
  /** Extra fields of the --json output. */
  json: Record<string, unknown>;
  /** Mandatory policy violations: a non-zero count fails the plan. */
  mandatoryViolations: number;
  /** What the engine would hand the analyzer, remote components' children expanded by rule. */
  engine: EngineResource[];
  /** URN of each resource expanded by rule → its component. */
  expanded: Map<string, ExpandedInfo>;
}

const REPO_ROOT = path.join(__dirname, "..", "..");
/** Line items shown in the cost table; the rest are summed in one line. */
const TABLE_ROWS = 15;

/** The program's resources as the engine hands them to the analyzer (engine.ts), each with its provider. */
export function runnerResources(engine: EngineResource[]): RunnerResource[] {
  const byUrn = new Map(engine.map((r) => [r.urn, r]));
  return engine.map((r) => {
    const p = r.provider ? byUrn.get(r.provider) : undefined;
    // The engine passes the provider's inputs as its props.
    const provider: PolicyProviderResource | undefined = p && { type: p.type, name: p.name, urn: p.urn, props: p.inputs };
    return { type: r.type, name: r.name, urn: r.urn, inputs: r.inputs, state: r.outputs, provider, parent: r.parent, dependencies: r.dependencies, propertyDependencies: r.propertyDependencies };
  });
}

export function policyConfigFile(programDir: string, stack: string): string | undefined {
  const file = path.join(programDir, "policy", `config.${stack}.json`);
  return fs.existsSync(file) ? file : undefined;
}

function policySection(result: PolicyRunResult, configFile: string | undefined): string {
  const lines = [`Policy pack "${POLICY_PACK_NAME}" (${configFile ? `config ${path.relative(process.cwd(), configFile)}` : "default config"}):`];
  for (const o of result.outcomes) {
    const real = o.violations.filter((v) => !v.message.startsWith("can't run "));
    const mark = o.level === "disabled" ? "-" : real.length === 0 ? "✔" : real.some((v) => v.level === "mandatory") ? "✖" : "⚠";
    const status = o.level === "disabled" ? "disabled" : real.length ? `${real.length} violation${real.length > 1 ? "s" : ""}` : "pass";
    lines.push(`  ${mark} ${o.name.padEnd(28)} ${o.level.padEnd(10)} ${status}`);
    for (const v of real) lines.push(`      ${v.level === "mandatory" ? "✖" : "⚠"} [${v.level}] ${v.message}`);
    // The same "can't run during preview" reason on many resources is one line naming them.
    const cantRun = new Map<string, string[]>();
    for (const v of o.violations.filter((x) => !real.includes(x))) cantRun.set(v.message, [...(cantRun.get(v.message) ?? []), v.resource?.split("::").pop() ?? "the stack"]);
    for (const [message, names] of cantRun) {
      const which = names.length === 1 ? names[0] : `${names.length} resources: ${names.slice(0, 6).join(", ")}${names.length > 6 ? ", …" : ""}`;
      lines.push(`      ⚠ [advisory] ${message} (${which})`);
    }
  }
  for (const r of result.remediations) lines.push(`  ↻ ${r.policy} remediated ${r.resource}: ${r.changed.join(", ")}`);
  lines.push(
    result.mandatoryViolations
      ? `  ${result.mandatoryViolations} mandatory violation${result.mandatoryViolations > 1 ? "s" : ""}: the plan fails.`
      : "  No mandatory violations.",
  );
  return lines.join("\n");
}

/** "$X", or "≥ $X" when some resources could not be priced (the total is then a lower bound). */
const atLeast = (e: Estimate, v: number) => `${e.unpriced.length ? "≥ " : ""}${usd(v)}`;

function capsLine(e: Estimate, config: PackConfigFile): string | undefined {
  const { level, config: cap } = effectivePolicyConfig(stackCostCap, config);
  if (level === "disabled") return undefined;
  const n = e.unpriced.length;
  const check = (value: number, limit: unknown, what: string) => {
    if (typeof limit !== "number") return undefined;
    if (value > limit) return `${atLeast(e, value)} ${what} ✖ (over the cap of ${usd(limit)} by ${usd(value - limit)})`;
    // Within the cap only as far as it was priced: never "✔" while something is unpriced.
    return n ? `${atLeast(e, value)} ${what}, cap ${usd(limit)} not confirmed: ${n} resource${n === 1 ? "" : "s"} unpriced (${cap.unpriced === "fail" ? "fail" : "warn"})` : `${usd(limit)} ${what} ✔`;
  };
  const parts = [check(e.afterFreeTierMonthlyUsd, cap.maxMonthlyUsd, "after free tier"), check(e.listMonthlyUsd, cap.maxListMonthlyUsd, "list")].filter(Boolean);
  return parts.length ? `  Caps (stack-cost-cap, ${level}): ${parts.join(", ")}` : undefined;
}

function costSection(e: Estimate, config: PackConfigFile): string {
  const lines = [`Monthly cost estimate (${e.region}, list prices recorded ${e.priceDate}, 730 h/month):`];
  const mark = (i: { resource: string; expandedFrom?: string }) => (i.expandedFrom ? `${i.resource} †` : i.resource);
  const items = e.lineItems.filter((i) => !i.dependsOnUsage).sort((a, b) => b.afterFreeTierUsd - a.afterFreeTierUsd || b.monthlyUsd - a.monthlyUsd);
  const usageBased = e.lineItems.filter((i) => i.dependsOnUsage);
  const shown = items.slice(0, TABLE_ROWS);
  const w = Math.min(40, Math.max(8, ...[...shown, ...usageBased].map((i) => mark(i).length)));
  const ww = Math.min(34, Math.max(4, ...[...shown, ...usageBased].map((i) => i.what.length)));
  lines.push(`  ${"resource".padEnd(w)}  ${"what".padEnd(ww)}  ${"list".padStart(9)}  ${"after free".padStart(10)}  basis`);
  for (const i of shown) {
    lines.push(`  ${mark(i).slice(0, w).padEnd(w)}  ${i.what.slice(0, ww).padEnd(ww)}  ${usd(i.monthlyUsd).padStart(9)}  ${usd(i.afterFreeTierUsd).padStart(10)}  ${i.basis}`);
  }
  const rest = items.slice(TABLE_ROWS);
  if (rest.length) {
    const sum = (f: (x: (typeof rest)[number]) => number) => rest.reduce((s, x) => s + f(x), 0);
    lines.push(`  ${`… ${rest.length} more items`.padEnd(w + ww + 2)}  ${usd(sum((x) => x.monthlyUsd)).padStart(9)}  ${usd(sum((x) => x.afterFreeTierUsd)).padStart(10)}`);
  }
  lines.push(`  ${"TOTAL".padEnd(w + ww + 2)}  ${atLeast(e, e.listMonthlyUsd).padStart(9)}  ${atLeast(e, e.afterFreeTierMonthlyUsd).padStart(10)}  per month (list / after AWS's always-free allowances)${e.unpriced.length ? ": a lower bound, see Not priced" : ""}`);
  const caps = capsLine(e, config);
  if (caps) lines.push(caps);
  const top = topItems(e, 3).filter((t) => t.monthlyUsd > 0);
  if (top.length) lines.push(`  Biggest: ${top.map((t) => `${t.resource} ${usd(t.afterFreeTierUsd)} (${usd(t.monthlyUsd)} list)`).join(", ")}`);
  const free = e.freeTier.filter((f) => f.savedUsd > 0);
  if (free.length) lines.push(`  Free tier applied: ${free.map((f) => `${f.meter} ${formatQty(f.used)}/${formatQty(f.allowance)} (−${usd(f.savedUsd)})`).join(", ")}`);
  if (usageBased.length) {
    lines.push("  Depends on usage (not in the total):");
    for (const i of usageBased) lines.push(`    ${mark(i).slice(0, w).padEnd(w)}  ${i.what.slice(0, ww).padEnd(ww)}  ${i.dependsOnUsage}; ${i.basis}`);
  }
  lines.push(`  ${e.freeResources} resources cost nothing by themselves (IAM, rules, subscriptions, policies...).`);
  if (e.unpriced.length) {
    lines.push(`  Not priced (${e.unpriced.length}), so the total is a lower bound:`);
    for (const u of e.unpriced) lines.push(`    ${mark(u)} (${u.type}): ${u.reason}`);
  } else lines.push("  Every resource with a price was priced.");
  if (e.lineItems.some((i) => i.expandedFrom) || e.unpriced.some((u) => u.expandedFrom)) {
    lines.push("  † expanded by rule: a child a remote component (awsx, eks, aws-apigateway) creates from its inputs, which the mocks cannot show.");
  }
  for (const n of e.notes) lines.push(`  Note: ${n}`);
  lines.push("  Usage that inputs cannot say (invocations, log volume, requests) is assumed as shown in the basis; declare it with a costguard:estimate tag (runtime/pricing/usage.ts).");
  return lines.join("\n");
}

function formatQty(n: number): string {
  return n >= 1000 ? `${Math.round(n).toLocaleString("en-US")}` : String(Number(n.toPrecision(3)));
}

/** Stack config for the default AWS provider of expanded children; none when the program has no stack file here. */
function stackConfig(programDir: string, stack: string): Record<string, string> {
  try {
    return loadStackConfig(programDir, stack).values;
  } catch {
    return {};
  }
}

export async function analyzeRun(run: ProgramRun, opts: { programDir?: string }): Promise<Analysis> {
  const programDir = path.resolve(opts.programDir ?? REPO_ROOT);
  const configFile = policyConfigFile(programDir, run.stack);
  const config: PackConfigFile = configFile ? readPackConfig(configFile) : {};
  const expansion = expandComponents(run.engine, { stack: run.stack, project: run.project, region: run.region, config: stackConfig(programDir, run.stack), firstPreview: run.firstPreview });
  const policyResult = await runPolicies(runnerResources(expansion.engine), { policies, config, stack: run.stack, project: run.project });
  // Priced from what stack-cost-cap sees at the same preview: the outputs, secrets unwrapped,
  // unknown values left out.
  const estimate = estimateStack(
    expansion.engine
      .filter((r) => r.type !== "pulumi:pulumi:Stack" && !(r.type.startsWith("pulumi:providers:") && !r.parent))
      .map((r) => {
        const props = knownValues(r.outputs) as Record<string, unknown>;
        const from = expansion.expanded.get(r.urn)?.component;
        return { type: r.type, name: r.name, inputs: props, state: props, key: r.urn, parent: r.parent, dependsOn: r.propertyDependencies, ...(from ? { expandedFrom: from } : {}) };
      }),
    { region: run.region },
  );
  estimate.notes.push(...expansion.notes);
  return {
    sections: [policySection(policyResult, configFile), costSection(estimate, config)],
    json: {
      policies: {
        config: configFile ?? null,
        mandatoryViolations: policyResult.mandatoryViolations,
        results: policyResult.outcomes.map((o) => ({ name: o.name, level: o.level, violations: o.violations })),
        remediations: policyResult.remediations,
      },
      estimate,
      // What the plan added by rule: the children a real preview registers under each remote component.
      expanded: expansion.engine.filter((r) => expansion.expanded.has(r.urn)).map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent, component: expansion.expanded.get(r.urn)!.component })),
    },
    mandatoryViolations: policyResult.mandatoryViolations,
    engine: expansion.engine,
    expanded: expansion.expanded,
  };
}
