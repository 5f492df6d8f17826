/**
 * The waste scanner's and the enforcer's scope as planned: no scope (plan unchanged) without
 * costguard:regions or costguard:organization; with them, the scope in the settings and exactly
 * the permissions reaching the units takes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SecurityEnforcer } from "../../components/enforcer";
import { WasteScanner } from "../../components/waste";
import { RecordingMocks } from "../../tools/offline/mocks";
import { underMocks } from "../support/underMocks";

const mocks = new RecordingMocks("us-east-1");
const mocked = underMocks(mocks, "costguard", "dev", { "aws:region": "us-east-1" });

const common = { defaults: { stack: "dev", logRetentionDays: 14, architecture: "arm64" as const }, alertTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts", publishStatements: [], schedule: "rate(1 day)" };
const waste = { unattachedVolumeDays: 7, snapshotAgeDays: 90, stoppedInstanceDays: 30, cleanup: "apply" as const, cleanupGraceDays: 7, cleanupMaxActionsPerRun: 20 };
const enforcer = { authorizationTags: ["Owner"], mode: "stop" as const, graceHours: 24, maxActionsPerRun: 20 };
const org = { memberRoleName: "costguard-member", accounts: ["222222222222", "333333333333", "444444444444"], excludeAccounts: ["444444444444"], externalId: "ext-1", organizationId: "o-abcdefghij", concurrency: 100 };

interface Stmt { Sid?: string; Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, string>> }

async function planned(fn: string): Promise<{ statements: Stmt[]; settings: Record<string, unknown>; timeout: number }> {
  for (let i = 0; i < 200; i++) {
    const policy = mocks.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === `${fn}-policy`);
    const lambda = mocks.resources.find((r) => r.type === "aws:lambda/function:Function" && r.name === `${fn}-fn`);
    if (policy && lambda) {
      const vars = (lambda.inputs.environment as { variables: Record<string, string> }).variables;
      return { statements: JSON.parse(policy.inputs.policy as string).Statement, settings: JSON.parse(vars.COSTGUARD_SETTINGS!), timeout: lambda.inputs.timeout as number };
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${fn} was not planned`);
}
const acts = (s: Stmt[]) => s.flatMap((x) => (Array.isArray(x.Action) ? x.Action : [x.Action]));

describe("hygiene scope as planned", () => {
  it("without regions or organisation: no scope in the settings, no unit permissions, today's timeout", () =>
    mocked(async () => {
      new WasteScanner("plain", { ...common, ...waste });
      const p = await planned("plain-scan");
      assert.equal(p.settings.scope, undefined);
      assert.equal(p.timeout, 300);
      assert.ok(!acts(p.statements).some((a) => /AssumeRole|DescribeRegions|ListAccounts/.test(a)));
      assert.ok(p.statements.filter((s) => s.Effect === "Allow" && /Delete|Release/.test(String(s.Action))).every((s) => /:us-east-1:/.test(JSON.stringify(s.Resource))));
    }));

  it("regions all + listed accounts: DescribeRegions, AssumeRole on those accounts' member role only (not the excluded), no ListAccounts; clean-up in every region of its own account", () =>
    mocked(async () => {
      new WasteScanner("org", { ...common, ...waste, regions: "all", organization: org });
      const p = await planned("org-scan");
      assert.deepEqual(p.settings.scope, { regions: "all", organization: { memberRoleName: "costguard-member", accounts: org.accounts, excludeAccounts: ["444444444444"], externalId: "ext-1" }, concurrency: 20 });
      assert.equal(p.timeout, 900);
      const assume = p.statements.filter((s) => acts([s]).includes("sts:AssumeRole"));
      assert.equal(assume.length, 1);
      assert.deepEqual(assume[0]!.Resource, ["arn:aws:iam::222222222222:role/costguard-member", "arn:aws:iam::333333333333:role/costguard-member"]);
      assert.ok(acts(p.statements).includes("ec2:DescribeRegions"));
      assert.ok(!acts(p.statements).includes("organizations:ListAccounts"));
      const del = p.statements.find((s) => s.Sid === "DeleteMarkedVolumes")!;
      assert.match(String(del.Resource), /^arn:aws:ec2:\*:123456789012:volume\/\*$/);
      assert.ok(p.statements.some((s) => s.Effect === "Deny"), "protect still denies");
    }));

  it("accounts all, regions a list: ListAccounts, AssumeRole on the role name only within the organisation, no DescribeRegions", () =>
    mocked(async () => {
      new SecurityEnforcer("orgall", { ...common, ...enforcer, regions: ["us-east-1", "eu-west-1"], organization: { ...org, accounts: "all", excludeAccounts: [] } });
      const p = await planned("orgall-check");
      assert.equal((p.settings.scope as { regions: string[] }).regions.length, 2);
      assert.ok(acts(p.statements).includes("organizations:ListAccounts"));
      assert.ok(!acts(p.statements).includes("ec2:DescribeRegions"));
      const assume = p.statements.find((s) => acts([s]).includes("sts:AssumeRole"))!;
      assert.equal(assume.Resource, "arn:aws:iam::*:role/costguard-member");
      assert.deepEqual(assume.Condition, { StringEquals: { "aws:ResourceOrgID": "o-abcdefghij" } });
      const stop = p.statements.find((s) => acts([s]).includes("ec2:StopInstances") && s.Effect === "Allow")!;
      assert.match(String(stop.Resource), /^arn:aws:ec2:\*:123456789012:instance\/\*$/);
    }));

  it("regions without an organisation: its own account only, no AssumeRole", () =>
    mocked(async () => {
      new SecurityEnforcer("regional", { ...common, ...enforcer, regions: ["eu-west-1", "us-east-1"] });
      const p = await planned("regional-check");
      assert.deepEqual(p.settings.scope, { regions: ["eu-west-1", "us-east-1"], concurrency: 8 });
      assert.ok(!acts(p.statements).some((a) => /AssumeRole|ListAccounts|DescribeRegions/.test(a)));
    }));

  it("a bad region is refused at preview, naming the setting", () =>
    mocked(() => {
      assert.throws(() => new WasteScanner("bad", { ...common, ...waste, regions: ["mars-1"] }), /costguard:regions/);
    }));
});
