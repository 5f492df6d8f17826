/**
 * The Failsafe component's scope under mocks: the handler's settings carry it, and the role gets
 * exactly what the scope needs (AssumeRole on the member roles named, DescribeRegions only for
 * "all", ListAccounts only for every account, the sweep bucket's prefix only with a sweep).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { Failsafe, type FailsafeArgs } from "../../components/failsafe";
import { FailsafeSettings } from "../../runtime/failsafe/settings";
import { RecordingMocks } from "../../tools/offline/mocks";
import { underMocks } from "../support/underMocks";
import { defaultSettings } from "./helpers";

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
const actions = (s: Statement) => [s.Action].flat();

const mocks = new RecordingMocks("us-east-1");
const mocked = underMocks(mocks, "costguard", "dev");

const base = (): FailsafeArgs => ({
  defaults: { stack: "dev", logRetentionDays: 30, architecture: "arm64" },
  alertTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts",
  publishStatements: [],
  settings: defaultSettings(),
  schedule: "rate(2 minutes)",
});

async function planned(name: string, args: FailsafeArgs) {
  const f = new Failsafe(name, args);
  await new Promise<void>((resolve) => pulumi.all([f.functionName, f.roleArn]).apply(() => resolve()));
  // Let the policy document (built from outputs) resolve.
  await new Promise((r) => setTimeout(r, 50));
  const policy = mocks.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === `${name}-check-policy`)!;
  const fn = mocks.resources.find((r) => r.type === "aws:lambda/function:Function" && r.name === `${name}-check-fn`)!;
  const vars = (fn.inputs.environment as { variables: Record<string, string> }).variables;
  return {
    statements: (JSON.parse(policy.inputs.policy as string) as { Statement: Statement[] }).Statement,
    vars,
    settings: FailsafeSettings.parse(JSON.parse(vars.COSTGUARD_SETTINGS!)),
    schedule: mocks.resources.find((r) => r.type === "aws:cloudwatch/eventRule:EventRule" && r.name === `${name}-check-schedule`),
  };
}

const allowing = (statements: Statement[], action: string) => statements.filter((s) => s.Effect === "Allow" && actions(s).includes(action));

describe("Failsafe component: scope and least privilege", () => {
  it("without regions or organization: no scope in the settings, nothing beyond its own account and region", () =>
    mocked(async () => {
      const p = await planned("plain", base());
      assert.equal(p.settings.scope, undefined);
      for (const a of ["sts:AssumeRole", "ec2:DescribeRegions", "organizations:ListAccounts", "s3:GetObject"]) assert.deepEqual(allowing(p.statements, a), [], a);
      assert.ok(p.schedule, "scheduled as today");
      assert.equal(p.vars.COSTGUARD_SWEEP_BUCKET, undefined);
    }));

  it("an organisation with a list of accounts: AssumeRole on exactly those member roles, no ListAccounts", () =>
    mocked(async () => {
      const p = await planned("listed", {
        ...base(),
        regions: ["us-east-1", "eu-west-1"],
        organization: { memberRoleName: "costguard-member", accounts: ["222222222222", "333333333333", "444444444444"], excludeAccounts: ["333333333333"], externalId: "ext-123", concurrency: 100 },
      });
      const assume = allowing(p.statements, "sts:AssumeRole");
      assert.equal(assume.length, 1);
      assert.deepEqual(actions(assume[0]!), ["sts:AssumeRole"]);
      assert.deepEqual([assume[0]!.Resource].flat(), ["arn:aws:iam::222222222222:role/costguard-member", "arn:aws:iam::444444444444:role/costguard-member"]);
      assert.deepEqual(allowing(p.statements, "organizations:ListAccounts"), []);
      assert.deepEqual(allowing(p.statements, "ec2:DescribeRegions"), []);
      assert.deepEqual(p.settings.scope, { regions: ["us-east-1", "eu-west-1"], concurrency: 100, organization: { memberRoleName: "costguard-member", accounts: ["222222222222", "333333333333", "444444444444"], excludeAccounts: ["333333333333"], externalId: "ext-123" } });
      // Its own account's resources in the other listed region can be stopped too; no region beyond.
      const stop = allowing(p.statements, "ec2:StopInstances").flatMap((s) => [s.Resource].flat());
      assert.ok(stop.includes("arn:aws:ec2:eu-west-1:123456789012:instance/*"), stop.join(", "));
      assert.ok(stop.every((r) => /^arn:aws:ec2:(us-east-1|eu-west-1):123456789012:instance\/\*$/.test(r)), stop.join(", "));
    }));

  it('every account and "all" regions: the member role in the organisation\'s accounts only, never an excluded one\'s; ListAccounts and DescribeRegions on "*"', () =>
    mocked(async () => {
      const p = await planned("everything", { ...base(), regions: "all", organization: { memberRoleName: "costguard-member", accounts: "all", excludeAccounts: ["333333333333"], externalId: "ext-123", organizationId: "o-a1b2c3d4e5", concurrency: 1000 } });
      const assume = allowing(p.statements, "sts:AssumeRole");
      assert.deepEqual([assume[0]!.Resource].flat(), ["arn:aws:iam::*:role/costguard-member"]);
      assert.deepEqual(assume[0]!.Condition, { StringEquals: { "aws:ResourceOrgID": "o-a1b2c3d4e5" } }, "a role of that name outside the organisation is not assumed");
      const deny = p.statements.filter((s) => s.Effect === "Deny" && actions(s).includes("sts:AssumeRole"));
      assert.deepEqual(deny.flatMap((s) => [s.Resource].flat()), ["arn:aws:iam::333333333333:role/costguard-member"], "an excluded account is never assumed");
      assert.deepEqual(allowing(p.statements, "organizations:ListAccounts").map((s) => [actions(s), s.Resource]), [[["organizations:ListAccounts"], "*"]]);
      assert.deepEqual(allowing(p.statements, "ec2:DescribeRegions").map((s) => [actions(s), s.Resource]), [[["ec2:DescribeRegions"], "*"]]);
      assert.equal(p.settings.scope!.concurrency, 200, "capped: units read at once by one function");
    }));

  it("with a sweep: the bucket's sweeps/ prefix only, its name in the environment, and no schedule of its own", () =>
    mocked(async () => {
      const p = await planned("swept", { ...base(), regions: "all", sweep: { bucketName: "sweep-bucket", bucketArn: "arn:aws:s3:::sweep-bucket" } });
      const s3 = p.statements.filter((s) => actions(s).some((a) => a.startsWith("s3:")));
      assert.deepEqual(s3.map((s) => [actions(s).sort(), s.Resource]), [[["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::sweep-bucket/sweeps/*"]]);
      assert.equal(p.vars.COSTGUARD_SWEEP_BUCKET, "sweep-bucket");
      assert.equal(p.schedule, undefined, "the state machine is scheduled instead");
    }));
});
