/** The offline runner behaves like the engine: config merging, remediation first, notApplicable, unknowns. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { allowedInstanceTypes, ebsGp3, logGroupRetention, noPlainSecrets, policies, requiredTags } from "../../policy/policies";
import { effectivePolicyConfig, runPolicies } from "../../tools/offline/policyRunner";
import { res, run } from "./helpers";

describe("policy runner", () => {
  it("runs remediations before validations: a remediated gp2 volume passes and the change is recorded", async () => {
    const r = await run(ebsGp3, [res("aws:ebs/volume:Volume", "v", { size: 10, type: "gp2" })], { "ebs-gp3": "remediate" });
    assert.deepEqual(r.violations, []);
    assert.deepEqual(r.remediations, [{ policy: "ebs-gp3", resource: "aws:ebs/volume:Volume::v", urn: "urn:pulumi:dev::project::aws:ebs/volume:Volume::v", changed: ["type"] }]);
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
    assert.match(r.violations[0]!.message, /^can't run policy 'required-tags' from policy pack 'costguard@v0\.1\.0' during preview: string value at \.tags can't be known during preview$/);
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

describe("policy runner: properties as the engine marshals them", () => {
  const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  const secret = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

  it("unwraps secrets before a rule reads them: a secret DB_PASSWORD in a Lambda environment is still reported", async () => {
    const r = await run(noPlainSecrets, [res("aws:lambda/function:Function", "fn", { environment: secret({ variables: { DB_PASSWORD: "hunter2-plaintext", LOG_LEVEL: "info" } }) })]);
    assert.deepEqual(r.violations.map((v) => [v.level, /sets (\w+)/.exec(v.message)?.[1]]), [["mandatory", "DB_PASSWORD"]]);
  });

  it("an unknown Environment tag: one advisory 'can't run', not two mandatory findings", async () => {
    const r = await run(requiredTags, [res("aws:sqs/queue:Queue", "q", { tags: { Environment: UNKNOWN, Project: "demo" } })]);
    assert.deepEqual(r.violations.map((v) => [v.level, v.message]), [["advisory", "can't run policy 'required-tags' from policy pack 'costguard@v0.1.0' during preview: string value at .tags.Environment can't be known during preview"]]);
  });

  it("no-plain-secrets: an unknown value under an ordinary name does not hide a plain secret beside it; under a secret-looking name it can't run", async () => {
    const fn = (variables: Record<string, unknown>) => res("aws:lambda/function:Function", "fn", { environment: { variables } });
    const beside = await run(noPlainSecrets, [fn({ TOPIC_ARN: UNKNOWN, DB_PASSWORD: "hunter2-plaintext" })]);
    assert.deepEqual(beside.violations.map((v) => [v.level, /sets (\w+)/.exec(v.message)?.[1]]), [["mandatory", "DB_PASSWORD"]]);
    const clean = await run(noPlainSecrets, [fn({ TOPIC_ARN: UNKNOWN, LOG_LEVEL: "info" })]);
    assert.deepEqual(clean.violations, []);
    const secretName = await run(noPlainSecrets, [fn({ DB_PASSWORD: UNKNOWN })]);
    assert.deepEqual(secretName.violations.map((v) => [v.level, v.message.split(" from ")[0]]), [["advisory", "can't run policy 'no-plain-secrets'"]]);
  });

  it("an unknown instance type: allowed-instance-types can't run", async () => {
    const r = await run(allowedInstanceTypes, [res("aws:ec2/instance:Instance", "i", { instanceType: UNKNOWN, tags: { Environment: "dev" } })]);
    assert.deepEqual(r.violations.map((v) => [v.level, v.message]), [["advisory", "can't run policy 'allowed-instance-types' from policy pack 'costguard@v0.1.0' during preview: string value at .instanceType can't be known during preview"]]);
  });

  it("a remediation that reads an unknown value changes nothing and says it can't run", async () => {
    const seen: unknown[] = [];
    const spy = { name: "spy", description: "records retention", enforcementLevel: "advisory" as const, validateStack: (args: { resources: { props: Record<string, unknown> }[] }) => void seen.push(Object.getOwnPropertyDescriptor(args.resources[0]!.props, "retentionInDays")?.value) };
    const r = await runPolicies([res("aws:cloudwatch/logGroup:LogGroup", "lg", { retentionInDays: UNKNOWN })], { policies: [logGroupRetention, spy], config: { "log-group-retention": "remediate" } });
    assert.deepEqual(r.remediations, []);
    assert.deepEqual(r.violations.map((v) => [v.phase, v.level, v.message.split(" from ")[0]]), [
      ["remediate", "advisory", "can't run remediation 'log-group-retention'"],
      ["analyze", "advisory", "can't run policy 'log-group-retention'"],
    ]);
    assert.deepEqual(seen, [UNKNOWN], "the stack rules see the retention still unknown");
  });

  it("remediates extra block devices of an instance (Array.map on the remediation's proxy crashes the real analyzer)", async () => {
    const r = await run(ebsGp3, [res("aws:ec2/instance:Instance", "i", { ebsBlockDevices: [{ deviceName: "/dev/sdf", volumeType: "gp2" }, { deviceName: "/dev/sdg", volumeType: "gp3" }] })], { "ebs-gp3": "remediate" });
    assert.deepEqual(r.violations, []);
    assert.deepEqual(r.remediations.map((x) => x.changed), [["ebsBlockDevices"]]);
  });

  it("a resource's violation carries the resource's URN whatever URN the rule passes, as the engine does", async () => {
    const picky: ResourceValidationPolicy = { name: "picky", description: "d", enforcementLevel: "mandatory", validateResource: (_args, report) => report("no", "urn:pulumi:dev::project::other:Type::x") };
    const r = await run(picky, [res("aws:sns/topic:Topic", "t", {}, { urn: "urn:pulumi:dev::project::a:b:C$aws:sns/topic:Topic::t" })]);
    assert.equal(r.violations[0]!.urn, "urn:pulumi:dev::project::a:b:C$aws:sns/topic:Topic::t");
  });
});
