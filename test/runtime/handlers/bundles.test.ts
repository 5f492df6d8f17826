/**
 * Every handler as GuardFunction deploys it: bundles, loads in a fresh module scope without
 * touching AWS at load time, and exports `handler`. A handler whose module fails at load time
 * would fail every invocation.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { bundleHandler, HANDLERS_DIR } from "../../../components/guardFunction";
import { HANDLERS } from "../../../runtime/contract";

describe("handler bundles", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-bundles-"));
  for (const name of HANDLERS) {
    it(`${name}: bundles, loads and exports handler()`, () => {
      assert.ok(fs.existsSync(path.join(HANDLERS_DIR, `${name}.ts`)), `runtime/handlers/${name}.ts exists`);
      const file = path.join(dir, `${name}.js`);
      fs.writeFileSync(file, bundleHandler(name));
      const mod = require(file) as { handler?: unknown };
      assert.equal(typeof mod.handler, "function");
      assert.ok(!/not wired/.test(fs.readFileSync(file, "utf8")), "no integration placeholder left in the bundle");
    });
  }
});
