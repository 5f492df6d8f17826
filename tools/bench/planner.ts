/**
 * The offline planner over small programs of the shapes real Pulumi programs have
 * (test/fixtures/programs): wall time of `npm run plan -- --program DIR --json` (one process
 * each: Pulumi's runtime state is process-global), the resources declared and expanded by rule,
 * and the estimate, so a change in any of them shows here.
 *
 *   npx tsx tools/bench/planner.ts [program...]
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..");
/** Programs under test/fixtures/programs, with the stack to plan. */
const PROGRAMS: [string, string][] = [
  ["web-t2", "dev"],
  ["big-memory", "dev"],
  ["unpriced", "dev"],
  ["awsx-vpc", "dev"],
  ["eks-nodes", "dev"],
  ["fargate-alb", "dev"],
  ["usage-priced", "dev"],
  ["free-types", "dev"],
];

interface Planned {
  resourceCount: number;
  expanded?: unknown[];
  estimate: { listMonthlyUsd: number; unpriced: unknown[]; lineItems: { dependsOnUsage?: string }[] };
}

const wanted = process.argv.slice(2);
console.log("program         ms  resources  expanded  unpriced  usage lines  list $/month");
let failed = 0;
for (const [program, stack] of PROGRAMS.filter(([p]) => !wanted.length || wanted.includes(p))) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "tools", "plan.ts"), "--program", path.join(root, "test", "fixtures", "programs", program), "--stack", stack, "--json"], { cwd: root, encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) {
    failed++;
    console.error(`${program}: plan exited ${r.status}\n${r.stderr}`);
    continue;
  }
  const p = JSON.parse(r.stdout) as Planned;
  const usage = p.estimate.lineItems.filter((i) => i.dependsOnUsage).length;
  console.log(
    `${program.padEnd(14)} ${ms.toFixed(0).padStart(5)}  ${String(p.resourceCount).padStart(9)}  ${String(p.expanded?.length ?? 0).padStart(8)}  ${String(p.estimate.unpriced.length).padStart(8)}  ${String(usage).padStart(11)}  ${p.estimate.listMonthlyUsd.toFixed(2).padStart(12)}`,
  );
}
process.exit(failed ? 1 : 0);
