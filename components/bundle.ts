/**
 * Bundles a runtime handler into one CommonJS file with esbuild, through a content-addressed
 * cache on disk, so that the plan and every test process do not rebuild the nine handlers
 * (seconds each time) when nothing they read has changed.
 *
 * The cache key of a bundle is the hash of every file esbuild read for it (from its metafile),
 * plus the build options, esbuild's version, package-lock.json and tsconfig.json (resolution
 * can change without any file read changing). An index per (entry, options) lists the inputs
 * and their hashes and names the output by its own hash; a lookup re-hashes the inputs and
 * verifies the output's hash, so an edited source or a damaged cache file means a rebuild,
 * never a stale or broken bundle. Files are written to a temporary name and renamed into
 * place: concurrent test processes may build the same bundle at once, and each reader sees a
 * whole file (same content, whoever wins).
 *
 * Bundles use the ES module builds of their packages (`mainFields`), which esbuild can
 * tree-shake, where the CommonJS builds it picks by default for Node cannot be: a function carries
 * the SDK commands it sends, not every one of its clients. The SDK's schema modules need one
 * rewrite for that (components/sdkSchemaKeys.ts); its error classes and the credential providers
 * a Lambda function cannot use are made small by two more (components/sdkErrorClasses.ts). These
 * are esbuild plugins, which only esbuild's asynchronous API runs: a miss builds in a worker thread while this thread waits
 * (components/bundleWorker.ts), so `bundleHandler` stays synchronous.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import { buildSync, version as esbuildVersion, type BuildOptions } from "esbuild";
import { HANDLERS } from "../runtime/contract";
import type { WorkerReply } from "./bundleWorker";

const REPO_ROOT = path.join(__dirname, "..");
export const HANDLERS_DIR = path.join(REPO_ROOT, "runtime", "handlers");
/** The Node.js major every guard function runs on (Lambda's nodejs22.x), the tests and tools too. */
export const NODE_MAJOR = 22;
/** The Lambda runtime identifier of every guard function. */
export const LAMBDA_RUNTIME = `nodejs${NODE_MAJOR}.x`;
/** Bundles target the Node.js of the Lambda runtime they deploy to. */
export const BUNDLE_TARGET = `node${NODE_MAJOR}`;

/**
 * What a deployed bundle may weigh and cost to load (issue 16): at most 800 KB, and a cold
 * `require` at most 3× an empty `node -e 0` measured in the same run. The node optimizer carries a
 * Kubernetes client and the spot advice besides its AWS clients: 1.5 MB and 5×. Size is
 * deterministic and a test holds every bundle to it; load time is noisy and `npm run bench`
 * reports it against the ratio.
 */
export function bundleBudget(handler: string): { maxBytes: number; maxRequireRatio: number } {
  if (handler === "nodeOptimizer") return { maxBytes: 1536 * 1024, maxRequireRatio: 5 };
  return { maxBytes: 800 * 1024, maxRequireRatio: 3 };
}

export interface BundleOptions {
  /** Bundle AWS SDK v3 into the function (true) or use the Lambda runtime's copy (false). */
  bundleAwsSdk?: boolean;
  minify?: boolean;
  /** Cache directory; default node_modules/.cache/costguard-bundles (or $COSTGUARD_BUNDLE_CACHE). */
  cacheDir?: string;
}

/** What this process did, for tests and the bench. */
export const bundleStats = { builds: 0, diskHits: 0, memoryHits: 0 };

const memo = new Map<string, string>();
const fileHashes = new Map<string, string>();

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** Hash of a file's content, or undefined when it is gone; memoised for the life of the process. */
function hashFile(file: string): string | undefined {
  let h = fileHashes.get(file);
  if (h === undefined) {
    try {
      h = sha256(fs.readFileSync(file));
    } catch {
      return undefined;
    }
    fileHashes.set(file, h);
  }
  return h;
}

