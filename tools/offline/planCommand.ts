/**
 * The offline plan's command (tools/plan.ts is the CLI around it): parses the arguments, runs the
 * program, analyses it and writes the plan in the asked format to `io`, and answers the exit code.
 * Tests that read what a plan says run it here, in their own process (programs run one after
 * another, each in a Pulumi state store of its own: runProgram.ts); the tests of the CLI itself
 * (exit codes, a crash, an ES module program) start it as a process.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { expandedTreeNodes } from "./expand";
import { policies } from "../../policy/policies";
import type { Estimate } from "../../runtime/pricing/estimate";
import { analyzeRun, policyConfigFile, type Analysis } from "./analysis";
import { compareEstimates, comparisonSection, readBasePlan, type BasePlan } from "./compare";
import { displayWire } from "./engine";
import { readGitMetadata, toInfracost } from "./infracost";
import { loadPolicyConfig } from "./policyConfig";
import { describeProgramFailure, isPulumiConfigError, pulumiConfigErrorLine } from "./programError";
import { resourceKey, runProgram, type ProgramRun } from "./runProgram";

const USAGE = "usage: npm run plan -- [--stack <name>] [--program <dir>] [--json | --format text|json|infracost] [--compare <base plan.json>]";
const FORMATS = ["text", "json", "infracost"] as const;

interface Node {
  key: string;
  type: string;
  name: string;
  children: Node[];
}

function buildTree(run: ProgramRun, analysis: Analysis): Node[] {
  const nodes = new Map<string, Node>();
  for (const r of run.resources) {
    const key = resourceKey(r.type, r.name);
    nodes.set(key, { key, type: r.type, name: r.name, children: [] });
  }
  // The children remote components create, expanded by rule (the mocks cannot show them).
  const expanded = new Map(expandedTreeNodes(analysis.engine, analysis.expanded).map((x) => [x.key, x]));
  for (const x of expanded.values()) nodes.set(x.key, { key: x.key, type: x.type, name: x.name, children: [] });
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parentKey = expanded.get(node.key)?.parentKey ?? run.parents.get(node.key);
    const parent = parentKey ? nodes.get(parentKey) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

function countAll(node: Node): number {
  return node.children.reduce((n, c) => n + 1 + countAll(c), 0);
}

function printTree(io: PlanIo, nodes: Node[], indent = ""): void {
  for (const node of nodes) {
    const isComponent = node.children.length > 0;
    const count = isComponent ? `  (${countAll(node)} resources)` : "";
    io.out(`${indent}${isComponent ? "▸" : "·"} ${node.type}  ${node.name}${count}`);
    // Summarise long lists of identical leaf types so the tree stays readable.
    const leaves = node.children.filter((c) => c.children.length === 0);
    const comps = node.children.filter((c) => c.children.length > 0);
    printTree(io, comps, indent + "    ");
    printTree(io, leaves, indent + "    ");
  }
}

function summaryByType(run: ProgramRun): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of run.resources) if (r.custom && !r.type.startsWith("pulumi:providers:")) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function unansweredSection(run: ProgramRun): string | undefined {
  if (!run.unansweredInvokes.length) return undefined;
  return [
    "Lookups the offline plan could not answer (answered with their own arguments, so what the program built from them is a placeholder):",
    ...run.unansweredInvokes.map((u) => `  ${u.token} (${u.calls} call${u.calls === 1 ? "" : "s"})`),
  ].join("\n");
}

const TOOLS_DIR = path.join(__dirname, "..");
const REPO_ROOT = path.join(TOOLS_DIR, "..");

/** Where the plan writes: the console for the CLI, buffers in tests. */
export interface PlanIo {
  out(text: string): void;
  err(text: string): void;
}

/** The state of one plan: once its program has started, an unhandled rejection or exception is the program's failure (a timer it set, a promise it left). */
export interface PlanState {
  programDir?: string;
}

/** How a failure of the program (or of its config) is reported, and the exit code it gives. */
export function reportProgramFailure(err: unknown, io: PlanIo, state: PlanState): number {
  if (isConfigError(err)) {
    io.err((err as Error).message);
    return 2;
  }
  if (isPulumiConfigError(err)) {
    io.err(pulumiConfigErrorLine(err));
    return 2;
  }
  io.err(describeProgramFailure(err, state.programDir ?? REPO_ROOT, TOOLS_DIR));
  return 3;
}

