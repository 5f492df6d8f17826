/**
 * `npm run policy:pack` builds a pack `pulumi policy publish` can upload: one directory that
 * needs nothing outside itself but its declared dependencies, and whose rules judge resources
 * exactly as the source pack does (the cost rule included, which is why it is bundled).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as vm from "node:vm";
import type { Policies, PolicyPackArgs } from "@pulumi/policy";
import { policies as sourcePolicies, POLICY_PACK_NAME } from "../../policy/policies";
import { runPolicies, readPackConfig } from "../../tools/offline/policyRunner";
import { buildPolicyPack, PACK_EXTERNALS, type BuiltPack } from "../../tools/policyPack";
import { provider, res, TAGS } from "./helpers";

const root = path.join(__dirname, "..", "..");

/**
 * Evaluates the bundled index.js the way Node would, except that `require` answers only the
 * declared dependencies and Node's built-ins (anything else means the pack is not
 * self-contained) and PolicyPack records its arguments instead of starting the gRPC server.
 */
function loadBundledPack(dir: string): { name: string; args: PolicyPackArgs; required: string[] } {
  const required: string[] = [];
  let captured: { name: string; args: PolicyPackArgs } | undefined;
  const realPolicy = require("@pulumi/policy") as typeof import("@pulumi/policy");
  const sandboxRequire = (id: string): unknown => {
    required.push(id);
    if (id === "@pulumi/policy") {
      return {
        ...realPolicy,
        PolicyPack: class {
          constructor(name: string, args: PolicyPackArgs) {
            captured = { name, args };
          }
        },
      };
    }
    if ((PACK_EXTERNALS as readonly string[]).includes(id) || builtinModules.includes(id.replace(/^node:/, ""))) return require(id);
    throw new Error(`the bundled pack requires ${id}, which a published pack would not have`);
  };
  const file = path.join(dir, "index.js");
  const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(file, "utf8")}\n})`, { filename: file });
  const module = { exports: {} };
  wrapper(module.exports, sandboxRequire, module, file, dir);
  assert.ok(captured, "index.js constructs a PolicyPack");
  return { ...captured, required };
}

// Resources that trip several rules, the cost cap among them (it needs the bundled pricing code).
const RESOURCES = [
  res("aws:ec2/instance:Instance", "big", { instanceType: "m5.4xlarge", tags: { Environment: "dev" } }),
  res("aws:ebs/volume:Volume", "old-disk", { type: "gp2", size: 100, availabilityZone: "us-east-1a", tags: TAGS }),
  res("aws:cloudwatch/logGroup:LogGroup", "forever", { tags: TAGS }),
  res("aws:s3/bucket:Bucket", "open", { tags: TAGS }),
].map((r) => ({ ...r, provider: provider({}) }));

async function judge(policies: Policies) {
  const result = await runPolicies(structuredClone(RESOURCES), { policies, config: readPackConfig(path.join(root, "policy", "config.dev.json")), stack: "dev", project: "demo" });
  return { violations: result.violations, remediations: result.remediations, mandatory: result.mandatoryViolations };
}

describe("npm run policy:pack (a pack for pulumi policy publish)", () => {
  let out: string;
  let pack: BuiltPack;
  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-pack-"));
    pack = buildPolicyPack(path.join(out, "pack"));
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it("writes the bundle, a manifest pointing at it with only the external modules as dependencies, and the pack's own files", () => {
    assert.deepEqual(fs.readdirSync(pack.dir).sort(), ["PulumiPolicy.yaml", "config.dev.json", "config.prod.json", "index.js", "package.json"]);
    const manifest = JSON.parse(fs.readFileSync(path.join(pack.dir, "package.json"), "utf8"));
    const source = JSON.parse(fs.readFileSync(path.join(root, "policy", "package.json"), "utf8"));
    assert.equal(manifest.main, "index.js");
    assert.equal(manifest.version, source.version);
    assert.deepEqual(manifest.dependencies, { "@pulumi/policy": source.dependencies["@pulumi/policy"], "@pulumi/pulumi": source.dependencies["@pulumi/pulumi"] });
    assert.equal(fs.readFileSync(path.join(pack.dir, "PulumiPolicy.yaml"), "utf8"), fs.readFileSync(path.join(root, "policy", "PulumiPolicy.yaml"), "utf8"));
  });

  it("is what npm pack (and so pulumi policy publish) would upload", () => {
    const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: pack.dir, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const [packed] = JSON.parse(r.stdout) as { files: { path: string }[] }[];
    assert.deepEqual(packed!.files.map((f) => f.path).sort(), ["PulumiPolicy.yaml", "config.dev.json", "config.prod.json", "index.js", "package.json"]);
  });

  it("needs nothing outside its directory but @pulumi/policy, and declares every rule of the source pack", () => {
    const loaded = loadBundledPack(pack.dir);
    assert.deepEqual([...new Set(loaded.required)], ["@pulumi/policy"]);
    assert.equal(loaded.name, POLICY_PACK_NAME);
    assert.deepEqual(
      loaded.args.policies.map((p) => [p.name, p.enforcementLevel]),
      sourcePolicies.map((p) => [p.name, p.enforcementLevel]),
    );
  });

  it("judges resources exactly as the source pack does, remediations and the cost cap included", async () => {
    const bundled = await judge(loadBundledPack(pack.dir).args.policies);
    const source = await judge(sourcePolicies);
    assert.deepEqual(bundled, source);
    const rules = new Set(bundled.violations.map((v) => v.policy));
    for (const rule of ["required-tags", "allowed-instance-types", "stack-cost-cap", "s3-bucket-security"]) assert.ok(rules.has(rule), `${rule} fires`);
    assert.ok(bundled.remediations.some((r) => r.policy === "ebs-gp3"), "gp2 → gp3 remediated");
  });

  it("rebuilds over its own output, but refuses a directory holding anything else and leaves it untouched", () => {
    assert.deepEqual(buildPolicyPack(pack.dir).files.sort(), fs.readdirSync(pack.dir).sort());
    const busy = path.join(out, "busy");
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, "notes.txt"), "mine");
    assert.throws(() => buildPolicyPack(busy), /busy holds other files \(notes\.txt\), which pulumi policy publish would upload too; choose a new or empty directory/);
    assert.deepEqual(fs.readdirSync(busy), ["notes.txt"]);
    const project = path.join(out, "project");
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, "package.json"), '{"name":"someone-else"}');
    assert.throws(() => buildPolicyPack(project), /package\.json belongs to another package, not a costguard-policy build/);
    assert.equal(fs.readFileSync(path.join(project, "package.json"), "utf8"), '{"name":"someone-else"}');
  });

  it("the command line says where the pack is and how to publish it, and refuses unknown options", () => {
    const tsx = ["--import", "tsx", path.join(root, "tools", "policyPack.ts")];
    const ok = spawnSync(process.execPath, [...tsx, "--out", path.join(out, "cli")], { cwd: root, encoding: "utf8" });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /policy pack built in .*cli: index\.js, package\.json, PulumiPolicy\.yaml/);
    assert.match(ok.stdout, /pulumi policy publish <org>/);
    assert.ok(fs.existsSync(path.join(out, "cli", "index.js")));
    const bad = spawnSync(process.execPath, [...tsx, "--outdir", "x"], { cwd: root, encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option --outdir; usage: npm run policy:pack/);
  });
});
