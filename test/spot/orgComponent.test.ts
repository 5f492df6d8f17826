/**
 * SpotResilience in organisation mode, under mocks: the events function may assume the member
 * role only in the accounts the organisation covers (never an excluded one), looks up AZ IDs,
 * and its settings carry the scope its handler checks events against. Without an organisation,
 * no role can be assumed at all.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseGuardConfig } from "../../config/read";
import { spotRuntimeSettings } from "../../config/runtimeSettings";
import { SpotResilience, type SpotOrganizationArgs } from "../../components/spot";
import { spotSettingsFromEnv } from "../../runtime/spot/settings";
import { RecordingMocks } from "../../tools/offline/mocks";
import { underMocks } from "../support/underMocks";

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

const mocks = new RecordingMocks("us-east-1");
const mocked = underMocks(mocks, "costguard", "dev");

const parsed = parseGuardConfig({}, "dev");
if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
const settings = spotRuntimeSettings(parsed.config.spot);
const common = { defaults: { stack: "dev", logRetentionDays: 14, architecture: "arm64" as const }, alertTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts", publishStatements: [], settings };
const org = (o: Partial<SpotOrganizationArgs>): SpotOrganizationArgs => ({ memberRoleName: "costguard-member", accounts: "all", excludeAccounts: [], externalId: "ext-1234", organizationId: "o-a1b2c3d4e5", ...o });

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

async function built(name: string, extra: Partial<ConstructorParameters<typeof SpotResilience>[1]>) {
  new SpotResilience(name, { ...common, ...extra });
  for (let i = 0; i < 20 && !mocks.resources.some((r) => r.name === `${name}-optimizer-fn` || r.name === `${name}-advice-policy`); i++) await settle();
  await settle();
  const policy = (fn: string) => {
    const r = mocks.resources.find((x) => x.type === "aws:iam/rolePolicy:RolePolicy" && x.name === `${name}-${fn}-policy`);
    assert.ok(r, `${name}-${fn}-policy is declared`);
    return (JSON.parse(r.inputs.policy as string) as { Statement: Statement[] }).Statement;
  };
  const env = (fn: string) => (mocks.resources.find((x) => x.name === `${name}-${fn}-fn`)!.inputs.environment as { variables: Record<string, string> }).variables;
  return { policy, env };
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const assumeRole = (statements: Statement[]) => statements.filter((s) => actionsOf(s).includes("sts:AssumeRole"));

describe("SpotResilience in organisation mode", () => {
  it("without an organisation: no role can be assumed, AZ IDs can be looked up, no scope in the settings", () =>
    mocked(async () => {
      const { policy, env } = await built("single", {});
      assert.deepEqual(assumeRole(policy("events")), []);
      assert.ok(policy("events").some((s) => actionsOf(s).includes("ec2:DescribeAvailabilityZones") && s.Resource === "*"));
      assert.ok(policy("advice").some((s) => actionsOf(s).includes("ec2:DescribeAvailabilityZones")), "the advice maps callers' zone names to IDs");
      assert.ok(!policy("events").some((s) => actionsOf(s).some((a) => a.startsWith("organizations:"))));
      assert.equal(spotSettingsFromEnv(env("events")).scope, undefined);
    }));

  it('accounts "all": the member role in the organisation\'s accounts only, excluded accounts denied, ListAccounts to check an event\'s account', () =>
    mocked(async () => {
      const { policy, env } = await built("allorg", { regions: "all", organization: org({ excludeAccounts: ["999999999999"] }) });
      const [allow, deny] = [assumeRole(policy("events")).filter((s) => s.Effect === "Allow"), assumeRole(policy("events")).filter((s) => s.Effect === "Deny")];
      assert.equal(allow.length, 1);
      assert.equal(allow[0]!.Resource, "arn:aws:iam::*:role/costguard-member");
      assert.deepEqual(allow[0]!.Condition, { StringEquals: { "aws:ResourceOrgID": "o-a1b2c3d4e5" } });
      assert.deepEqual(deny[0]!.Resource, ["arn:aws:iam::999999999999:role/costguard-member"]);
      assert.ok(policy("events").some((s) => actionsOf(s).includes("organizations:ListAccounts")));
      assert.deepEqual(assumeRole(policy("advice")), [], "only the events function reads member accounts");
      const scope = spotSettingsFromEnv(env("events")).scope!;
      assert.deepEqual(scope, { regions: "all", organization: { memberRoleName: "costguard-member", accounts: "all", excludeAccounts: ["999999999999"], externalId: "ext-1234" } });
    }));

  it("a list of accounts: the member role of exactly those accounts, no Organizations access", () =>
    mocked(async () => {
      const { policy } = await built("listorg", { regions: ["us-east-1", "eu-west-1"], organization: org({ accounts: ["222222222222", "333333333333"], excludeAccounts: ["333333333333"] }) });
      const allow = assumeRole(policy("events"));
      assert.equal(allow.length, 1);
      assert.deepEqual(allow[0]!.Resource, ["arn:aws:iam::222222222222:role/costguard-member"]);
      assert.ok(!policy("events").some((s) => actionsOf(s).some((a) => a.startsWith("organizations:"))));
    }));
});
