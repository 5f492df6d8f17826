/**
 * Which test files may share a process (issue 16: the suite in ≤ 90 s on two cores).
 *
 * Starting a process per test file costs about 0.3 s of CPU before the first test runs, and each
 * reloads what it imports (the AWS SDK, zod, tsx's transforms): for ~150 files that was over half
 * of the suite's CPU. Files that keep nothing process-wide run together, several to a process
 * (node's `--experimental-test-isolation=none`), one file after another. A file owns its process
 * when sharing would let it see another file's state:
 *
 * - it sets Pulumi's runtime itself (its code, or code it imports, sets mocks or config or runs a
 *   stack): that state is global to the process, and each such file sets its own. Programs run
 *   through tools/offline/runProgram.ts, and components built under test/support/underMocks.ts,
 *   share processes: each runs in a state store of its own (`withLocalStorage`). Importing
 *   `@pulumi/*` for its types or helpers is fine too;
 * - it reaches a Lambda handler (`runtime/handlers/*`): a handler builds its clients from the
 *   environment once and keeps them, as in Lambda, so a second file's environment would not count;
 * - it changes `process.env`, which every later file in a shared process (and every process those
 *   files start) would inherit;
 * - it has top-level `beforeEach` or `afterEach` hooks: in a shared process they belong to the
 *   process and would run around every other file's tests (top-level `before` and `after` run
 *   once, at the start and the end of the shared process, which is harmless);
 * - it says so: a line `// test-isolation: process` (with the reason after it) for state the
 *   rules above cannot see.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface TestGroups {
  /** Files that run in a process of their own, with why. */
  own: { file: string; reason: string }[];
  /** Files that share processes: `shards` lists of them, one process each. */
  shared: string[][];
}

const IMPORT = /\bfrom\s*["']([^"']+)["']|\bimport\s*["']([^"']+)["']|\brequire\(\s*["']([^"']+)["']\s*\)|\bimport\(\s*["']([^"']+)["']\s*\)/g;
const TOP_LEVEL_EACH_HOOK = /^(?:beforeEach|afterEach)\(/m;
/** What sets Pulumi's process-wide runtime state: mocks, config, a stack run. */
const RUNS_PULUMI = /\b(?:setMocks|runInPulumiStack|setAllConfig|setConfig)\(/;
/** ...unless each run gets a state store of its own. */
const ISOLATES_PULUMI = /\bwithLocalStorage\(/;
const WRITES_ENV = /\bprocess\.env(?:\.\w+|\[[^\]]+\])?\s*=(?!=)|Object\.assign\(\s*process\.env\b|\bdelete\s+process\.env\b/;
const MARKER = /^\/\/ test-isolation: process\b/m;

function resolveLocal(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, path.join(base, "index.ts")]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Every package a file reaches through its repository-local imports, and the local files themselves. */
export function reachableImports(file: string, memo = new Map<string, Set<string>>()): Set<string> {
  const known = memo.get(file);
  if (known) return known;
  const reached = new Set<string>();
  memo.set(file, reached); // an import cycle ends here
  const source = readCached(file);
  for (const m of source.matchAll(IMPORT)) {
    const spec = (m[1] ?? m[2] ?? m[3] ?? m[4])!;
    if (!spec.startsWith(".")) {
      reached.add(spec);
      continue;
    }
    const local = resolveLocal(file, spec);
    if (!local) continue;
    reached.add(local);
    for (const r of reachableImports(local, memo)) reached.add(r);
  }
  return reached;
}

const sources = new Map<string, string>();
function readCached(file: string): string {
  let source = sources.get(file);
  if (source === undefined) sources.set(file, (source = fs.readFileSync(file, "utf8")));
  return source;
}

/** Why `file` needs a process of its own, or undefined when it can share one. */
export function ownProcessReason(file: string, root: string, memo = new Map<string, Set<string>>()): string | undefined {
  const source = readCached(file);
  if (MARKER.test(source)) return "it says so (test-isolation: process)";
  if (WRITES_ENV.test(source)) return "it changes process.env";
  if (TOP_LEVEL_EACH_HOOK.test(source)) return "it has top-level beforeEach/afterEach hooks";
  const reached = [...reachableImports(file, memo)];
  const local = [file, ...reached.filter((r) => path.isAbsolute(r))];
  const pulumi = local.find((f) => RUNS_PULUMI.test(readCached(f)) && !ISOLATES_PULUMI.test(readCached(f)));
  if (pulumi) return `it runs Pulumi${pulumi === file ? "" : ` (through ${path.relative(root, pulumi)})`}: Pulumi's runtime state is per process`;
  const handlers = path.join(root, "runtime", "handlers") + path.sep;
  const handler = reached.find((r) => r.startsWith(handlers));
  if (handler) return `it loads the ${path.basename(handler, ".ts")} handler (handlers keep their clients per process)`;
  return undefined;
}

/**
 * Splits `files` into those that own a process and `shards` groups of shared files, balanced so
 * the groups end at about the same time: each file weighs what it took last time (`times`, in
 * ms, from the previous run), or, never timed, its size at the rate of the timed ones. Heaviest
 * first, each to the lightest group so far.
 */
export function groupTestFiles(files: string[], root: string, shards: number, times: Record<string, number> = {}): TestGroups {
  const memo = new Map<string, Set<string>>();
  const own: TestGroups["own"] = [];
  const sharedFiles: string[] = [];
  for (const file of files) {
    const reason = ownProcessReason(file, root, memo);
    if (reason) own.push({ file, reason });
    else sharedFiles.push(file);
  }
  const sizes = new Map(sharedFiles.map((f) => [f, fs.statSync(f).size]));
  const timed = sharedFiles.filter((f) => times[f] !== undefined);
  const msPerByte = timed.length ? timed.reduce((n, f) => n + times[f]!, 0) / timed.reduce((n, f) => n + sizes.get(f)!, 0) : 1;
  const weight = (f: string) => times[f] ?? sizes.get(f)! * msPerByte;
  const groups = Array.from({ length: Math.max(1, Math.min(shards, sharedFiles.length)) }, () => ({ files: [] as string[], weight: 0 }));
  for (const file of [...sharedFiles].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b))) {
    const lightest = groups.reduce((a, b) => (b.weight < a.weight ? b : a));
    lightest.files.push(file);
    lightest.weight += weight(file);
  }
  return { own, shared: sharedFiles.length ? groups.map((g) => g.files.sort()) : [] };
}
