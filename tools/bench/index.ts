/**
 * `npm run bench`: runs every benchmark script in tools/bench/ (one process each, so one
 * capability's memory does not skew another's), or only those named: `npm run bench -- spot`; flags
 * (`npm run bench -- foundation --quick`) are passed on to each script.
 * Figures are reported as ratios measured in the same run; nothing here is a pass/fail test.
 */
import "../compileCache";
import "../requireNode";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const flags = process.argv.slice(2).filter((a) => a.startsWith("-"));
const scripts = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith(".ts") && f !== "index.ts" && !f.startsWith("_"))
  .filter((f) => wanted.length === 0 || wanted.includes(path.basename(f, ".ts")))
  .sort();
let failed = 0;
for (const script of scripts) {
  console.log(`\n=== ${path.basename(script, ".ts")} ===`);
  const r = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", path.join(__dirname, script), ...flags], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${script} failed (exit ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
