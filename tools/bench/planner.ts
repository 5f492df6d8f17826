/**
 * The offline plan over small real-shaped programs (test/fixtures/programs), each in its own
 * process as a user runs it: wall time, resources planned, exit code against the one expected
 * (a program that throws must exit 3, never 1), the list total (+N: resources remote components
 * create, expanded by rule). Helpers add programs to PROGRAMS.
 *
 *   npx tsx tools/bench/planner.ts
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..");

interface BenchProgram {
  /** Directory under test/fixtures/programs (or a path from the repository root). */
  program: string;
  stack: string;
  /** 0 ok, 1 mandatory violation, 2 config error, 3 program failed. */
  exit: number;
}

const PROGRAMS: BenchProgram[] = [
  { program: "async-export", stack: "dev", exit: 0 },
  { program: "esm-default", stack: "dev", exit: 1 },
  { program: "static-site", stack: "dev", exit: 0 },
  { program: "invokes", stack: "dev", exit: 1 },
  { program: "no-stack-file", stack: "dev", exit: 0 },
  { program: "resize", stack: "large", exit: 0 },
  { program: "throws", stack: "apply", exit: 3 },
  { program: ".", stack: "dev", exit: 0 },
  // Prices and remote components expanded by rule (the issue's shapes): see the estimate columns.
  { program: "web-t2", stack: "dev", exit: 1 },
  { program: "big-memory", stack: "dev", exit: 1 },
  { program: "unpriced", stack: "dev", exit: 0 },
  { program: "unpriced", stack: "strict", exit: 1 },
  { program: "awsx-vpc", stack: "dev", exit: 1 },
  { program: "eks-nodes", stack: "dev", exit: 1 },
  { program: "fargate-alb", stack: "dev", exit: 1 },
  { program: "usage-priced", stack: "dev", exit: 1 },
  { program: "free-types", stack: "dev", exit: 0 },
];

function main(): number {
  console.log(`${"program".padEnd(26)} ${"exit".padStart(4)} ${"resources".padStart(9)} ${"seconds".padStart(8)}  list total; unanswered lookups`);
  let wrong = 0;
  let total = 0;
  for (const p of PROGRAMS) {
    const dir = p.program === "." ? root : path.join(root, "test", "fixtures", "programs", p.program);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "tools", "plan.ts"), "--program", dir, "--stack", p.stack, "--json"], { cwd: root, encoding: "utf8" });
    const seconds = (performance.now() - t0) / 1000;
    total += seconds;
    let resources = "-";
    let unanswered = "";
    try {
      const doc = JSON.parse(r.stdout) as { resourceCount: number; unansweredInvokes?: { token: string }[]; expanded?: unknown[]; estimate?: { listMonthlyUsd: number; unpriced: unknown[] } };
      resources = `${doc.resourceCount}${doc.expanded?.length ? `+${doc.expanded.length}` : ""}`;
      unanswered = (doc.unansweredInvokes ?? []).map((u) => u.token).join(", ");
      if (doc.estimate) unanswered = `$${doc.estimate.listMonthlyUsd.toFixed(2)}/month${doc.estimate.unpriced.length ? ` (≥: ${doc.estimate.unpriced.length} unpriced)` : ""}${unanswered ? `; ${unanswered}` : ""}`;
    } catch {
      // A failed program prints nothing on stdout.
    }
    const ok = r.status === p.exit;
    if (!ok) wrong++;
    console.log(`${`${p.program === "." ? "costguard" : p.program} (${p.stack})`.padEnd(26)} ${String(r.status).padStart(4)} ${resources.padStart(9)} ${seconds.toFixed(2).padStart(8)}  ${unanswered}${ok ? "" : `  ✖ expected exit ${p.exit}: ${r.stderr.split("\n")[0]}`}`);
  }
  console.log(`${PROGRAMS.length} programs in ${total.toFixed(1)} s (${(total / PROGRAMS.length).toFixed(2)} s each, process start and module loading included)`);
  return wrong ? 1 : 0;
}

process.exit(main());
