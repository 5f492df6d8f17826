/**
 * The offline plan: what `pulumi preview` would show, without the Pulumi CLI or AWS.
 *
 *   npm run plan                          the dev stack of this program
 *   npm run plan -- --stack prod          another stack
 *   npm run plan -- --json                machine-readable
 *   npm run plan -- --program <dir>       any Pulumi TypeScript program (its Pulumi.<stack>.yaml)
 *   npm run plan -- --format infracost    Infracost's JSON output format (infracost output/comment)
 *   npm run plan -- --compare base.json   the monthly cost difference against an earlier --json plan
 *
 * Exit codes: 0 ok, 1 mandatory policy violation, 2 config error (stack file, project file,
 * stack config values, policy config, a --compare file that is not a plan JSON), 3 the program
 * failed, 64 bad usage. A config error is printed one line per problem, never with a stack trace;
 * a program failure as its message and the program's own stack frames.
 */
import "./compileCache";
import "./requireNode";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { expandedTreeNodes } from "./offline/expand";
import { policies } from "../policy/policies";
import type { Estimate } from "../runtime/pricing/estimate";
import { analyzeRun, policyConfigFile, type Analysis } from "./offline/analysis";
import { compareEstimates, comparisonSection, readBasePlan, type BasePlan } from "./offline/compare";
import { displayWire } from "./offline/engine";
import { readGitMetadata, toInfracost } from "./offline/infracost";
import { loadPolicyConfig } from "./offline/policyConfig";
import { describeProgramFailure, isPulumiConfigError, pulumiConfigErrorLine } from "./offline/programError";
import { resourceKey, runProgram, type ProgramRun } from "./offline/runProgram";

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

function printTree(nodes: Node[], indent = ""): void {
  for (const node of nodes) {
    const isComponent = node.children.length > 0;
    const count = isComponent ? `  (${countAll(node)} resources)` : "";
    console.log(`${indent}${isComponent ? "▸" : "·"} ${node.type}  ${node.name}${count}`);
    // Summarise long lists of identical leaf types so the tree stays readable.
    const leaves = node.children.filter((c) => c.children.length === 0);
    const comps = node.children.filter((c) => c.children.length > 0);
    printTree(comps, indent + "    ");
    printTree(leaves, indent + "    ");
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

/** The program being planned: once it has started, an unhandled rejection or exception is its failure (a timer it set, a promise it left). */
let failingProgram: { dir: string } | undefined;
const TOOLS_DIR = __dirname;

function reportProgramFailure(err: unknown): number {
  if (isConfigError(err)) {
    console.error((err as Error).message);
    return 2;
  }
  if (isPulumiConfigError(err)) {
    console.error(pulumiConfigErrorLine(err));
    return 2;
  }
  console.error(describeProgramFailure(err, failingProgram?.dir ?? path.join(TOOLS_DIR, ".."), TOOLS_DIR));
  return 3;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
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
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 64;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  const format = args.values.format ?? (args.values.json ? "json" : "text");
  if (!(FORMATS as readonly string[]).includes(format) || (args.values.json && format !== "json")) {
    console.error(`--format must be one of ${FORMATS.join(", ")} (got "${format}"${args.values.json ? " with --json" : ""})\n${USAGE}`);
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
    const policyFile = policyConfigFile(programDir ?? path.join(__dirname, ".."), stack);
    if (policyFile) loadPolicyConfig(policyFile, policies);
    failingProgram = { dir: programDir ?? path.join(__dirname, "..") };
    // As a first `pulumi preview` sees it: what AWS computes on create is unknown.
    run = await runProgram({ programDir, stack, firstPreview: true, onNote: (n) => console.error(`note: ${n}`) });
  } catch (err) {
    return reportProgramFailure(err);
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
      vcs: readGitMetadata(programDir ?? path.join(__dirname, "..")),
      now: new Date(),
      warnings: [...run.notes, ...run.unansweredInvokes.map((u) => `the offline plan could not answer the lookup ${u.token} (${u.calls}×): values built from it are placeholders`)],
    });
    console.log(JSON.stringify(doc, null, 2));
  } else if (format === "json") {
    const engineByUrn = new Map(run.engine.map((r) => [r.urn, r]));
    console.log(
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
    console.log(`Offline plan of ${run.project} (stack ${run.stack}, ${run.region}): ${custom.length} resources to create${byRule ? ` (+ ${byRule} that remote components create, expanded by rule)` : ""}\n`);
    printTree(buildTree(run, analysis));
    console.log("\nBy type:");
    for (const [type, n] of summaryByType(run)) console.log(`  ${String(n).padStart(4)}  ${type}`);
    const outputNames = Object.keys(stackOutputs ?? {});
    if (outputNames.length) console.log(`\nOutputs: ${outputNames.join(", ")}`);
    const unanswered = unansweredSection(run);
    if (unanswered) console.log(`\n${unanswered}`);
    for (const section of analysis.sections) console.log(`\n${section}`);
    if (comparison) console.log(`\n${comparisonSection(comparison)}`);
    console.log(`\nPlanned in ${((Date.now() - started) / 1000).toFixed(1)} s, offline (mocked provider; nothing was deployed).`);
  }
  return analysis.mandatoryViolations > 0 ? 1 : 0;
}

/** Config errors (stack config, stack or project file, policy config, --compare file) carry one line per problem. */
function isConfigError(err: unknown): boolean {
  return err instanceof Error && err.name === "ConfigError";
}

// A program's floating promise that rejects, or a throw in a callback it scheduled, fails it as
// the Pulumi host fails it: reported as the program's failure, never as a crash of the plan
// (Node's default would exit 1, the policy-violation code).
for (const event of ["unhandledRejection", "uncaughtException"] as const) {
  process.on(event, (err: unknown) => {
    if (failingProgram) process.exit(reportProgramFailure(err));
    console.error(`the offline plan failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(3);
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    // Never a stack trace for a config error; anything else is a bug in the plan itself.
    console.error(isConfigError(err) ? (err as Error).message : `the offline plan failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(isConfigError(err) ? 2 : 3);
  },
);
