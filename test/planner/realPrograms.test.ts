/**
 * Real programs' shapes: an async entry point, an ES module, a program that reads files relative
 * to itself, a program that throws, a program without a stack file. Each is planned as `pulumi
 * preview` would run it, or reported as it would fail: through the CLI where the process is the
 * point (an ES module, failures and their exit codes), else by the same command in this process.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { plan, planProgram, planProgramHere, resourcesByName, root } from "./cli";

interface PlanJson {
  resourceCount: number;
  region: string;
  outputs?: Record<string, unknown>;
  estimate: { region: string; lineItems: { resource: string; what: string; monthlyUsd: number }[] };
}

describe("a program whose entry point is an async function", () => {
  it("is called, as the Pulumi Node.js host does: its resources are planned and priced", async () => {
    const r = await planProgramHere("async-export", "--json");
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as PlanJson;
    assert.equal(doc.resourceCount, 2);
    const byName = resourcesByName(r.stdout);
    assert.equal(byName.get("app-server")?.inputs.instanceType, "t3.micro");
    assert.ok(doc.estimate.lineItems.some((i) => i.resource === "app-server" && /t3\.micro/.test(i.what) && i.monthlyUsd > 0));
    // What the function resolved to is the stack's outputs.
    assert.deepEqual(Object.keys(doc.outputs ?? {}).sort(), ["dataSize", "serverType"]);
  });

  it("in an ES module, the default export is called", () => {
    const r = planProgram("esm-default");
    assert.equal(r.status, 1, r.stderr); // its Elastic IP is a forbidden type: the rules saw it
    assert.match(r.stdout, /Offline plan of esm-default \(stack dev, us-east-1\): 2 resources to create/);
    assert.match(r.stdout, /eip:Eip "egress-ip" is a forbidden expensive resource type/);
  });
});

describe("the working directory", () => {
  it("is the program's directory: a static site reads ./www relative to itself", async () => {
    const r = await planProgramHere("static-site", "--json");
    assert.equal(r.status, 0, r.stderr);
    const keys = [...resourcesByName(r.stdout).values()].filter((x) => x.type === "aws:s3/bucketObjectv2:BucketObjectv2").map((x) => x.inputs.key).sort();
    assert.deepEqual(keys, ["404.html", "img/logo.svg", "index.html", "site.css"]);
  });
});

describe("a program that throws", () => {
  const ownFramesOnly = (stderr: string) => {
    const frames = stderr.split("\n").filter((l) => /^\s+at /.test(l));
    assert.ok(frames.length > 0, `no stack frame shown:\n${stderr}`);
    for (const f of frames) assert.match(f, /test\/fixtures\/programs\/throws\/(index|naming)\.ts:\d+:\d+/, `a frame not in the program's own files: ${f}`);
  };

  it("while it is loaded: 'program failed', its message, its own frames, exit 3", () => {
    const r = planProgram("throws");
    assert.equal(r.status, 3, `exit ${r.status}\n${r.stderr}`);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^program failed: sitePrefix "My_Site" must be lowercase letters, digits and hyphens$/m);
    assert.match(r.stderr, /at bucketPrefix \(.*naming\.ts:4:\d+\)/);
    assert.match(r.stderr, /index\.ts:9:\d+/);
    ownFramesOnly(r.stderr);
  });

  it("after an await in its async entry point: the same, with the error's kind", () => {
    const r = planProgram("throws", "--stack", "async");
    assert.equal(r.status, 3, `exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, /^program failed: RangeError: replica count file says 0: at least 1 replica is needed$/m);
    assert.match(r.stderr, /naming\.ts:11:\d+/);
    ownFramesOnly(r.stderr);
  });

  it("that cannot start (no entry file): 'program failed' and what to do, exit 3, no frames", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-noentry-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: noentry\nruntime: nodejs\n");
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  aws:region: us-east-1\n");
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
    const r = plan("--program", dir);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /^program failed: no program entry \(package\.json main, index\.ts or index\.js\) in /m);
    assert.ok(!/^\s+at /m.test(r.stderr), r.stderr);
  });

  it("inside an apply that computes an input: the program fails, the resource is not silently dropped", () => {
    const r = planProgram("throws", "--stack", "apply");
    assert.equal(r.status, 3, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /^program failed: .*bucket my-site-assets-\w+ is not a shared bucket: no public read policy$/m);
    assert.match(r.stderr, /naming\.ts:15:\d+/);
    ownFramesOnly(r.stderr);
  });
});

describe("a program without Pulumi.<stack>.yaml", () => {
  it("runs with empty config (plus Pulumi.yaml's project values and defaults), with a note", async () => {
    const r = await planProgramHere("no-stack-file", "--json");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /note: no stack config Pulumi\.dev\.yaml in .*no-stack-file \(stacks here: none\): planned with empty config, as `pulumi preview` does on a new stack/);
    const doc = JSON.parse(r.stdout) as PlanJson & { notes: string[] };
    assert.ok(doc.notes.some((n) => n.includes("Pulumi.dev.yaml")), "the note is in --json too");
    // aws:region comes from Pulumi.yaml's project-level config; instanceType from its declared default.
    assert.equal(doc.region, "eu-west-1");
    assert.equal(doc.estimate.region, "eu-west-1");
    const byName = resourcesByName(r.stdout);
    assert.equal(byName.get("worker")?.inputs.instanceType, "t3.small");
    assert.equal(byName.get("scratch")?.inputs.size, 50);
  });

  it("a key the program requires is then a config error: one line, exit 2, not a program failure", () => {
    const r = planProgram("throws", "--stack", "fresh");
    assert.equal(r.status, 2, `exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, /note: no stack config Pulumi\.fresh\.yaml .*\(stacks here: apply, async, dev\)/);
    assert.match(r.stderr, /note: aws:region is not set in the stack config: planned and priced in us-east-1/);
    assert.match(r.stderr, /^Missing required configuration variable 'throws:sitePrefix': please set a value using the command `pulumi config set throws:sitePrefix <value>`$/m);
    assert.ok(!/^\s+at /m.test(r.stderr), r.stderr);
    assert.equal(r.stdout, "");
  });
});
