/**
 * Foundation benchmarks:
 *  1. the offline plan's wall time per stack;
 *  2. per handler, three ways to package it, side by side:
 *     - bundled:  what GuardFunction deploys (esbuild, AWS SDK v3 inside the bundle);
 *     - runtime SDK: the same bundle with @aws-sdk/* left out, loaded from node_modules as the
 *       Lambda runtime's own copy would be;
 *     - CallbackFunction-style: our code transpiled, every dependency left in node_modules,
 *       and the archive holding every package of `dependencies` (what aws.lambda.CallbackFunction zips).
 *     Size of what is uploaded, and cold `require` time in a fresh process (median of 5).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { bundleHandler, HANDLERS_DIR } from "../../components/guardFunction";
import { HANDLERS } from "../../runtime/contract";

const root = path.join(__dirname, "..", "..");
const scratch = path.join(root, ".bench");
fs.mkdirSync(scratch, { recursive: true });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function coldRequireMs(file: string, runs = 5): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ["-e", `const t=process.hrtime.bigint();require(${JSON.stringify(file)});console.log(Number(process.hrtime.bigint()-t)/1e6)`], { cwd: scratch, encoding: "utf8" });
    times.push(Number(out.trim()));
  }
  return median(times);
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

// 1. Plan time per stack.
console.log("Offline plan, wall time per stack (one run each):");
const planTimes: Record<string, number> = {};
for (const stack of ["dev", "prod"]) {
  const t = Date.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "tools", "plan.ts"), "--stack", stack, "--json"], { cwd: root, encoding: "utf8" });
  planTimes[stack] = (Date.now() - t) / 1000;
  const count = r.status === 0 ? (JSON.parse(r.stdout) as { resourceCount: number }).resourceCount : NaN;
  console.log(`  ${stack.padEnd(5)} ${planTimes[stack]!.toFixed(1)} s for ${count} resources (exit ${r.status})`);
}

// 2. Packaging per handler.
const depsBytes = productionDependencyBytes();
const rows: string[][] = [];
for (const handler of HANDLERS) {
  const entry = path.join(HANDLERS_DIR, `${handler}.ts`);
  if (!fs.existsSync(entry)) continue;
  const bundled = path.join(scratch, `${handler}.bundled.js`);
  fs.writeFileSync(bundled, bundleHandler(handler));
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
const header = ["handler", "bundled", "runtime SDK", "CallbackFunction", "require bundled", "require runtime SDK", "require CallbackFunction", "size ratio CF/bundled"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
console.log("\nHandler packaging (upload size; cold require, median of 5 fresh processes; ratios against bundled):");
for (const r of [header, ...rows]) console.log("  " + r.map((c, i) => c.padEnd(widths[i]!)).join("  "));
