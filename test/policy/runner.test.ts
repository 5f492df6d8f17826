/** The offline runner behaves like the engine: config merging, remediation first, notApplicable, unknowns. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ebsGp3, logGroupRetention, policies, requiredTags } from "../../policy/policies";
import { effectivePolicyConfig, runPolicies } from "../../tools/offline/policyRunner";
import { res, run } from "./helpers";

describe("policy runner", () => {
  it("runs remediations before validations: a remediated gp2 volume passes and the change is recorded", async () => {
    const r = await run(ebsGp3, [res("aws:ebs/volume:Volume", "v", { size: 10, type: "gp2" })], { "ebs-gp3": "remediate" });
    assert.deepEqual(r.violations, []);
    assert.deepEqual(r.remediations, [{ policy: "ebs-gp3", resource: "aws:ebs/volume:Volume::v", changed: ["type"] }]);
  });
  it("remediates missing log retention with the configured default, which stack rules then see", async () => {
    const seen: unknown[] = [];
    const spy = { name: "spy", description: "records retention", enforcementLevel: "advisory" as const, validateStack: (args: { resources: { props: Record<string, unknown> }[] }) => void seen.push(args.resources[0]!.props.retentionInDays) };
    const r = await runPolicies([res("aws:cloudwatch/logGroup:LogGroup", "lg")], { policies: [logGroupRetention, spy], config: { "log-group-retention": { enforcementLevel: "remediate", defaultRetentionDays: 30 } } });
    assert.deepEqual(r.violations, []);
    assert.deepEqual(seen, [30]);
  });
  it("reports a violation remediation cannot fix as mandatory", async () => {
    const r = await run(logGroupRetention, [res("aws:cloudwatch/logGroup:LogGroup", "lg", { retentionInDays: 3653 })], { "log-group-retention": { enforcementLevel: "remediate", maxRetentionDays: 365 } });
    assert.equal(r.violations[0]!.level, "mandatory");
    assert.equal(r.mandatoryViolations, 1);
  });
  it("catches notApplicable as the engine does", async () => {
    const picky: ResourceValidationPolicy = { name: "picky", description: "d", enforcementLevel: "mandatory", validateResource: (args) => args.notApplicable("only for queues") };
    const r = await run(picky, [res("aws:sns/topic:Topic", "t")]);
    assert.deepEqual(r.violations, []);
    assert.deepEqual(r.notApplicable, [{ policy: "picky", resource: "aws:sns/topic:Topic::t", reason: "only for queues" }]);
  });
  it("turns a read of an unknown value into an advisory 'can't run during preview'", async () => {
    const unknownString = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const r = await run(requiredTags, [res("aws:sqs/queue:Queue", "q", { tags: unknownString })]);
    assert.equal(r.violations.length, 1);
    assert.equal(r.violations[0]!.level, "advisory");
    assert.match(r.violations[0]!.message, /can't run policy 'required-tags' during preview/);
    assert.equal(r.mandatoryViolations, 0);
  });
  it("merges the config file over schema defaults; `all` sets levels; disabled rules do not run", async () => {
    const tags = effectivePolicyConfig(requiredTags, { "required-tags": { requiredTags: ["Owner"] } });
    assert.deepEqual(tags, { level: "mandatory", config: { requiredTags: ["Owner"], allowedEnvironments: ["dev", "staging", "prod"] } });
    assert.equal(effectivePolicyConfig(requiredTags, { all: "advisory" }).level, "advisory");
    const r = await runPolicies([res("aws:ec2/natGateway:NatGateway", "nat")], { policies, config: { all: "disabled" } });
    assert.deepEqual(r.violations, []);
  });
  it("every registered rule has a unique name, a description and a level", () => {
    const names = policies.map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
    assert.equal(names.length, 15);
    for (const p of policies) assert.ok(p.description.length > 20 && p.enforcementLevel, p.name);
  });
});

describe("policy runner: stack resources", () => {
  it("links each resource to its parent, as the engine does", async () => {
    let parentOfChild: string | undefined;
    const spy = { name: "spy", description: "records parents", enforcementLevel: "advisory" as const, validateStack: (args: { resources: { name: string; parent?: { name: string } }[] }) => void (parentOfChild = args.resources.find((r) => r.name === "child")!.parent?.name) };
    await runPolicies([res("costguard:x:Component", "comp"), res("aws:sqs/queue:Queue", "child", {}, { parent: "costguard:x:Component::comp" })], { policies: [spy] });
    assert.equal(parentOfChild, "comp");
  });
});
