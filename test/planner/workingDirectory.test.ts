/**
 * runProgram in this process: the program runs in its own directory, and the caller's working
 * directory is back afterwards.
 */
import assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import { it } from "node:test";
import { runProgram } from "../../tools/offline/runProgram";

it("runs the program in its directory and restores the caller's", async () => {
  const caller = os.tmpdir();
  const before = process.cwd();
  process.chdir(caller);
  let run;
  try {
    run = await runProgram({ programDir: path.join(__dirname, "..", "fixtures", "programs", "static-site"), stack: "dev", firstPreview: true });
    assert.equal(process.cwd(), caller);
  } finally {
    process.chdir(before); // this process runs other test files after this one
  }
  const keys = run.resources.filter((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2").map((r) => r.inputs.key).sort();
  assert.deepEqual(keys, ["404.html", "img/logo.svg", "index.html", "site.css"]);
  assert.deepEqual(run.notes, []);
  assert.deepEqual(run.unansweredInvokes, []);
});
