/**
 * The bundle cache on disk: a fresh process reuses a bundle whose inputs are unchanged, an
 * edited input (even one imported two levels down) means a rebuild, a damaged cache file is
 * never served, and processes building the same bundle at once leave a valid cache.
 * Every case runs in fresh child processes, as the plan and the test files do.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.join(__dirname, "..", "..", "..");
const bundleModule = path.join(root, "components", "bundle.ts");

/** Bundles `entry` in a new process; returns what it printed: the stats and the code's hash. */
function bundleInChild(entry: string, cacheDir: string): Promise<{ builds: number; diskHits: number; output: string }> {
  const script = `
    const { bundleEntry, bundleStats } = require(${JSON.stringify(bundleModule)});
    const code = bundleEntry(${JSON.stringify(entry)}, { cacheDir: ${JSON.stringify(cacheDir)} });
    const out = require("node:crypto").createHash("sha256").update(code).digest("hex");
    const result = new Function("module", "exports", "require", code);
    const m = { exports: {} };
    result(m, m.exports, require);
    console.log(JSON.stringify({ ...bundleStats, output: out, answer: m.exports.answer }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(stdout.trim().split("\n").pop()!)) : reject(new Error(`child failed (${code}): ${stderr}`))));
  });
}

function project(): { dir: string; entry: string; cacheDir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-cache-"));
  fs.mkdirSync(path.join(dir, "lib"));
  fs.writeFileSync(path.join(dir, "entry.ts"), 'import { value } from "./lib/middle";\nexport const answer: number = value * 2;\n');
  fs.writeFileSync(path.join(dir, "lib", "middle.ts"), 'import { base } from "./leaf";\nexport const value = base + 1;\n');
  fs.writeFileSync(path.join(dir, "lib", "leaf.ts"), "export const base = 20;\n");
  return { dir, entry: path.join(dir, "entry.ts"), cacheDir: path.join(dir, "cache") };
}

describe("bundle cache", () => {
  it("builds once, then a fresh process reads the same bundle from disk", async () => {
    const p = project();
    const first = await bundleInChild(p.entry, p.cacheDir);
    assert.deepEqual([first.builds, first.diskHits], [1, 0]);
    const second = await bundleInChild(p.entry, p.cacheDir);
    assert.deepEqual([second.builds, second.diskHits], [0, 1]);
    assert.equal(second.output, first.output);
    assert.equal((second as unknown as { answer: number }).answer, 42);
  });

  it("an edit two imports down is rebuilt and served, not the stale bundle", async () => {
    const p = project();
    await bundleInChild(p.entry, p.cacheDir);
    fs.writeFileSync(path.join(p.dir, "lib", "leaf.ts"), "export const base = 41;\n");
    const after = await bundleInChild(p.entry, p.cacheDir);
    assert.equal(after.builds, 1);
    assert.equal((after as unknown as { answer: number }).answer, 84);
  });

  it("a damaged cached bundle is rebuilt, never served", async () => {
    const p = project();
    const first = await bundleInChild(p.entry, p.cacheDir);
    fs.writeFileSync(path.join(p.cacheDir, "objects", `${first.output}.js`), "module.exports = { answer: -1 };");
    const again = await bundleInChild(p.entry, p.cacheDir);
    assert.equal(again.builds, 1);
    assert.equal((again as unknown as { answer: number }).answer, 42);
  });

  it("four processes building the same bundle at once leave one valid cache entry", async () => {
    const p = project();
    const results = await Promise.all(Array.from({ length: 4 }, () => bundleInChild(p.entry, p.cacheDir)));
    assert.equal(new Set(results.map((r) => r.output)).size, 1);
    const leftovers = fs.readdirSync(p.cacheDir).concat(fs.readdirSync(path.join(p.cacheDir, "objects"))).filter((f) => f.endsWith(".tmp"));
    assert.deepEqual(leftovers, []);
    const next = await bundleInChild(p.entry, p.cacheDir);
    assert.deepEqual([next.builds, next.diskHits], [0, 1]);
  });
});

describe("bundling handlers together", () => {
  it("gives each handler byte for byte the bundle a build of it alone gives", async () => {
    const script = `
      const path = require("node:path");
      const { bundleEntries } = require(${JSON.stringify(bundleModule)});
      const { HANDLERS } = require(${JSON.stringify(path.join(root, "runtime", "contract.ts"))});
      const entries = HANDLERS.map((h) => path.join(${JSON.stringify(path.join(root, "runtime", "handlers"))}, h + ".ts"));
      const os = require("node:os"), fs = require("node:fs");
      const together = bundleEntries(entries, { cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), "together-")) });
      const alone = entries.map((e) => bundleEntries([e], { cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), "alone-")) })[0]);
      console.log(JSON.stringify(entries.map((e, i) => [path.basename(e), together[i] === alone[i], together[i].length])));`;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(stderr))));
    });
    const rows = JSON.parse(out.trim().split("\n").pop()!) as [string, boolean, number][];
    assert.equal(rows.length, 9);
    for (const [name, same, bytes] of rows) {
      assert.ok(bytes > 1000, `${name} bundled`);
      assert.equal(same, true, `${name}: built together differs from built alone`);
    }
  });
});
