/**
 * The offline plan's policy results equal the real analyzer's: each fixture program under
 * test/fixtures/analyzer is planned as `npm run plan` plans it (first preview, under the mocks),
 * and the very resources the engine would send are run through the real analyzer that
 * `pulumi preview --policy-pack policy` uses (test/support/realAnalyzer.ts, one process for all
 * fixtures). Every finding must match one to one: policy, resource URN, enforcement level and
 * message (the analyzer prefixes a rule's message with its description); and so must the
 * remediations. A drift in either the runner or the pack fails here.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { RealAnalyzer, type RealRun } from "../support/realAnalyzer";
import type { PlannedProgram } from "../support/planProgram";

const root = path.join(__dirname, "..", "..");
const FIXTURES = ["secrets", "unknowns", "remediation", "expanded"] as const;
const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
type Fixture = (typeof FIXTURES)[number];

interface Finding {
  policy: string;
  urn: string;
  level: string;
  message: string;
}

function planProgram(fixture: Fixture, out: string): Promise<PlannedProgram> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "test", "support", "planProgram.ts"), path.join(root, "test", "fixtures", "analyzer", fixture), "dev", out], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(fs.readFileSync(out, "utf8")) as PlannedProgram) : reject(new Error(`planning ${fixture} failed (${code}):\n${stderr}`))));
  });
}

const sorted = (xs: Finding[]) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

function realFindings(run: RealRun): Finding[] {
  return run.diagnostics.map((d) => ({
    policy: d.policy,
    urn: d.urn ?? "",
    level: d.level,
    message: d.message.startsWith(`${d.description}\n`) ? d.message.slice(d.description.length + 1) : d.message,
  }));
}

function planFindings(p: PlannedProgram): Finding[] {
  return p.plan.violations.map((v) => ({ policy: v.policy, urn: v.urn ?? "", level: v.level, message: v.message }));
}

describe("the offline plan agrees with the real policy analyzer", { timeout: 180_000 }, () => {
  let starting: Promise<RealAnalyzer> | undefined;
  const planned = new Map<Fixture, PlannedProgram>();
  const real = new Map<Fixture, RealRun>();
  const timings: string[] = [];

  before(async () => {
    const started = Date.now();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "analyzer-agreement-"));
    try {
      // The pack starts while the programs are planned (one child process each).
      starting = RealAnalyzer.start(path.join(root, "policy"));
      const [analyzer, ...programs] = await Promise.all([starting, ...FIXTURES.map((f) => planProgram(f, path.join(tmp, `${f}.json`)))]);
      FIXTURES.forEach((f, i) => planned.set(f, programs[i]!));
      const analyzed = Date.now();
      for (const f of FIXTURES) {
        const p = planned.get(f)!;
        real.set(f, await analyzer.run({ project: p.project, stack: p.stack, config: p.config, resources: p.engine, policyConfigFile: p.policyConfigFile }));
      }
      timings.push(`analyzer started in ${(analyzer.startedInMs / 1000).toFixed(1)} s; programs planned in ${programs.map((p) => p.seconds.toFixed(1)).join(", ")} s; analysis ${((Date.now() - analyzed) / 1000).toFixed(1)} s; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
  // Stop the pack even when planning failed, or its process keeps the test alive.
  after(async () => (await starting?.catch(() => undefined))?.close());

  for (const fixture of FIXTURES) {
    it(`${fixture}: every finding and every remediation matches`, (t) => {
      t.diagnostic(timings.join("; "));
      const p = planned.get(fixture)!;
      const r = real.get(fixture)!;
      assert.ok(r.diagnostics.length > 0, "the fixture gives the analyzer something to report");
      assert.deepEqual(sorted(planFindings(p)), sorted(realFindings(r)));
      assert.deepEqual(
        p.plan.remediations.map((x) => ({ policy: x.policy, urn: x.urn, changed: x.changed })),
        r.remediations,
      );
    });
  }

  const findingsOf = (f: Fixture) => planFindings(planned.get(f)!);
  const realRun = (f: Fixture) => real.get(f)!;

  it("secrets: unwrapped before the rules see them, in Lambda and container environments", () => {
    const secrets = findingsOf("secrets").filter((x) => x.policy === "no-plain-secrets");
    assert.deepEqual(
      secrets.map((x) => [x.level, /sets (\w+) in plain text/.exec(x.message)?.[1]]).sort(),
      // STRIPE_KEY twice: on the awsx service's inputs and in the task definition awsx creates (expanded by rule).
      [["mandatory", "API_TOKEN"], ["mandatory", "DB_PASSWORD"], ["mandatory", "SLACK_WEBHOOK_URL"], ["mandatory", "STRIPE_KEY"], ["mandatory", "STRIPE_KEY"]],
    );
  });

  it("secrets: a resource two components deep is named by the whole parent type chain", () => {
    const urns = findingsOf("secrets").filter((x) => (x.policy === "required-tags" || x.policy === "no-open-admin-ports") && x.urn.includes("fixture:nested")).map((x) => x.urn).sort();
    assert.deepEqual(urns, [
      "urn:pulumi:dev::analyzer-secrets::fixture:nested:Outer$fixture:nested:Inner$aws:ec2/securityGroup:SecurityGroup::outer-inner-ssh",
      "urn:pulumi:dev::analyzer-secrets::fixture:nested:Outer$fixture:nested:Inner$aws:sns/topic:Topic::outer-inner-topic",
    ]);
  });

  it("the plan hands the rules what the engine sends: secret envelopes, unknown sentinels, default providers, dependencies", () => {
    const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
    const resource = (f: Fixture, name: string) => planned.get(f)!.engine.find((r) => r.name === name)!;
    const env = resource("secrets", "one-secret-fn").inputs.environment as { variables: Record<string, unknown> };
    assert.deepEqual(env.variables, { DB_PASSWORD: { ...SECRET, value: "hunter2-plaintext" }, LOG_LEVEL: "info" }, "the secret where the program put it");
    const box = resource("unknowns", "unknown-type");
    assert.equal(box.inputs.instanceType, UNKNOWN_SENTINEL);
    assert.equal(box.outputs.arn, UNKNOWN_SENTINEL);
    assert.equal(box.outputs.id, UNKNOWN_SENTINEL);
    const anchor = resource("unknowns", "anchor");
    assert.match(String(anchor.inputs.name), /^anchor-[0-9a-f]{7}$/, "auto-named by Check, so known");
    assert.equal(anchor.outputs.url, UNKNOWN_SENTINEL);
    const provider = planned.get("unknowns")!.engine.find((r) => r.urn === box.provider)!;
    assert.match(provider.urn, /^urn:pulumi:dev::analyzer-unknowns::pulumi:providers:aws::default_\d+_\d+_\d+$/);
    assert.equal(provider.inputs.region, "us-east-1");
    assert.deepEqual(resource("unknowns", "fn-policy").propertyDependencies.policy, [anchor.urn]);
  });

  it("unknowns: each rule that reads an unknown value can't run (advisory), and no remediation runs on one", () => {
    const cantRun = findingsOf("unknowns").filter((x) => x.message.startsWith("can't run "));
    assert.ok(cantRun.every((x) => x.level === "advisory"));
    assert.deepEqual([...new Set(cantRun.map((x) => x.policy))].sort(), [
      "allowed-instance-types",
      "ebs-gp3",
      "ecr-lifecycle-policy",
      "forbidden-resource-types",
      "iam-least-privilege",
      "lambda-log-group-retention",
      "log-group-retention",
      "no-open-admin-ports",
      "no-plain-secrets",
      "rds-safety",
      "required-tags",
      "s3-bucket-security",
      "sns-encrypted-in-prod",
      "ssm-instead-of-ssh-in-prod",
    ]);
    assert.match(cantRun.find((x) => x.policy === "required-tags")!.message, /^can't run policy 'required-tags' from policy pack 'costguard@v[\d.]+' during preview: string value at \.tags\.Environment can't be known during preview$/);
    const remediations = cantRun.filter((x) => x.message.startsWith("can't run remediation")).map((x) => x.policy).sort();
    assert.deepEqual(remediations, ["ebs-gp3", "log-group-retention"]);
    assert.deepEqual(planned.get("unknowns")!.plan.remediations, []);
    assert.deepEqual(findingsOf("unknowns").filter((x) => x.level === "mandatory" && x.policy !== "stack-cost-cap"), []);
  });

  it("remediation: known values are remediated and the cost cap prices the result", () => {
    const rem = planned.get("remediation")!.plan.remediations.map((x) => `${x.policy} ${x.urn.split("::").pop()}: ${x.changed.join(", ")}`);
    assert.deepEqual(rem.sort(), ["ebs-gp3 big-gp2: type", "ebs-gp3 box: ebsBlockDevices, rootBlockDevice", "ebs-gp3 untyped: type", "log-group-retention forever: retentionInDays"]);
    const findings = findingsOf("remediation");
    assert.deepEqual(findings.filter((x) => x.policy === "log-group-retention").map((x) => x.message), ['Log group "ten-years" keeps logs 3653 days, more than the 365 allowed: lower retentionInDays.']);
    assert.equal(findings.filter((x) => x.policy === "ebs-gp3").length, 0);
    const cap = findings.find((x) => x.policy === "stack-cost-cap");
    assert.ok(cap && cap.level === "mandatory", "the stack is over its $10 cap");
    assert.match(cap.message, /big-gp2 \(aws:ebs\/volume:Volume\): \$16\.00 after free tier/, "priced as gp3 (200 GB × $0.08), as remediated");
  });

  it("expanded: the children remote components create are judged alike, the awsx VPC's NAT gateways first", () => {
    const real = realFindings(realRun("expanded"));
    const nat = (xs: Finding[]) => xs.filter((x) => x.policy === "forbidden-resource-types" && /\$aws:ec2\/natGateway:NatGateway::net-[12]$/.test(x.urn)).map((x) => x.urn).sort();
    assert.deepEqual(nat(real), ["urn:pulumi:dev::analyzer-expanded::awsx:ec2:Vpc$aws:ec2/vpc:Vpc$aws:ec2/subnet:Subnet$aws:ec2/natGateway:NatGateway::net-1", "urn:pulumi:dev::analyzer-expanded::awsx:ec2:Vpc$aws:ec2/vpc:Vpc$aws:ec2/subnet:Subnet$aws:ec2/natGateway:NatGateway::net-2"]);
    assert.deepEqual(nat(findingsOf("expanded")), nat(real));
    assert.ok(real.some((x) => x.policy === "no-open-admin-ports" && x.urn.endsWith("awsx:lb:ApplicationLoadBalancer$aws:ec2/securityGroup:SecurityGroup::front")), "the open security group awsx gives the load balancer");
    assert.ok(real.some((x) => x.policy === "allowed-instance-types" && x.urn.endsWith("eks:index:Cluster$aws:ec2/launchTemplate:LaunchTemplate::k8s-launchTemplate")), "the node group's launch template");
    const cap = real.filter((x) => x.policy === "stack-cost-cap");
    assert.deepEqual(cap.map((x) => x.level), ["advisory"], "an unpriced resource: a warning the analyzer keeps advisory");
    assert.match(cap[0]!.message, /^Estimated stack cost ≥ \$[\d,.]+\/month .*1 resource could not be priced: notebook/);
  });
});

