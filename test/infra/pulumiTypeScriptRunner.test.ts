/**
 * `pulumi up` does not use tsx: its Node.js host compiles the program with ts-node over the
 * project's own `typescript`, type checking on. A TypeScript that ts-node cannot drive (7.x has
 * no JavaScript API) or an option it cannot take would pass every other test here and fail the
 * first deployment. This test loads the program through the same path (in a plain Node child
 * process) and runs it under the mocks.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { loadStackConfig } from "../../tools/offline/runProgram";

const root = path.join(__dirname, "..", "..");

describe("Pulumi's own TypeScript runner", () => {
  it("type-checks and loads index.ts with the project's typescript, and the program declares the dev stack", () => {
    const { values } = loadStackConfig(root, "dev");
    const r = spawnSync(process.execPath, [path.join(root, "test", "support", "pulumiTypeScriptRunner.cjs"), root, "dev", JSON.stringify(values)], {
      cwd: root,
      encoding: "utf8",
      timeout: 300_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { typescript: string; resources: number };
    assert.equal(out.typescript, require("typescript/package.json").version, "the project's typescript, not Pulumi's vendored 3.8");
    assert.ok(out.resources > 50, `${out.resources} resources`);
  });
});
