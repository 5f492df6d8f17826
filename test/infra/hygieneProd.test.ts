/** The prod stack's enforcer runs in stop mode: it may stop flagged instances, never terminate. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { runProgram, type ProgramRun } from "../../tools/offline/runProgram";
import { actions, settingsOf, statementFor, statements } from "./hygiene.helpers";

describe("hygiene roles (prod stack, enforcer stop)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ stack: "prod" });
  });

  it("stop mode: StopInstances conditioned on the flag tag; no TerminateInstances", () => {
    assert.equal(settingsOf(run, "enforcer-check").mode, "stop");
    const s = statements(run, "enforcer-check");
    assert.ok(!actions(s).includes("ec2:TerminateInstances"));
    const [stop] = statementFor(s, "ec2:StopInstances");
    assert.deepEqual(stop!.Condition, { Null: { "aws:ResourceTag/costguard:unauthorized-since": "false" }, StringNotEquals: { "aws:ResourceTag/costguard:protect": "true" } });
  });

  it("publishing to the encrypted alert topic includes the key", () => {
    const s = statements(run, "enforcer-check");
    assert.ok(actions(s).includes("kms:GenerateDataKey*"));
    assert.ok(actions(statements(run, "waste-scan")).includes("kms:GenerateDataKey*"));
  });

  it("clean-up stays off in prod unless configured: the scanner is read-only", () => {
    const ec2 = actions(statements(run, "waste-scan")).filter((a) => a.startsWith("ec2:"));
    assert.ok(ec2.every((a) => a.startsWith("ec2:Describe")));
  });
});
