/**
 * Child process of the analyzer agreement test: runs one program as the offline plan does (first
 * preview, under the mocks; one program per process, Pulumi's runtime state being global) and
 * writes what the engine would hand the analyzer next to the plan's own policy results.
 *
 *   node --import tsx test/support/planProgram.ts <programDir> <stack> <out.json>
 */
import * as fs from "node:fs";
import { analyzeRun, policyConfigFile } from "../../tools/offline/analysis";
import type { EngineResource } from "../../tools/offline/engine";
import type { PolicyRunResult } from "../../tools/offline/policyRunner";
import { loadStackConfig, runProgram } from "../../tools/offline/runProgram";

export interface PlannedProgram {
  project: string;
  stack: string;
  config: Record<string, string>;
  policyConfigFile?: string;
  engine: EngineResource[];
  plan: Pick<PolicyRunResult, "violations" | "remediations">;
  seconds: number;
}

async function main(): Promise<void> {
  const [programDir, stack, out] = process.argv.slice(2);
  if (!programDir || !stack || !out) throw new Error("usage: planProgram.ts <programDir> <stack> <out.json>");
  const started = Date.now();
  const run = await runProgram({ programDir, stack, firstPreview: true });
  const analysis = await analyzeRun(run, { programDir });
  const policies = analysis.json.policies as { results: { violations: PolicyRunResult["violations"] }[]; remediations: PolicyRunResult["remediations"] };
  const result: PlannedProgram = {
    project: run.project,
    stack,
    config: loadStackConfig(programDir, stack).values,
    policyConfigFile: policyConfigFile(programDir, stack),
    // With remote components expanded by rule: the children a real engine would register too.
    engine: analysis.engine,
    plan: { violations: policies.results.flatMap((r) => r.violations), remediations: policies.remediations },
    seconds: (Date.now() - started) / 1000,
  };
  fs.writeFileSync(out, JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
