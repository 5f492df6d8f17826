/**
 * The offline plan: what `pulumi preview` would show, without the Pulumi CLI or AWS.
 *
 *   npm run plan                          the dev stack of this program
 *   npm run plan -- --stack prod          another stack
 *   npm run plan -- --json                machine-readable
 *   npm run plan -- --program <dir>       any Pulumi TypeScript program (its Pulumi.<stack>.yaml)
 *
 * Exit codes: 0 ok, 1 mandatory policy violation, 2 config error (stack file, project file,
 * stack config values, policy config), 3 the program failed, 64 bad usage. A config error is
 * printed one line per problem, never with a stack trace.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { expandedTreeNodes } from "./offline/expand";
import { policies } from "../policy/policies";
import { analyzeRun, policyConfigFile, type Analysis } from "./offline/analysis";
import { displayWire } from "./offline/engine";
import { loadPolicyConfig } from "./offline/policyConfig";
import { resourceKey, runProgram, type ProgramRun } from "./offline/runProgram";

const USAGE = "usage: npm run plan -- [--stack <name>] [--program <dir>] [--json]";

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

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { stack: { type: "string", default: "dev" }, program: { type: "string" }, json: { type: "boolean", default: false }, help: { type: "boolean", default: false } } });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 64;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  const stack = args.values.stack!;
  const programDir = args.values.program ? path.resolve(args.values.program) : undefined;
  const started = Date.now();

  let run: ProgramRun;
  try {
    // The policy config is checked first, as the engine checks it before the program runs.
    const policyFile = policyConfigFile(programDir ?? path.join(__dirname, ".."), stack);
    if (policyFile) loadPolicyConfig(policyFile, policies);
    // As a first `pulumi preview` sees it: what AWS computes on create is unknown.
    run = await runProgram({ programDir, stack, firstPreview: true });
  } catch (err) {
    const e = err as Error;
    if (isConfigError(e)) {
      console.error(e.message);
      return 2;
    }
    console.error(`the program failed under the offline plan: ${e.stack ?? e.message}`);
    return 3;
  }
  const analysis: Analysis = await analyzeRun(run, { programDir });
  const custom = run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));

  if (args.values.json) {
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
          ...analysis.json,
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
    for (const section of analysis.sections) console.log(`\n${section}`);
    console.log(`\nPlanned in ${((Date.now() - started) / 1000).toFixed(1)} s, offline (mocked provider; nothing was deployed).`);
  }
  return analysis.mandatoryViolations > 0 ? 1 : 0;
}

/** Config errors (stack config, stack or project file, policy config) carry one line per problem. */
function isConfigError(err: unknown): boolean {
  return err instanceof Error && err.name === "ConfigError";
}

main().then(
  (code) => process.exit(code),
  (err) => {
    // Never a stack trace for a config error; anything else is a bug in the plan itself.
    console.error(isConfigError(err) ? (err as Error).message : `the offline plan failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(isConfigError(err) ? 2 : 3);
  },
);
