/** The prod stack's enforcer runs in stop mode: it may stop flagged instances, never terminate. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { stackRun, type StackRun } from "../support/stackRun";
import { actions, settingsOf, statementFor, statements } from "./guardFunction.helpers";

describe("waste scanner and enforcer roles (prod stack, enforcer stop)", () => {
  let run: StackRun;
  before(async () => {
    run = await stackRun({ stack: "prod" });
  });

  it("stop mode: StopInstances only on flagged instances that carry none of the authorisation tags; no TerminateInstances", () => {
    assert.equal(settingsOf(run, "enforcer-check").mode, "stop");
    const s = statements(run, "enforcer-check");
    assert.ok(!actions(s).includes("ec2:TerminateInstances"));
    const [stop, ...more] = statementFor(s, "ec2:StopInstances").filter((x) => x.Effect === "Allow");
    assert.equal(more.length, 0);
    // Default authorisation tags: ManagedBy=costguard, aws:autoscaling:groupName, eks:cluster-name.
    assert.deepEqual(stop!.Condition, {
      Null: { "aws:ResourceTag/costguard:unauthorized-since": "false", "aws:ResourceTag/aws:autoscaling:groupName": "true", "aws:ResourceTag/eks:cluster-name": "true" },
      StringNotEquals: { "aws:ResourceTag/ManagedBy": ["costguard"] },
    });
  });

  it("the enforcer can put its flag only on instances IAM itself sees as unauthorised: tagging unlocks nothing else", () => {
    const s = statements(run, "enforcer-check");
    const create = statementFor(s, "ec2:CreateTags").filter((x) => x.Effect === "Allow");
    assert.equal(create.length, 1);
    assert.deepEqual(create[0]!.Condition, {
      "ForAllValues:StringEquals": { "aws:TagKeys": ["costguard:unauthorized-since"] },
      Null: { "aws:TagKeys": "false", "aws:ResourceTag/aws:autoscaling:groupName": "true", "aws:ResourceTag/eks:cluster-name": "true" },
      StringNotEquals: { "aws:ResourceTag/ManagedBy": ["costguard"] },
    });
    const remove = statementFor(s, "ec2:DeleteTags").filter((x) => x.Effect === "Allow");
    assert.deepEqual(remove.map((x) => x.Condition), [{ "ForAllValues:StringEquals": { "aws:TagKeys": ["costguard:unauthorized-since"] }, Null: { "aws:TagKeys": "false" } }], "unflagging only removes its own tag");
  });

  it("denies every change to an instance tagged costguard:protect=true, in any letter case", () => {
    const deny = statements(run, "enforcer-check").filter((x) => x.Effect === "Deny");
    assert.equal(deny.length, 1);
    assert.deepEqual(deny[0]!.Condition, { StringEqualsIgnoreCase: { "aws:ResourceTag/costguard:protect": "true" } });
    assert.deepEqual(actions(deny).sort(), ["ec2:CreateTags", "ec2:DeleteTags", "ec2:StopInstances"]);
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