function writeAtomically(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

interface CacheIndex {
  /** Input path (relative to the repository) → sha256 of its content. */
  inputs: Record<string, string>;
  /** sha256 of the bundle, which is also its file name under objects/. */
  output: string;
}

function esbuildOptions(entry: string, opts: BundleOptions): BuildOptions {
  const { bundleAwsSdk = true, minify = true } = opts;
  return {
    entryPoints: [entry],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: "node",
    target: BUNDLE_TARGET,
    format: "cjs",
    // ES module builds first (tree-shakeable), CommonJS for packages that ship only that.
    mainFields: ["module", "main"],
    write: false,
    metafile: true,
    minify,
    // Keep names readable in stack traces (Lambda logs are where people debug).
    keepNames: true,
    legalComments: "none",
    external: bundleAwsSdk ? [] : ["@aws-sdk/*", "@smithy/*"],
    logLevel: "silent",
  };
}

/** Longest a build may take before bundling gives up (a cold build of every handler takes ~5 s). */
const BUILD_TIMEOUT_MS = 120_000;
const WORKER_ENTRY = path.join(__dirname, "bundleWorker.ts");
let workerSource: string | undefined;

/**
 * esbuild's `build` with the SDK schema plugin over one or more entries, run in a worker thread
 * and waited for. Several entries in one build share the parsing of what they import (the AWS
 * SDK above all), and each output is byte for byte what a build of its entry alone gives
 * (bundles do not share chunks): a test holds the two ways to the same bytes.
 */
function buildWithPlugins(options: BuildOptions): { entry: string; code: string; inputs: string[] }[] {
  // The worker runs plain JavaScript (no tsx or ts-node in a worker): compile its entry once.
  workerSource ??= buildSync({ entryPoints: [WORKER_ENTRY], bundle: true, platform: "node", format: "cjs", target: "node20", external: ["esbuild"], write: false, logLevel: "silent" }).outputFiles[0]!.text;
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(workerSource, { eval: true, execArgv: [], workerData: { options, signal, port: port2, root: REPO_ROOT }, transferList: [port2] });
  try {
    if (Atomics.wait(signal, 0, 0, BUILD_TIMEOUT_MS) === "timed-out") throw new Error(`bundling ${String(options.entryPoints)} took over ${BUILD_TIMEOUT_MS / 1000} s`);
    const reply = receiveMessageOnPort(port1)?.message as WorkerReply | undefined;
    if (!reply) throw new Error(`bundling ${String(options.entryPoints)}: the build worker stopped without an answer`);
    if ("error" in reply) throw new Error(`bundling ${String(options.entryPoints)} failed: ${reply.error}`);
    return reply.outputs;
  } finally {
    port1.close();
    void worker.terminate();
  }
}

interface CacheSlot {
  entry: string;
  key: string;
  indexFile: string;
  cacheDir: string;
}

/** Where an entry's bundle is cached under these options, and the bundle if it is there and still valid. */
function lookUp(entry: string, opts: BundleOptions): { slot: CacheSlot; code?: string } {
  const key = sha256(
    JSON.stringify({
      options: esbuildOptions(entry, opts),
      esbuild: esbuildVersion,
      lock: hashFile(path.join(REPO_ROOT, "package-lock.json")),
      tsconfig: hashFile(path.join(REPO_ROOT, "tsconfig.json")),
      // The plugin changes what esbuild reads: a new rewrite means new bundles.
      plugins: [hashFile(path.join(__dirname, "sdkSchemaKeys.ts")), hashFile(path.join(__dirname, "sdkErrorClasses.ts")), hashFile(WORKER_ENTRY)],
    }),
  );
  const cacheDir = opts.cacheDir ?? process.env.COSTGUARD_BUNDLE_CACHE ?? path.join(REPO_ROOT, "node_modules", ".cache", "costguard-bundles");
  const slot = { entry, key, cacheDir, indexFile: path.join(cacheDir, `${path.basename(entry).replace(/\W/g, "_")}-${key.slice(0, 20)}.json`) };
  const cached = memo.get(key);
  if (cached !== undefined) {
    bundleStats.memoryHits++;
    return { slot, code: cached };
  }
  try {
    const index = JSON.parse(fs.readFileSync(slot.indexFile, "utf8")) as CacheIndex;
    const unchanged = Object.entries(index.inputs).every(([file, hash]) => hashFile(path.resolve(REPO_ROOT, file)) === hash);
    if (unchanged) {
      const code = fs.readFileSync(objectFile(cacheDir, index.output), "utf8");
      if (sha256(code) === index.output) {
        bundleStats.diskHits++;
        memo.set(key, code);
        return { slot, code };
      }
    }
  } catch {
    // no index yet, or an unreadable one: build
  }
  return { slot };
}

const objectFile = (cacheDir: string, hash: string) => path.join(cacheDir, "objects", `${hash}.js`);

/** Keeps a fresh build in memory and on disk. */
function store(slot: CacheSlot, built: { code: string; inputs: string[] }): string {
  bundleStats.builds++;
  const inputs: Record<string, string> = {};
  for (const input of built.inputs) {
    const hash = hashFile(path.resolve(REPO_ROOT, input));
    if (hash !== undefined) inputs[input] = hash; // virtual inputs ("(disabled):fs") are not files
  }
  const output = sha256(built.code);
  try {
    fs.mkdirSync(path.join(slot.cacheDir, "objects"), { recursive: true });
    writeAtomically(objectFile(slot.cacheDir, output), built.code);
    writeAtomically(slot.indexFile, JSON.stringify({ inputs, output } satisfies CacheIndex));
  } catch {
    // a read-only or full disk only costs the next process a rebuild
  }
  memo.set(slot.key, built.code);
  return built.code;
}

/** Bundles several entry files (absolute paths) through the cache, the missing ones in one build. */
export function bundleEntries(entries: string[], opts: BundleOptions = {}): string[] {
  const found = entries.map((entry) => lookUp(entry, opts));
  const missing = found.filter((f) => f.code === undefined);
  if (missing.length) {
    const options = { ...esbuildOptions(missing[0]!.slot.entry, opts), entryPoints: missing.map((m) => m.slot.entry), outdir: path.join(REPO_ROOT, ".bundle-out") };
    const outputs = buildWithPlugins(options);
    for (const m of missing) {
      const built = outputs.find((o) => o.entry === m.slot.entry);
      if (!built) throw new Error(`bundling ${m.slot.entry}: the build gave no output for it`);
      m.code = store(m.slot, built);
    }
  }
  return found.map((f) => f.code!);
}

/** Bundles any entry file (an absolute path) through the cache. */
export function bundleEntry(entry: string, opts: BundleOptions = {}): string {
  return bundleEntries([entry], opts)[0]!;
}

/**
 * Bundles `runtime/handlers/<handler>.ts` to a single CommonJS file (cached, see above). On a
 * miss, every handler missing from the cache is built in the same esbuild run: a program
 * declares them one after another, and one build of nine costs about a third of nine builds.
 */
export function bundleHandler(handler: string, opts: BundleOptions = {}): string {
  const entry = path.join(HANDLERS_DIR, `${handler}.ts`);
  const hit = lookUp(entry, opts);
  if (hit.code !== undefined) return hit.code;
  const all = [entry, ...HANDLERS.filter((h) => h !== handler).map((h) => path.join(HANDLERS_DIR, `${h}.ts`))];
  return bundleEntries(all, opts)[0]!;
}
