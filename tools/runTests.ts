/**
 * Runs every test file under test/ with node's test runner and tsx, on the Node.js that runs
 * this script (npm scripts: node_modules/.bin/node, Node 22). Node's runner does not find
 * .ts files given a directory, so the files are listed.
 *
 *   npm test                       all tests
 *   npm test -- test/runtime       only files under a path (or a single file)
 *   npm test -- --test-concurrency=1   one file at a time
 *
 * Files run in parallel, twice as many as the machine has cores: most of a test file's time is
 * spent waiting (child processes, local servers, module loading from disk), and node's default
 * (cores − 1) runs them one at a time on a 2-core machine. Each file is its own process; the
 * files that read the same stack configuration share one (test/support/stackRun.ts).
 */
import "./compileCache";
import "./requireNode";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.join(__dirname, "..");

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  if (fs.statSync(dir).isFile()) return [dir];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "fixtures" || e.name === "node_modules" ? [] : walk(p);
    return e.name.endsWith(".test.ts") ? [p] : [];
  });
}

const filters = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const files = (filters.length ? filters.map((f) => path.resolve(f)) : [path.join(root, "test")]).flatMap(walk).sort();
if (files.length === 0) {
  console.error(`no test files found under ${filters.join(", ") || "test/"}`);
  process.exit(1);
}
const flags = process.argv.slice(2).filter((a) => a.startsWith("-"));
if (!flags.some((f) => f.startsWith("--test-concurrency"))) flags.push(`--test-concurrency=${2 * os.availableParallelism()}`);
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", ...flags, ...files], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NODE_ENV: "test" },
});
process.exit(result.status ?? 1);
