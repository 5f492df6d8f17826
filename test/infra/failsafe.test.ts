/** The Failsafe component in the dev stack under mocks: tables, schedule, and the least-privilege role. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { runProgram, type ProgramRun } from "../../tools/offline/runProgram";
import { FailsafeSettings } from "../../runtime/failsafe/settings";
import { actions, statementsOf, type Statement } from "./helpers";

describe("Failsafe component (dev stack)", () => {
  let run: ProgramRun;
  let statements: Statement[];
  before(async () => {
    run = await runProgram({ stack: "dev", config: { "costguard:environments": JSON.stringify({ dev: { dryRun: false }, qa: { maxHourlyUsd: 3, spikePercent: 5, windowMinutes: 30, response: "stop", priority: 1, dryRun: true, unstoppableSpot: "terminate" } }) } });
    statements = statementsOf(run, "failsafe-check");
  });

  it("is one Failsafe component with three tables, the function and its schedule", async () => {
    const component = run.resources.find((r) => r.type === "costguard:failsafe:Failsafe");
    assert.ok(component);
    const tables = run.resources.filter((r) => r.type === "aws:dynamodb/table:Table" && run.parents.get(`aws:dynamodb/table:Table::${r.name}`) === "costguard:failsafe:Failsafe::failsafe");
    assert.deepEqual(tables.map((t) => t.name).sort(), ["failsafe-audit", "failsafe-samples", "failsafe-state"]);
    const samples = tables.find((t) => t.name === "failsafe-samples")!;
    assert.deepEqual(samples.inputs.ttl, { attributeName: "expiresAt", enabled: true });
    const state = tables.find((t) => t.name === "failsafe-state")!;
    assert.deepEqual(state.inputs.ttl, { attributeName: "expiresAt", enabled: true }, "the lease and the alert claims expire");
    assert.equal(samples.inputs.billingMode, "PAY_PER_REQUEST");
    const rule = run.resources.find((r) => r.type === "aws:cloudwatch/eventRule:EventRule" && r.name === "failsafe-check-schedule")!;
    assert.equal(rule.inputs.scheduleExpression, "rate(2 minutes)");
    assert.match(String(await Promise.resolve(run.outputs.failsafeFunction)), /failsafe-check-fn/);
  });

  it("passes valid settings and every table name to the handler", () => {
    const fn = run.resources.find((r) => r.type === "aws:lambda/function:Function" && r.name === "failsafe-check-fn")!;
    const vars = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    const settings = FailsafeSettings.parse(JSON.parse(vars.COSTGUARD_SETTINGS!));
    assert.equal(settings.environments.dev!.maxHourlyUsd, 8);
    assert.equal(settings.environments.qa!.dryRun, true);
    assert.equal(settings.global.maxHourlyUsd, 25);
    assert.equal(settings.maxActionsPerRun, 20);
    for (const k of ["COSTGUARD_SAMPLES_TABLE", "COSTGUARD_STATE_TABLE", "COSTGUARD_AUDIT_TABLE", "COSTGUARD_ALERT_TOPIC_ARN"]) assert.ok(vars[k], k);
  });

  it("conditions every stop/start on the Environment tag of exactly the environments whose response is stop", () => {
    const mutating = ["ec2:StopInstances", "ec2:StartInstances", "autoscaling:UpdateAutoScalingGroup", "ecs:UpdateService", "rds:StopDBInstance", "rds:StartDBInstance"];
    const allows = statements.filter((s) => s.Effect === "Allow" && actions(s).some((a) => mutating.includes(a)));
    assert.ok(allows.length >= 4);
    for (const s of allows) {
      const cond = s.Condition ?? {};
      const tagged = cond.StringEquals?.["aws:ResourceTag/Environment"];
      const untagged = cond.Null?.["aws:ResourceTag/Environment"];
      assert.ok(tagged || untagged, `${s.Sid} has no Environment condition`);
      if (tagged) assert.deepEqual(tagged, ["dev", "qa", "staging"], "prod is notify-only: its resources cannot be stopped");
      if (untagged) {
        assert.equal(untagged, "true");
        assert.deepEqual(actions(s).sort(), ["ec2:StartInstances", "ec2:StopInstances"], "untagged: only stand-alone instances");
      }
      for (const r of [s.Resource].flat()) assert.notEqual(r, "*", `${s.Sid} must name its resource type`);
    }
    const covered = new Set(allows.filter((s) => s.Condition?.StringEquals).flatMap(actions));
    for (const a of mutating) assert.ok(covered.has(a), `${a} is allowed for stoppable environments`);
  });

  it("denies every stop/start/terminate on resources tagged costguard:protect=true, in any letter case", () => {
    const deny = statements.find((s) => s.Effect === "Deny")!;
    assert.equal(deny.Condition!.StringEqualsIgnoreCase!["aws:ResourceTag/costguard:protect"], "true");
    for (const a of ["ec2:StopInstances", "ec2:StartInstances", "ec2:TerminateInstances", "ecs:UpdateService", "autoscaling:UpdateAutoScalingGroup", "rds:StopDBInstance"]) assert.ok(actions(deny).includes(a), a);
  });

  it("terminates only spot instances, only of environments whose unstoppableSpot is terminate", () => {
    const terminate = statements.filter((s) => s.Effect === "Allow" && actions(s).includes("ec2:TerminateInstances"));
    assert.equal(terminate.length, 1);
    assert.deepEqual(actions(terminate[0]!), ["ec2:TerminateInstances"]);
    assert.match(String(terminate[0]!.Resource), /^arn:aws:ec2:us-east-1:123456789012:instance\/\*$/);
    assert.deepEqual(terminate[0]!.Condition, { StringEquals: { "aws:ResourceTag/Environment": ["qa"], "ec2:InstanceMarketType": "spot" } });
  });

  it("may use customer-managed EBS keys only through EC2, so that restore can start instances with encrypted volumes", () => {
    const kms = statements.filter((s) => actions(s).some((a) => a.startsWith("kms:")));
    assert.deepEqual(kms.flatMap(actions).sort(), ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"]);
    for (const s of kms) {
      assert.equal(s.Effect, "Allow");
      assert.match(String(s.Resource), /^arn:aws:kms:us-east-1:123456789012:key\/\*$/, "this account's keys in this region, not *");
      assert.deepEqual(s.Condition!.StringEquals, { "kms:ViaService": "ec2.us-east-1.amazonaws.com" }, `${s.Sid}: only when EC2 uses the key on the role's behalf`);
    }
    const grant = kms.find((s) => actions(s).includes("kms:CreateGrant"))!;
    assert.deepEqual(actions(grant), ["kms:CreateGrant"]);
    assert.deepEqual(grant.Condition!.Bool, { "kms:GrantIsForAWSResource": "true" }, "grants only for an AWS resource (the volume), never for a principal");
  });

  it("reads inventory on * with describe/list actions only, and its own tables with item actions only", () => {
    const star = statements.filter((s) => s.Effect === "Allow" && s.Resource === "*");
    assert.deepEqual(star.map((s) => s.Sid), ["ReadInventory"]);
    for (const a of actions(star[0]!)) assert.match(a, /^[a-z0-9]+:(Describe|List)/);
    const tables = statements.find((s) => s.Sid === "FailsafeTables")!;
    assert.equal([tables.Resource].flat().length, 3);
    for (const a of actions(tables)) assert.match(a, /^dynamodb:(GetItem|PutItem|UpdateItem|DeleteItem|Query)$/);
    assert.ok(actions(tables).includes("dynamodb:UpdateItem"), "the run lease is a conditional update");
    assert.ok(statements.some((s) => s.Sid === "PublishAlerts"));
  });
});
