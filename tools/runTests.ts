/**
 * Runs every test file under test/ with node's test runner and tsx, on the Node.js that runs
 * this script (npm scripts: node_modules/.bin/node, Node 22). Node's runner does not find
 * .ts files given a directory, so the files are listed.
 *
 *   npm test                       all tests
 *   npm test -- test/runtime       only files under a path (or a single file)
 *   npm test -- --test-name-pattern=sweep   node's own flags pass through
 *   COSTGUARD_TEST_SHARDS=4 npm test        how many shared processes (default: one per core)
 *
 * Test files that keep nothing process-wide share processes, one file after another in each
 * (tools/testGroups.ts says which and why); the others run one process per file, several at
 * once. Both kinds run at the same time, and each group's report is printed whole as it ends,
 * with a line of progress every 15 s meanwhile. The run fails when any group fails. How long
 * each file took is kept (node_modules/.cache/costguard-test-times.json) to balance the shared
 * processes of the next run.
 */
import "./compileCache";
import "./requireNode";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { groupTestFiles } from "./testGroups";

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
const cores = os.availableParallelism();
// How long each file took last time, to balance the shared processes (absent on a fresh checkout).
const TIMES_FILE = process.env.COSTGUARD_TEST_TIMES ?? path.join(root, "node_modules", ".cache", "costguard-test-times.json");
function readTimes(): Record<string, number> {
  try {
    return JSON.parse(fs.readFileSync(TIMES_FILE, "utf8")) as Record<string, number>;
  } catch {
    return {};
  }
}
const lastTimes = readTimes();
const shards = Number(process.env.COSTGUARD_TEST_SHARDS ?? cores);
if (!Number.isInteger(shards) || shards < 1) {
  console.error(`COSTGUARD_TEST_SHARDS must be a whole number of processes, 1 or more (got "${process.env.COSTGUARD_TEST_SHARDS}"); unset it for one per core`);
  process.exit(64);
}
const groups = groupTestFiles(files, root, shards, lastTimes);
const timesDir = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-test-times-"));

interface Group {
  label: string;
  /** node's arguments after `--test`. */
  args: string[];
}
// A shared process runs its files one after another: --test-concurrency means nothing there.
const sharedFlags = flags.filter((f) => !f.startsWith("--test-concurrency"));
const runs: Group[] = groups.shared.map((shard, i) => ({
  label: `shared process ${i + 1} of ${groups.shared.length} (${shard.length} files)`,
  args: [...sharedFlags, "--experimental-test-isolation=none", ...shard],
}));
if (groups.own.length) {
  // Most of such a file's time is spent waiting (child processes, local servers), so more run
  // at once than there are cores.
  const concurrency = flags.some((f) => f.startsWith("--test-concurrency")) ? [] : [`--test-concurrency=${2 * cores}`];
  runs.unshift({ label: `one process per file (${groups.own.length} files)`, args: [...flags, ...concurrency, ...groups.own.map((o) => o.file)] });
}
console.log(`${files.length} test files: ${groups.own.length} in processes of their own, ${files.length - groups.own.length} sharing ${groups.shared.length} process${groups.shared.length === 1 ? "" : "es"}`);

const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);

function withoutTestContext(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.NODE_TEST_CONTEXT;
  return copy;
}

/** What each running group has printed so far: its report is shown whole when it ends. */
const running = new Map<Group, Buffer[]>();

// A group's report comes at its end, a minute or more in: meanwhile, say every 15 s how far each
// is (tests passed and failed so far, from the lines its reporter printed).
const PROGRESS_MS = 15_000;
const progress = setInterval(() => {
  const parts = [...running].map(([group, out]) => {
    const text = Buffer.concat(out).toString("utf8");
    const passed = text.match(/^\s*✔ /gm)?.length ?? 0;
    const failed = text.match(/^\s*✖ /gm)?.length ?? 0;
    return `${group.label.replace(/ \(.*\)$/, "")}: ${passed} passed${failed ? `, ${failed} FAILED` : ""}`;
  });
  if (parts.length) console.log(`… ${seconds()} s; running ${parts.join("; ")}`);
}, PROGRESS_MS);
progress.unref();

let groupsStarted = 0;
function run(group: Group): Promise<{ group: Group; status: number }> {
  const timesOut = path.join(timesDir, `${groupsStarted++}.json`);
  const reporters = ["--test-reporter=spec", "--test-reporter-destination=stdout", `--test-reporter=${path.join(__dirname, "testTimesReporter.mjs")}`, `--test-reporter-destination=${timesOut}`];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--test", ...reporters, ...group.args], {
      cwd: root,
      // Without NODE_TEST_CONTEXT: run from inside a test, node would report to its parent's
      // runner in its own binary format instead of printing.
      env: { ...withoutTestContext(process.env), NODE_ENV: "test" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    running.set(group, out);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => out.push(d));
    child.on("close", (code, signal) => {
      running.delete(group);
      const report = Buffer.concat(out);
      // A process that ends with 0 but without the reporter's summary stopped early (a test
      // called process.exit): the tests after it never ran, so the group has not passed.
      const whole = /^ℹ duration_ms /m.test(report.toString("utf8"));
      const status = code === 0 && !whole ? 1 : (code ?? 1);
      const why = code !== 0 ? (signal ?? `exit ${code}`) : "it ended before its summary: did a test call process.exit?";
      process.stdout.write(`\n== ${group.label}: ${status === 0 ? "passed" : `FAILED (${why})`} after ${seconds()} s\n`);
      process.stdout.write(report);
      resolve({ group, status });
    });
  });
}

/** Keeps this run's times (over the last ones, which cover files not run this time). */
function saveTimes(): void {
  const times = { ...lastTimes };
  for (const f of fs.readdirSync(timesDir)) {
    try {
      Object.assign(times, JSON.parse(fs.readFileSync(path.join(timesDir, f), "utf8")) as Record<string, number>);
    } catch {
      // a group that died before its reporter wrote: its files keep their last times
    }
  }
  try {
    fs.mkdirSync(path.dirname(TIMES_FILE), { recursive: true });
    const tmp = `${TIMES_FILE}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(times));
    fs.renameSync(tmp, TIMES_FILE);
  } catch {
    // only the next run's balance depends on it
  }
  fs.rmSync(timesDir, { recursive: true, force: true });
}

void Promise.all(runs.map(run)).then((results) => {
  saveTimes();
  const failed = results.filter((r) => r.status !== 0);
  console.log(`\n${failed.length ? `FAILED: ${failed.map((f) => f.group.label).join("; ")}` : "all test groups passed"} (${seconds()} s)`);
  process.exit(failed.length ? 1 : 0);
});
