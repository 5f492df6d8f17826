/** The SpotResilience component in the real program, dev stack, under mocks. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { runProgram, type ProgramRun } from "../../tools/offline/runProgram";
import type { PlannedResource } from "../../tools/offline/mocks";
import { actions, statementsOf } from "./helpers";

let run: ProgramRun;
before(async () => {
  run = await runProgram({ stack: "dev" });
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
    assert.deepEqual(settings.breaker, { threshold: 3, windowMinutes: 15, cooldownMinutes: 30, maxCooldownMinutes: 240, quietMinutes: 30, perAz: false });
    assert.deepEqual(settings.poisoningEnvironments, ["prod"]);
    assert.equal(byName("spot-optimizer-fn").inputs.timeout, 900);
  });

  it("conditions every mutating Auto Scaling action of the optimizer on the opt-in tag", () => {
    const all = statementsOf(run, "spot-optimizer");
    const mutating = all.filter((s) => actions(s).some((a) => a.startsWith("autoscaling:") && !a.startsWith("autoscaling:Describe")));
    assert.equal(mutating.length, 1);
    assert.deepEqual(mutating[0]!.Condition, { StringEquals: { "aws:ResourceTag/costguard:spot-optimize": "true" } });
    assert.ok(actions(mutating[0]!).includes("autoscaling:TerminateInstanceInAutoScalingGroup"));
    assert.match(mutating[0]!.Resource as string, /^arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:/);
  });

  it("lets the optimizer terminate and launch only instances carrying its marker, and pass roles only to EC2", () => {
    const all = statementsOf(run, "spot-optimizer");
    const terminate = all.filter((s) => actions(s).includes("ec2:TerminateInstances"));
    assert.equal(terminate.length, 1);
    assert.deepEqual(terminate[0]!.Condition, { Null: { "aws:ResourceTag/costguard:spot-replacement-for": "false" } });
    const runOnInstances = all.find((s) => actions(s).includes("ec2:RunInstances") && String(s.Resource).includes(":instance/"))!;
    assert.deepEqual(runOnInstances.Condition, { Null: { "aws:RequestTag/costguard:spot-replacement-for": "false" } });
    const passRole = all.find((s) => actions(s).includes("iam:PassRole"))!;
    assert.deepEqual(passRole.Condition, { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } });
    const tagging = all.find((s) => actions(s).includes("ec2:CreateTags"))!;
    assert.deepEqual(tagging.Condition, { StringEquals: { "ec2:CreateAction": ["CreateFleet", "RunInstances"] } });
  });

  it("grants no wildcard resource to any mutating action of the spot roles", () => {
    const readOnly = /^(ec2|autoscaling|elasticloadbalancing):Describe|^dynamodb:GetItem$/;
    for (const fn of ["spot-events", "spot-advice", "spot-optimizer"]) {
      for (const s of statementsOf(run, fn)) {
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
