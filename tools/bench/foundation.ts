/**
 * Foundation benchmarks:
 *  1. the offline plan's wall time per stack;
 *  2. per handler, the deployed bundle against its budget (issue 16, `bundleBudget`): size, and
 *     cold `require` (median of 5 fresh processes) as a ratio to an empty `node -e 0` measured in
 *     the same rounds, so a loaded machine slows both sides; prints whether each goal is met;
 *  3. per handler, three ways to package it, side by side:
 *     - bundled:  what GuardFunction deploys (esbuild, AWS SDK v3 inside the bundle);
 *     - runtime SDK: the same bundle with @aws-sdk/* left out, loaded from node_modules as the
 *       Lambda runtime's own copy would be;
 *     - CallbackFunction-style: our code transpiled, every dependency left in node_modules,
 *       and the archive holding every package of `dependencies` (what aws.lambda.CallbackFunction zips).
 *
 * "Cold require" is the time `require(bundle)` takes inside a fresh process (Node's own start
 * excluded); `node -e 0` is the whole life of a process that does nothing. `--quick` skips 1 and 3.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { bundleBudget, bundleHandler, HANDLERS_DIR } from "../../components/guardFunction";
import { HANDLERS } from "../../runtime/contract";

const root = path.join(__dirname, "..", "..");
const scratch = path.join(root, ".bench");
fs.mkdirSync(scratch, { recursive: true });
const quick = process.argv.includes("--quick");
const ROUNDS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** ms that `require(file)` takes in a fresh process. */
function requireOnce(file: string): number {
  const out = execFileSync(process.execPath, ["-e", `const t=process.hrtime.bigint();require(${JSON.stringify(file)});console.log(Number(process.hrtime.bigint()-t)/1e6)`], { cwd: scratch, encoding: "utf8" });
  return Number(out.trim());
}

/** ms of a whole `node -e 0` process. */
function emptyNodeOnce(): number {
  const t = process.hrtime.bigint();
  execFileSync(process.execPath, ["-e", "0"], { cwd: scratch });
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function coldRequireMs(file: string, runs = ROUNDS): number {
  return median(Array.from({ length: runs }, () => requireOnce(file)));
}

function dirSize(p: string): number {
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((n, e) => n + dirSize(path.join(p, e)), 0);
}

/** Bytes of every production dependency (transitively): what CallbackFunction would zip. */
function productionDependencyBytes(): number {
  const out = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const dirs = [...new Set(out.split("\n").filter((l) => l.includes("node_modules")))];
  // Nested node_modules are counted under their parent package already; count top-level ones once.
  const top = dirs.filter((d) => !dirs.some((o) => o !== d && d.startsWith(o + path.sep)));
  return top.reduce((n, d) => n + dirSize(d), 0);
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows]) console.log("  " + r.map((c, i) => c.padEnd(widths[i]!)).join("  "));
}

// 1. Plan time per stack.
if (!quick) {
  console.log("Offline plan, wall time per stack (one run each):");
  for (const stack of ["dev", "prod"]) {
    const t = Date.now();
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "tools", "plan.ts"), "--stack", stack, "--json"], { cwd: root, encoding: "utf8" });
    const count = r.status === 0 ? (JSON.parse(r.stdout) as { resourceCount: number }).resourceCount : NaN;
    console.log(`  ${stack.padEnd(5)} ${((Date.now() - t) / 1000).toFixed(1)} s for ${count} resources (exit ${r.status})`);
  }
}

// 2. Every deployed bundle against its budget. Rounds interleave the empty process and the
// bundle, so load on the shared machine falls on both sides of the ratio.
const handlers = HANDLERS.filter((h) => fs.existsSync(path.join(HANDLERS_DIR, `${h}.ts`)));
const bundledFile = (h: string) => path.join(scratch, `${h}.bundled.js`);
for (const h of handlers) fs.writeFileSync(bundledFile(h), bundleHandler(h));
const goalRows: string[][] = [];
const baselines: number[] = [];
let unmet = 0;
for (const h of handlers) {
  const empty: number[] = [];
  const loads: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    empty.push(emptyNodeOnce());
    loads.push(requireOnce(bundledFile(h)));
  }
  baselines.push(...empty);
  const size = fs.statSync(bundledFile(h)).size;
  const budget = bundleBudget(h);
  const ratio = median(loads) / median(empty);
  const sizeMet = size <= budget.maxBytes;
  const ratioMet = ratio <= budget.maxRequireRatio;
  if (!sizeMet || !ratioMet) unmet++;
  goalRows.push([
    h,
    kb(size),
    `≤ ${kb(budget.maxBytes)}`,
    `${median(loads).toFixed(0)} ms`,
    `${median(empty).toFixed(0)} ms`,
    `${ratio.toFixed(2)}×`,
    `≤ ${budget.maxRequireRatio}×`,
    sizeMet && ratioMet ? "met" : `NOT MET (${[!sizeMet && "size", !ratioMet && "require"].filter(Boolean).join(", ")})`,
  ]);
}
console.log(`\nDeployed bundles against their budgets (cold require: median of ${ROUNDS} fresh processes; node -e 0: median of the ${ROUNDS} empty processes run in the same rounds):`);
printTable(["handler", "size", "budget", "cold require", "node -e 0", "ratio", "budget", "goal"], goalRows);
console.log(`  node -e 0 over the whole run: median ${median(baselines).toFixed(0)} ms of ${baselines.length}. ${unmet ? `${unmet} handler(s) miss a goal.` : "Every goal met."}`);

// 3. Packaging per handler.
if (!quick) {
  const depsBytes = productionDependencyBytes();
  const rows: string[][] = [];
  for (const handler of handlers) {
    const entry = path.join(HANDLERS_DIR, `${handler}.ts`);
    const bundled = bundledFile(handler);
    const external = path.join(scratch, `${handler}.runtime-sdk.js`);
    fs.writeFileSync(external, bundleHandler(handler, { bundleAwsSdk: false }));
    // CallbackFunction-style: our own files transpiled, every package required from node_modules.
    const callback = path.join(scratch, `${handler}.callback.js`);
    const built = buildSync({ entryPoints: [entry], bundle: true, packages: "external", platform: "node", format: "cjs", write: false, logLevel: "silent" });
    fs.writeFileSync(callback, built.outputFiles[0]!.text);

    const sizes = [fs.statSync(bundled).size, fs.statSync(external).size, depsBytes + fs.statSync(callback).size];
    const times = [coldRequireMs(bundled), coldRequireMs(external), coldRequireMs(callback)];
    rows.push([
      handler,
      kb(sizes[0]!),
      kb(sizes[1]!),
      mb(sizes[2]!),
      `${times[0]!.toFixed(0)} ms`,
      `${times[1]!.toFixed(0)} ms (${(times[1]! / times[0]!).toFixed(2)}×)`,
      `${times[2]!.toFixed(0)} ms (${(times[2]! / times[0]!).toFixed(2)}×)`,
      `${(sizes[2]! / sizes[0]!).toFixed(0)}×`,
    ]);
  }
  console.log(`\nHandler packaging (upload size; cold require, median of ${ROUNDS} fresh processes; ratios against bundled):`);
  printTable(["handler", "bundled", "runtime SDK", "CallbackFunction", "require bundled", "require runtime SDK", "require CallbackFunction", "size ratio CF/bundled"], rows);
}