/** The plan CLI (tools/plan.ts) on `argv`: writes to `io` and answers the exit code. */
export async function planCommand(argv: string[], io: PlanIo, state: PlanState = {}): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        stack: { type: "string", default: "dev" },
        program: { type: "string" },
        json: { type: "boolean", default: false },
        format: { type: "string" },
        compare: { type: "string" },
        help: { type: "boolean", default: false },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 64;
  }
  if (args.values.help) {
    io.out(USAGE);
    return 0;
  }
  const format = args.values.format ?? (args.values.json ? "json" : "text");
  if (!(FORMATS as readonly string[]).includes(format) || (args.values.json && format !== "json")) {
    io.err(`--format must be one of ${FORMATS.join(", ")} (got "${format}"${args.values.json ? " with --json" : ""})\n${USAGE}`);
    return 64;
  }
  const stack = args.values.stack!;
  const programDir = args.values.program ? path.resolve(args.values.program) : undefined;
  const started = Date.now();

  let run: ProgramRun;
  let base: BasePlan | undefined;
  try {
    // Input files are checked before the program runs, as the engine checks the policy config.
    if (args.values.compare) base = readBasePlan(args.values.compare);
    const policyFile = policyConfigFile(programDir ?? REPO_ROOT, stack);
    if (policyFile) loadPolicyConfig(policyFile, policies);
    state.programDir = programDir ?? REPO_ROOT;
    // As a first `pulumi preview` sees it: what AWS computes on create is unknown.
    run = await runProgram({ programDir, stack, firstPreview: true, onNote: (n) => io.err(`note: ${n}`) });
  } catch (err) {
    return reportProgramFailure(err, io, state);
  }
  const analysis: Analysis = await analyzeRun(run, { programDir });
  const estimate = analysis.json.estimate as Estimate;
  const comparison = base ? compareEstimates(base, estimate) : undefined;
  const custom = run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
  const stackOutputs = run.engine.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs;

  if (format === "infracost") {
    const doc = toInfracost({
      project: run.project,
      stack: run.stack,
      path: args.values.program ?? ".",
      estimate,
      base: base?.estimate,
      vcs: readGitMetadata(programDir ?? REPO_ROOT),
      now: new Date(),
      warnings: [...run.notes, ...run.unansweredInvokes.map((u) => `the offline plan could not answer the lookup ${u.token} (${u.calls}×): values built from it are placeholders`)],
    });
    io.out(JSON.stringify(doc, null, 2));
  } else if (format === "json") {
    const engineByUrn = new Map(run.engine.map((r) => [r.urn, r]));
    io.out(
      JSON.stringify(
        {
          project: run.project,
          stack: run.stack,
          region: run.region,
          resourceCount: custom.length,
          byType: Object.fromEntries(summaryByType(run)),
          // Inputs as `pulumi preview --json` shows them: secrets "[secret]", unknowns the engine's sentinel.
          resources: run.resources.map((r) => {
            const inputs = r.urn ? engineByUrn.get(r.urn)?.inputs : undefined;
            return { type: r.type, name: r.name, urn: r.urn, parent: run.parents.get(resourceKey(r.type, r.name)), inputs: inputs ? displayWire(inputs) : {} };
          }),
          outputs: stackOutputs ? displayWire(stackOutputs) : {},
          notes: run.notes,
          unansweredInvokes: run.unansweredInvokes,
          ...analysis.json,
          ...(comparison ? { comparison } : {}),
        },
        null,
        2,
      ),
    );
  } else {
    const byRule = analysis.engine.filter((r) => r.custom && analysis.expanded.has(r.urn)).length;
    io.out(`Offline plan of ${run.project} (stack ${run.stack}, ${run.region}): ${custom.length} resources to create${byRule ? ` (+ ${byRule} that remote components create, expanded by rule)` : ""}\n`);
    printTree(io, buildTree(run, analysis));
    io.out("\nBy type:");
    for (const [type, n] of summaryByType(run)) io.out(`  ${String(n).padStart(4)}  ${type}`);
    const outputNames = Object.keys(stackOutputs ?? {});
    if (outputNames.length) io.out(`\nOutputs: ${outputNames.join(", ")}`);
    const unanswered = unansweredSection(run);
    if (unanswered) io.out(`\n${unanswered}`);
    for (const section of analysis.sections) io.out(`\n${section}`);
    if (comparison) io.out(`\n${comparisonSection(comparison)}`);
    io.out(`\nPlanned in ${((Date.now() - started) / 1000).toFixed(1)} s, offline (mocked provider; nothing was deployed).`);
  }
  return analysis.mandatoryViolations > 0 ? 1 : 0;
}

/** Config errors (stack config, stack or project file, policy config, --compare file) carry one line per problem. */
export function isConfigError(err: unknown): boolean {
  return err instanceof Error && err.name === "ConfigError";
}

