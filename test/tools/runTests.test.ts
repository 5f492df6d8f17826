/**
 * `npm test` (tools/runTests.ts) over a few test files of its own: CI trusts its exit code, so a
 * failure in a shared process or in a process of its own must fail the run, and say where.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.join(__dirname, "..", "..");

function suite(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-runtests-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function npmTest(dir: string) {
  return spawnSync(process.execPath, ["--import", "tsx", path.join(root, "tools", "runTests.ts"), dir], { cwd: root, encoding: "utf8", env: { ...process.env, COSTGUARD_TEST_SHARDS: "2", COSTGUARD_TEST_TIMES: path.join(dir, "times.json") } });
}

const passing = (name: string) => `import { it } from "node:test";\nit("${name} passes", () => {});\n`;
const failing = (name: string) => `import assert from "node:assert/strict";\nimport { it } from "node:test";\nit("${name} fails", () => assert.equal(1, 2));\n`;

describe("npm test's exit code and report", () => {
  it("passes when every file passes, shared or not, and runs each once", () => {
    const dir = suite({ "a.test.ts": passing("a"), "b.test.ts": passing("b"), "c.test.ts": passing("c"), "own.test.ts": `// test-isolation: process (for this test)\n${passing("own")}` });
    const r = npmTest(dir);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /4 test files: 1 in processes of their own, 3 sharing 2 processes/);
    for (const name of ["a", "b", "c", "own"]) assert.equal(r.stdout.split(`✔ ${name} passes`).length - 1, 1, `${name} ran once`);
    assert.match(r.stdout, /all test groups passed/);
    // What each file took, for the next run's balance.
    const times = JSON.parse(fs.readFileSync(path.join(dir, "times.json"), "utf8")) as Record<string, number>;
    assert.deepEqual(Object.keys(times).map((f) => path.basename(f)).sort(), ["a.test.ts", "b.test.ts", "c.test.ts", "own.test.ts"]);
    assert.ok(Object.values(times).every((ms) => ms >= 0));
  });

  it("fails when a test in a shared process fails, naming the test and the group", () => {
    const r = npmTest(suite({ "a.test.ts": passing("a"), "b.test.ts": failing("b"), "c.test.ts": passing("c") }));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /✖ b fails/);
    assert.match(r.stdout, /FAILED: shared process \d of 2/);
  });

  it("fails when a file ends its shared process early, which would skip the files after it", () => {
    const r = npmTest(suite({ "a.test.ts": passing("a"), "b.test.ts": `import { it } from "node:test";\nit("b leaves", () => process.exit(0));\n`, "c.test.ts": passing("c") }));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAILED \(it ended before its summary: did a test call process\.exit\?\)/);
  });

  it("fails when a test in a process of its own fails", () => {
    const r = npmTest(suite({ "a.test.ts": passing("a"), "own.test.ts": `// test-isolation: process (for this test)\n${failing("own")}` }));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /✖ own fails/);
    assert.match(r.stdout, /FAILED: one process per file/);
  });
});
