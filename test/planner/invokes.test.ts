/**
 * Lookups (invokes) under the offline plan: the common ones are answered with values shaped as
 * AWS returns them, so what a program builds from them (an instance in a subnet from an AMI, a
 * role policy from a policy document) is what the rules and the estimator see; a lookup the plan
 * cannot answer is named in the output, never silently answered with nonsense.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { planProgramHere, resourcesByName, type PlanResult } from "./cli";

describe("a program that looks things up before declaring resources", () => {
  let json: PlanResult;
  let text: PlanResult;
  before(async () => {
    json = await planProgramHere("invokes", "--json");
    text = await planProgramHere("invokes");
  });

  it("gets ids, an AMI, zones, the account and the region as AWS shapes them", () => {
    assert.ok(json.status === 0 || json.status === 1, json.stderr);
    const byName = resourcesByName(json.stdout);
    const arm = byName.get("arm-worker")!.inputs;
    assert.match(String(arm.ami), /^ami-[0-9a-f]{17}$/);
    assert.match(String(arm.subnetId), /^subnet-[0-9a-f]{17}$/);
    assert.equal(arm.availabilityZone, "eu-west-1a");
    const x86 = byName.get("x86-worker")!.inputs;
    // The public AMI parameter's value is an AMI id, as AWS publishes it.
    assert.match(String(x86.ami), /^ami-[0-9a-f]{17}$/);
    assert.notEqual(x86.subnetId, arm.subnetId, "distinct subnets");
    const sg = byName.get("web")!.inputs as { vpcId: string; ingress: { cidrBlocks: string[] }[] };
    assert.match(sg.vpcId, /^vpc-[0-9a-f]{17}$/);
    assert.match(sg.ingress[0]!.cidrBlocks[0]!, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
    // A parameter's value and a field of a JSON secret are strings a program can use.
    const roleTags = byName.get("worker")!.inputs.tags as Record<string, unknown>;
    assert.match(String(roleTags.LogLevel), /\S/);
    assert.match(String(roleTags.DbUser), /^\w+$/);
  });

  it("gets an IAM JSON policy document, so the IAM rule sees the `*` action in it", () => {
    const policy = JSON.parse(String(resourcesByName(json.stdout).get("worker-access")!.inputs.policy)) as { Version: string; Statement: Record<string, unknown>[] };
    assert.equal(policy.Version, "2012-10-17");
    assert.deepEqual(policy.Statement[0], { Sid: "ReadSite", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::fixture-123456789012-eu-west-1/*" });
    assert.deepEqual(policy.Statement[2], {
      Effect: "Allow",
      Action: "sts:AssumeRole",
      Principal: { Service: "ec2.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
    assert.equal(text.status, 1, text.stderr);
    assert.match(text.stdout, /✖ iam-least-privilege\s+mandatory\s+1 violation/);
    assert.match(text.stdout, /statement "Everything" allows \*: list the actions it needs/);
  });

  it("names the lookup it could not answer, in text and in --json", () => {
    assert.match(text.stdout, /Lookups the offline plan could not answer[^\n]*:\n\s+aws:route53\/getZone:getZone \(1 call\)/);
    const doc = JSON.parse(json.stdout) as { unansweredInvokes: { token: string; calls: number }[] };
    assert.deepEqual(doc.unansweredInvokes, [{ token: "aws:route53/getZone:getZone", calls: 1 }]);
  });
});
