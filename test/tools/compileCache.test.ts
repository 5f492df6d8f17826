/**
 * The tools turn V8's compile cache on before loading anything heavy, in their own process and,
 * through NODE_COMPILE_CACHE, in every process they start (test files, the plans tests spawn).
 * A child started with a clean environment shows both.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.join(__dirname, "..", "..");

function child(env: NodeJS.ProcessEnv): { dir: string | null; inherited: string | undefined } {
  const script = `require("./tools/compileCache"); const m = require("node:module");
    const r = require("node:child_process").spawnSync(process.execPath, ["-e", "process.stdout.write(process.env.NODE_COMPILE_CACHE || '')"], { encoding: "utf8" });
    console.log(JSON.stringify({ dir: m.getCompileCacheDir() ?? null, inherited: r.stdout || undefined }));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: root, encoding: "utf8", env });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

describe("the compile cache", () => {
  it("is on in a tool's process and its children, under node_modules/.cache by default", () => {
    const env = { ...process.env };
    delete env.NODE_COMPILE_CACHE;
    const { dir, inherited } = child(env);
    const expected = path.join(root, "node_modules", ".cache", "node-compile-cache");
    assert.ok(dir?.startsWith(expected), `compile cache dir ${dir}, expected under ${expected}`);
    assert.equal(inherited, expected, "a child process inherits the cache");
  });

  it("NODE_COMPILE_CACHE chooses the directory, which fills with cached code", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-compile-cache-"));
    try {
      const { dir, inherited } = child({ ...process.env, NODE_COMPILE_CACHE: tmp });
      assert.ok(dir?.startsWith(tmp), `${dir}`);
      assert.equal(inherited, tmp);
      const files = fs.readdirSync(tmp, { recursive: true }).length;
      assert.ok(files > 0, "nothing was cached");
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
