/**
 * The dev stack with clean-up `apply` and enforcer `terminate`: destructive permissions appear,
 * each conditioned on costguard's own tags.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { runProgram, type ProgramRun } from "../../tools/offline/runProgram";
import { actions, settingsOf, statementFor, statements } from "./hygiene.helpers";

describe("hygiene roles in destructive modes (dev stack, cleanup apply, enforcer terminate)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({
      stack: "dev",
      config: {
        "costguard:wasteScanner": JSON.stringify({ cleanup: "apply", cleanupGraceDays: 3 }),
        "costguard:enforcer": JSON.stringify({ mode: "terminate", graceHours: 12, authorizationTags: ["Owner"] }),
      },
    });
  });

  it("the settings reach the handlers", () => {
    assert.equal(settingsOf(run, "waste-scan").cleanup, "apply");
    assert.equal(settingsOf(run, "waste-scan").cleanupGraceDays, 3);
    assert.deepEqual(settingsOf(run, "enforcer-check"), { authorizationTags: ["Owner"], mode: "terminate", graceHours: 12, maxActionsPerRun: 20 });
  });

  it("terminate mode: TerminateInstances only on instances flagged by costguard and not protected; no StopInstances", () => {
    const s = statements(run, "enforcer-check");
    assert.ok(!actions(s).includes("ec2:StopInstances"));
    const [terminate, ...more] = statementFor(s, "ec2:TerminateInstances");
    assert.equal(more.length, 0);
    assert.match(String(terminate!.Resource), /^arn:aws:ec2:us-east-1:123456789012:instance\/\*$/);
    assert.deepEqual(terminate!.Condition, { Null: { "aws:ResourceTag/costguard:unauthorized-since": "false" }, StringNotEquals: { "aws:ResourceTag/costguard:protect": "true" } });
  });

  it("the enforcer may write only its own tag", () => {
    const s = statements(run, "enforcer-check");
    const [tags] = statementFor(s, "ec2:CreateTags");
    assert.deepEqual(statementFor(s, "ec2:DeleteTags"), [tags]);
    assert.deepEqual(tags!.Condition!["ForAllValues:StringEquals"], { "aws:TagKeys": ["costguard:unauthorized-since"] });
    assert.deepEqual(tags!.Condition!.Null, { "aws:TagKeys": "false" }, "a DeleteTags without keys (which removes every tag) is not allowed");
  });

  it("clean-up apply: delete and release only what carries costguard:cleanup-due and is not protected", () => {
    const s = statements(run, "waste-scan");
    for (const [action, resource] of [
      ["ec2:DeleteVolume", /:volume\/\*$/],
      ["ec2:DeleteSnapshot", /^arn:aws:ec2:us-east-1::snapshot\/\*$/],
      ["ec2:ReleaseAddress", /:elastic-ip\/\*$/],
    ] as const) {
      const found = statementFor(s, action);
      assert.equal(found.length, 1, action);
      assert.match(String(found[0]!.Resource), resource);
      assert.deepEqual(found[0]!.Condition, { Null: { "aws:ResourceTag/costguard:cleanup-due": "false" }, StringNotEquals: { "aws:ResourceTag/costguard:protect": "true" } });
    }
    const marks = statementFor(s, "ec2:CreateTags").find((x) => x.Sid === "MarkForCleanup");
    assert.deepEqual(marks?.Condition?.["ForAllValues:StringEquals"], { "aws:TagKeys": ["costguard:cleanup-due"] });
    const backups = statementFor(s, "ec2:CreateSnapshot");
    assert.ok(backups.every((x) => x.Condition), "CreateSnapshot only of marked volumes, only as tagged backups");
    assert.ok(!actions(s).some((a) => /TerminateInstances|StopInstances|ModifyVolume/.test(a)));
  });

  it("no mutating EC2 action is granted on * or without a condition", () => {
    for (const fn of ["waste-scan", "enforcer-check"]) {
      for (const st of statements(run, fn)) {
        const mutating = (Array.isArray(st.Action) ? st.Action : [st.Action]).filter((a) => a.startsWith("ec2:") && !a.startsWith("ec2:Describe"));
        if (!mutating.length) continue;
        assert.notEqual(st.Resource, "*", `${fn} ${st.Sid}`);
        assert.ok(st.Condition, `${fn} ${st.Sid} has a condition`);
      }
    }
  });
});
