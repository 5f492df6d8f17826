/** The SpotResilience component in the real program, dev stack, under mocks. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { stackRun, type StackRun } from "../support/stackRun";
import type { PlannedResource } from "../../tools/offline/mocks";
import { actions, statementsOf } from "./helpers";

let run: StackRun;
before(async () => {
  run = await stackRun({ stack: "dev" });
});

const byName = (name: string): PlannedResource => {
  const r = run.resources.find((x) => x.name === name);
  assert.ok(r, `resource ${name} is declared`);
  return r;
};

describe("SpotResilience in the dev stack", () => {
  it("is one component holding the tables, rules and three functions", () => {
    const component = byName("spot");
    assert.equal(component.type, "costguard:spot:SpotResilience");
    for (const child of ["spot-breakers", "spot-pool-risk", "spot-events", "spot-advice", "spot-optimizer"]) {
      assert.equal(run.parents.get(`${byName(child).type}::${child}`), "costguard:spot:SpotResilience::spot", `${child} is a child of the component`);
    }
  });

  it("creates both tables on demand with a TTL attribute", () => {
    for (const name of ["spot-breakers", "spot-pool-risk"]) {
      const t = byName(name).inputs as { billingMode: string; hashKey: string; ttl: { attributeName: string; enabled: boolean } };
      assert.equal(t.billingMode, "PAY_PER_REQUEST");
      assert.equal(t.hashKey, "pk");
      assert.deepEqual(t.ttl, { attributeName: "expiresAt", enabled: true });
    }
  });

  it("routes both EC2 spot signals to the events function", () => {
    const patterns = ["spot-events-interruption", "spot-events-rebalance"].map((n) => JSON.parse(byName(n).inputs.eventPattern as string));
    assert.deepEqual(patterns, [
      { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
      { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
    ]);
    assert.equal(byName("spot-events-interruption-target").inputs.arn, byName("spot-events-fn").state.arn);
    assert.equal(byName("spot-optimizer-schedule").inputs.scheduleExpression, "rate(30 minutes)");
  });

  it("passes the tables, topic and settings to the functions", () => {
    const vars = (byName("spot-advice-fn").inputs.environment as { variables: Record<string, string> }).variables;
    assert.equal(vars.COSTGUARD_BREAKER_TABLE, byName("spot-breakers").state.name);
    assert.equal(vars.COSTGUARD_POOL_RISK_TABLE, byName("spot-pool-risk").state.name);
    assert.match(vars.COSTGUARD_ALERT_TOPIC_ARN!, /^arn:aws:sns:/);
    const settings = JSON.parse(vars.COSTGUARD_SETTINGS!);
    assert.deepEqual(settings.breaker, { threshold: 3, windowMinutes: 15, cooldownMinutes: 30, maxCooldownMinutes: 240, quietMinutes: 30, probeClaimMinutes: 20, perAz: false });
    assert.deepEqual(settings.poisoningEnvironments, ["prod"]);
    assert.equal(byName("spot-optimizer-fn").inputs.timeout, 900);
  });

  it("conditions every mutating Auto Scaling action of the optimizer on the opt-in tag", () => {
    const all = statementsOf(run, "spot-optimizer").filter((s) => s.Effect === "Allow");
    const mutating = all.filter((s) => actions(s).some((a) => a.startsWith("autoscaling:") && !a.startsWith("autoscaling:Describe")));
    assert.equal(mutating.length, 1);
    assert.deepEqual(mutating[0]!.Condition, { StringEquals: { "aws:ResourceTag/costguard:spot-optimize": "true" } });
    assert.ok(actions(mutating[0]!).includes("autoscaling:TerminateInstanceInAutoScalingGroup"));
    assert.match(mutating[0]!.Resource as string, /^arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:/);
  });

  it("lets the optimizer terminate and launch only instances carrying its marker, and pass roles only to EC2", () => {
    const all = statementsOf(run, "spot-optimizer").filter((s) => s.Effect === "Allow");
    const terminate = all.filter((s) => actions(s).includes("ec2:TerminateInstances"));
    assert.equal(terminate.length, 1);
    assert.deepEqual(terminate[0]!.Condition, { Null: { "aws:ResourceTag/costguard:spot-replacement-for": "false" } });
    const runOnInstances = all.find((s) => actions(s).includes("ec2:RunInstances") && String(s.Resource).includes(":instance/"))!;
    assert.deepEqual(runOnInstances.Condition, { Null: { "aws:RequestTag/costguard:spot-replacement-for": "false", "ec2:LaunchTemplate": "false" } });
    const tagging = all.find((s) => actions(s).includes("ec2:CreateTags"))!;
    assert.deepEqual(tagging.Condition, { StringEquals: { "ec2:CreateAction": ["CreateFleet", "RunInstances"] } });
  });

  it("passes only the opted-in groups' instance roles, launches only from their templates and the templates' AMIs", () => {
    const all = statementsOf(run, "spot-optimizer").filter((s) => s.Effect === "Allow");
    const passRole = all.filter((s) => actions(s).includes("iam:PassRole"));
    assert.equal(passRole.length, 1);
    assert.deepEqual(passRole[0]!.Condition, { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com", "aws:ResourceTag/costguard:spot-optimize": "true" } }, "only roles tagged as the groups' own");
    const launches = all.filter((s) => actions(s).includes("ec2:RunInstances"));
    for (const s of launches) {
      const resources = [s.Resource].flat().map(String);
      const fromTemplate = (s.Condition?.Null as Record<string, string> | undefined)?.["ec2:LaunchTemplate"] === "false";
      const isTemplate = resources.every((r) => r.includes(":launch-template/"));
      assert.ok(fromTemplate || isTemplate, `${s.Sid}: every launched resource comes from a launch template`);
      if (isTemplate) assert.deepEqual(s.Condition, { StringEquals: { "aws:ResourceTag/costguard:spot-optimize": "true" } }, "only the opted-in groups' templates");
      if (resources.some((r) => r.includes(":image/"))) assert.deepEqual(s.Condition?.Bool, { "ec2:IsLaunchTemplateResource": "true" }, "the AMI is the template's");
    }
    assert.ok(launches.some((s) => [s.Resource].flat().some((r) => String(r).includes(":launch-template/"))));
  });

  it("lets launches use customer-managed volume keys only through EC2, grants only for AWS resources", () => {
    const all = statementsOf(run, "spot-optimizer").filter((s) => s.Effect === "Allow");
    const kms = all.filter((s) => actions(s).some((a) => a.startsWith("kms:")));
    const granted = kms.flatMap(actions).sort();
    assert.deepEqual(granted, ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"]);
    for (const s of kms) {
      assert.deepEqual(s.Resource, ["arn:aws:kms:us-east-1:123456789012:key/*"], "keys of this account and region");
      assert.deepEqual((s.Condition?.StringEquals as Record<string, string>)["kms:ViaService"], "ec2.us-east-1.amazonaws.com", `${s.Sid}: only through EC2`);
    }
    const grant = kms.find((s) => actions(s).includes("kms:CreateGrant"))!;
    assert.deepEqual(grant.Condition?.Bool, { "kms:GrantIsForAWSResource": "true" });
  });

  it("denies every optimizer change to a resource tagged costguard:protect=true, in any letter case", () => {
    const deny = statementsOf(run, "spot-optimizer").filter((s) => s.Effect === "Deny");
    assert.equal(deny.length, 1);
    assert.deepEqual(deny[0]!.Condition, { StringEqualsIgnoreCase: { "aws:ResourceTag/costguard:protect": "true" } });
    const allowedChanges = statementsOf(run, "spot-optimizer")
      .filter((s) => s.Effect === "Allow")
      .flatMap(actions)
      .filter((a) => /^autoscaling:(?!Describe)|^ec2:TerminateInstances$/.test(a));
    for (const a of allowedChanges) assert.ok(actions(deny[0]!).includes(a), `${a} is denied on protected resources`);
  });

  it("keeps one run per group with a lease in the optimizer's own table, not with reserved concurrency", () => {
    const fn = byName("spot-optimizer-fn").inputs;
    assert.equal(fn.reservedConcurrentExecutions, undefined, "no reservation: new accounts have 10 executions in all and 100 must stay unreserved");
    const table = byName("spot-optimizer-state");
    const vars = (fn.environment as { variables: Record<string, string> }).variables;
    assert.equal(vars.COSTGUARD_OPTIMIZER_TABLE, table.state.name);
    const tableAccess = statementsOf(run, "spot-optimizer").find((s) => [s.Resource].flat().includes(table.state.arn as string))!;
    assert.deepEqual(actions(tableAccess).sort(), ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]);
  });

  it("grants no wildcard resource to any mutating action of the spot roles", () => {
    const readOnly = /^(ec2|autoscaling|elasticloadbalancing):Describe|^dynamodb:GetItem$/;
    for (const fn of ["spot-events", "spot-advice", "spot-optimizer"]) {
      for (const s of statementsOf(run, fn).filter((x) => x.Effect === "Allow")) {
        const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
        if (resources.includes("*")) assert.ok(actions(s).every((a) => readOnly.test(a)), `${fn} ${s.Sid} uses * only for reads`);
      }
    }
    const events = statementsOf(run, "spot-events");
    assert.ok(!events.some((s) => actions(s).some((a) => a.startsWith("autoscaling:") || a === "ec2:TerminateInstances")), "the events function changes no instance");
  });

  it("exports the function names guardctl and fleet managers need", () => {
    const outputs = run.outputs as Record<string, unknown>;
    assert.equal(outputs.spotAdviceFunction, byName("spot-advice-fn").state.name);
    assert.match(String(outputs.spotAdviceFunctionArn), /^arn:aws:lambda:us-east-1:123456789012:function:spot-advice-fn/);
    assert.equal(outputs.asgOptimizerFunction, byName("spot-optimizer-fn").state.name);
    assert.equal(outputs.spotEventsFunction, byName("spot-events-fn").state.name);
  });
});
