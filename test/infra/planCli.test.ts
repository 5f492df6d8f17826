/** The offline plan as a user runs it: exit codes and what it prints (the process where its exit code is the point, else the same command in this process). */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { plan, planHere, root } from "../planner/cli";

describe("npm run plan", () => {
  it("prints the dev stack's resources by component and exits 0", () => {
    const r = plan();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Offline plan of costguard \(stack dev, us-east-1\): \d+ resources to create/);
    assert.match(r.stdout, /▸ costguard:alerts:AlertChannel {2}alerts {2}\(\d+ resources\)/);
    assert.match(r.stdout, /aws:lambda\/function:Function/);
  });

  it("emits JSON with --json", async () => {
    const r = await planHere("--stack", "prod", "--json");
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.stack, "prod");
    assert.ok(out.byType["aws:kms/key:Key"] >= 1);
  });

  it("fails with exit 2 and one message per problem on a bad stack config", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-badcfg-"));
    for (const f of ["Pulumi.yaml", "index.ts", "lib.ts"]) fs.copyFileSync(path.join(root, f), path.join(dir, f));
    for (const d of ["components", "config", "runtime", "node_modules"]) fs.symlinkSync(path.join(root, d), path.join(dir, d));
    fs.writeFileSync(
      path.join(dir, "Pulumi.bad.yaml"),
      "config:\n  aws:region: us-east-1\n  costguard:environments:\n    dev:\n      maxHourlyUsd: eight\n  costguard:failsafe:\n    maxActionsPerRun: 0\n",
    );
    const r = plan("--program", dir, "--stack", "bad");
    assert.equal(r.status, 2, r.stdout);
    assert.match(r.stderr, /costguard stack config is invalid \(2 problems\)/);
    assert.match(r.stderr, /costguard:environments\.dev\.maxHourlyUsd must be a number \(got "eight"\)/);
    assert.match(r.stderr, /costguard:failsafe\.maxActionsPerRun .*\(got 0\)/);
  });

  it("plans a stack without a stack file with empty config, naming the known stacks; costguard then needs aws:region", async () => {
    const r = await planHere("--stack", "nope");
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /note: no stack config Pulumi\.nope\.yaml .*stacks here: dev, prod\): planned with empty config/);
    assert.match(r.stderr, /aws:region is not set/);
  });
});
