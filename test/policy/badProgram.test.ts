/**
 * The deliberately bad program (test/fixtures/bad-program) planned through the real CLI:
 * the plan exits 1 and names every violation.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { planHere, type PlanResult } from "../planner/cli";

const plan = (...args: string[]) => planHere("--program", "test/fixtures/bad-program", ...args);

describe("npm run plan -- --program test/fixtures/bad-program", () => {
  let text: PlanResult;
  let json: PlanResult;
  before(async () => {
    text = await plan();
    json = await plan("--json");
  });

  it("exits 1 (mandatory violations)", () => {
    assert.equal(text.status, 1, text.stderr);
    assert.equal(json.status, 1, json.stderr);
  });

  it("names each violation, rule by rule", () => {
    const out = text.stdout;
    const expect: [string, RegExp][] = [
      ["forbidden-resource-types", /natGateway:NatGateway "bad-nat" is a forbidden expensive resource type/],
      ["forbidden-resource-types", /eip:Eip "bad-nat-ip" is a forbidden expensive resource type/],
      ["ebs-gp3", /"bad-gp2-volume" uses gp2/],
      ["no-open-admin-ports", /"bad-open-ssh" ingress\[0\] opens port 22 to 0\.0\.0\.0\/0/],
      ["required-tags", /"bad-big-instance" is missing tags Environment, Project/],
      ["allowed-instance-types", /"bad-big-instance" uses m5\.4xlarge \(instanceType\), not allowed in dev/],
      ["no-plain-secrets", /"bad-fn" environment sets DB_PASSWORD in plain text/],
      ["stack-cost-cap", /exceeds the cap of \$1\.00\. Biggest items: bad-big-instance/],
    ];
    for (const [rule, message] of expect) {
      assert.match(out, new RegExp(`✖ ${rule}\\s+mandatory`), `${rule} reported as failing`);
      assert.match(out, message, rule);
    }
    assert.match(out, /8 mandatory violations: the plan fails\./);
  });

  it("gives the same violations in --json, and the monthly estimate", () => {
    const doc = JSON.parse(json.stdout) as { policies: { mandatoryViolations: number; results: { name: string; violations: { level: string }[] }[] }; estimate: { listMonthlyUsd: number } };
    assert.equal(doc.policies.mandatoryViolations, 8);
    const failing = doc.policies.results.filter((r) => r.violations.some((v) => v.level === "mandatory")).map((r) => r.name).sort();
    // Its function has no declared log group: an advisory, not a failure.
    assert.deepEqual(doc.policies.results.find((r) => r.name === "lambda-log-group-retention")!.violations.map((v) => v.level), ["advisory"]);
    assert.deepEqual(failing, ["allowed-instance-types", "ebs-gp3", "forbidden-resource-types", "no-open-admin-ports", "no-plain-secrets", "required-tags", "stack-cost-cap"]);
    // m5.4xlarge 560.64 + 8 GB root 0.64 + NAT 32.85 + 0.45 + EIP 3.65 + 100 GB gp2 10.00 + Lambda requests/compute
    assert.ok(Math.abs(doc.estimate.listMonthlyUsd - 608.23) < 0.01, String(doc.estimate.listMonthlyUsd));
  });

  it("counts the provider's default tags from stack config (aws:defaultTags) as tags", async () => {
    const tagged = await plan("--stack", "tagged");
    assert.equal(tagged.status, 1, tagged.stderr);
    assert.match(tagged.stdout, /✔ required-tags\s+mandatory\s+pass/);
    assert.match(tagged.stdout, /7 mandatory violations: the plan fails\./);
  });
});
