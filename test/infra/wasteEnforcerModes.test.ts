/**
 * The dev stack with clean-up `apply` and enforcer `terminate`: destructive permissions appear,
 * each conditioned on costguard's own tags.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { runProgram, type ProgramRun } from "../../tools/offline/runProgram";
import { actions, settingsOf, statementFor, statements } from "./guardFunction.helpers";

describe("waste scanner and enforcer roles in destructive modes (dev stack, cleanup apply, enforcer terminate)", () => {
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

  it("terminate mode: TerminateInstances only on flagged instances without the authorisation tag (Owner); no StopInstances", () => {
    const s = statements(run, "enforcer-check");
    assert.ok(!actions(s).includes("ec2:StopInstances"));
    const [terminate, ...more] = statementFor(s, "ec2:TerminateInstances").filter((x) => x.Effect === "Allow");
    assert.equal(more.length, 0);
    assert.match(String(terminate!.Resource), /^arn:aws:ec2:us-east-1:123456789012:instance\/\*$/);
    assert.deepEqual(terminate!.Condition, { Null: { "aws:ResourceTag/costguard:unauthorized-since": "false", "aws:ResourceTag/Owner": "true" } });
  });

  it("the enforcer may write only its own tag, and put it only on unauthorised instances", () => {
    const s = statements(run, "enforcer-check").filter((x) => x.Effect === "Allow");
    const [create] = statementFor(s, "ec2:CreateTags");
    const [remove] = statementFor(s, "ec2:DeleteTags");
    for (const tags of [create, remove]) {
      assert.deepEqual(tags!.Condition!["ForAllValues:StringEquals"], { "aws:TagKeys": ["costguard:unauthorized-since"] });
      assert.equal((tags!.Condition!.Null as Record<string, string>)["aws:TagKeys"], "false", "a DeleteTags without keys (which removes every tag) is not allowed");
    }
    assert.equal((create!.Condition!.Null as Record<string, string>)["aws:ResourceTag/Owner"], "true", "never on an authorised instance");
  });

  it("clean-up apply: delete and release only what carries costguard:cleanup-due; never a protected resource (any case)", () => {
    const s = statements(run, "waste-scan");
    const allow = s.filter((x) => x.Effect === "Allow");
    for (const [action, resource] of [
      ["ec2:DeleteVolume", /:volume\/\*$/],
      ["ec2:ReleaseAddress", /:elastic-ip\/\*$/],
    ] as const) {
      const found = statementFor(allow, action);
      assert.equal(found.length, 1, action);
      assert.match(String(found[0]!.Resource), resource);
      assert.deepEqual(found[0]!.Condition, { Null: { "aws:ResourceTag/costguard:cleanup-due": "false" } });
    }
    const deny = s.filter((x) => x.Effect === "Deny");
    assert.equal(deny.length, 1);
    assert.deepEqual(deny[0]!.Condition, { StringEqualsIgnoreCase: { "aws:ResourceTag/costguard:protect": "true" } });
    for (const a of ["ec2:CreateTags", "ec2:DeleteTags", "ec2:DeleteVolume", "ec2:DeleteSnapshot", "ec2:ReleaseAddress", "ec2:CreateSnapshot"]) assert.ok(actions(deny).includes(a), `protect denies ${a}`);
    const backups = statementFor(allow, "ec2:CreateSnapshot");
    assert.ok(backups.every((x) => x.Condition), "CreateSnapshot only of marked volumes, only as tagged backups");
    assert.ok(!actions(s).some((a) => /TerminateInstances|StopInstances|ModifyVolume/.test(a)));
  });

  it("snapshots kept by DLM, AWS Backup or costguard's own backups can be neither marked nor deleted", () => {
    const allow = statements(run, "waste-scan").filter((x) => x.Effect === "Allow");
    const kept = { "aws:ResourceTag/aws:dlm:lifecycle-policy-id": "true", "aws:ResourceTag/aws:backup:source-resource": "true", "aws:ResourceTag/costguard:backup-of": "true" };
    const [del, ...more] = statementFor(allow, "ec2:DeleteSnapshot");
    assert.equal(more.length, 0);
    assert.match(String(del!.Resource), /^arn:aws:ec2:us-east-1::snapshot\/\*$/);
    assert.deepEqual(del!.Condition, { Null: { "aws:ResourceTag/costguard:cleanup-due": "false", ...kept } });
    const markSnapshots = statementFor(allow, "ec2:CreateTags").find((x) => x.Sid === "MarkSnapshotsForCleanup")!;
    assert.deepEqual(markSnapshots.Condition, { "ForAllValues:StringEquals": { "aws:TagKeys": ["costguard:cleanup-due"] }, Null: { "aws:TagKeys": "false", ...kept } });
    const tagAtCreation = statementFor(allow, "ec2:CreateTags").find((x) => x.Sid === "TagBackupSnapshots")!;
    assert.deepEqual(tagAtCreation.Condition, { StringEquals: { "ec2:CreateAction": "CreateSnapshot" }, "ForAllValues:StringEquals": { "aws:TagKeys": ["costguard:backup-of", "Environment"] } }, "a backup cannot be born marked for deletion");
  });

  it("no mutating EC2 action is granted on * or without a condition", () => {
    for (const fn of ["waste-scan", "enforcer-check"]) {
      for (const st of statements(run, fn).filter((x) => x.Effect === "Allow")) {
        const mutating = (Array.isArray(st.Action) ? st.Action : [st.Action]).filter((a) => a.startsWith("ec2:") && !a.startsWith("ec2:Describe"));
        if (!mutating.length) continue;
        assert.notEqual(st.Resource, "*", `${fn} ${st.Sid}`);
        assert.ok(st.Condition, `${fn} ${st.Sid} has a condition`);
      }
    }
  });
});
