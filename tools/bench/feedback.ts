/**
 * Feedback benchmarks (issue 16, goals 1 and 3), measured in one run so a loaded machine slows
 * every side alike:
 *  - `tsc --noEmit -p .`, the yardstick;
 *  - the offline plan of the dev stack with cold caches (empty bundle and compile caches) and
 *    again with the caches it filled: goals ≤ 0.5× and ≤ 0.2× the type-check;
 *  - with `--tests`: `npm test` wall time (goal ≤ 90 s on a 2-core machine), and its ratio to
 *    the type-check of the same run. About a minute and a half: opt-in.
 *
 *   npm run bench -- feedback            plan and type-check
 *   npm run bench -- feedback --tests    npm test too
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..");
const withTests = process.argv.includes("--tests") || process.env.COSTGUARD_BENCH_TESTS === "1";

function timed(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status}):\n${r.stderr}`);
  return seconds;
}

const node = process.execPath;
const tsx = ["--import", "tsx"];
const cache = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-bench-bundles-"));
// "First" means a fresh checkout: no bundles and no compiled code cached (tools/compileCache.ts).
const compileCache = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-bench-compile-"));
const plan = (label: string) => timed(label, node, [...tsx, path.join(root, "tools", "plan.ts"), "--stack", "dev"], { COSTGUARD_BUNDLE_CACHE: cache, NODE_COMPILE_CACHE: compileCache });

const tsc = timed("tsc", node, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "."]);
const cold = plan("plan (cold bundle cache)");
const warm = plan("plan (warm bundle cache)");
fs.rmSync(cache, { recursive: true, force: true });
fs.rmSync(compileCache, { recursive: true, force: true });

const rows: [string, string, string, string][] = [
  ["tsc --noEmit -p .", `${tsc.toFixed(1)} s`, "1.00×", ""],
  ["plan dev, first (cold bundle cache)", `${cold.toFixed(1)} s`, `${(cold / tsc).toFixed(2)}×`, cold / tsc <= 0.5 ? "≤ 0.5× ✔" : "≤ 0.5× ✖"],
  ["plan dev, repeated (warm cache)", `${warm.toFixed(1)} s`, `${(warm / tsc).toFixed(2)}×`, warm / tsc <= 0.2 ? "≤ 0.2× ✔" : "≤ 0.2× ✖"],
];
if (withTests) {
  const tests = timed("npm test", node, [...tsx, path.join(root, "tools", "runTests.ts")]);
  rows.push(["npm test", `${tests.toFixed(0)} s`, `${(tests / tsc).toFixed(2)}×`, tests <= 90 ? "≤ 90 s ✔" : "≤ 90 s ✖"]);
}

console.log(`Feedback on this machine (${os.availableParallelism()} cores, load ${os.loadavg()[0]!.toFixed(1)} at the end): ratios to the type-check measured in the same run.`);
const w = Math.max(...rows.map((r) => r[0].length));
for (const [what, time, ratio, goal] of rows) console.log(`  ${what.padEnd(w)}  ${time.padStart(7)}  ${ratio.padEnd(24)}  ${goal}`);
if (!withTests) console.log("  (npm test's wall time: run with --tests; it takes minutes.)");
