/**
 * The security enforcer's Lambda entry point with a scope, all regions: its own account from the
 * invoking ARN, the enabled regions listed per account (through that account's credentials),
 * member accounts through AssumeRole with the external id. EC2 is faked per (account, region): a
 * runaway exists only in its own region of its own account, and only a client of that unit can
 * stop it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateTagsCommand, DescribeInstancesCommand, DescribeRegionsCommand, EC2Client, StopInstancesCommand } from "@aws-sdk/client-ec2";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
// The SDK's credential provider (fromTemporaryCredentials) calls STS through its own nested client.
import { AssumeRoleCommand, STSClient } from "@aws-sdk/nested-clients/sts";
import { mockClient } from "aws-sdk-client-mock";
import { handler as securityEnforcer } from "../../runtime/handlers/securityEnforcer";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

const HOME = "111111111111";
const MEMBER = "222222222222";
const SCHEDULED = { version: "0", id: "e1", "detail-type": "Scheduled Event", source: "aws.events", account: HOME, time: "2026-11-01T06:00:00Z", region: "us-east-1", resources: [], detail: {} };
const CONTEXT = { invokedFunctionArn: `arn:aws:lambda:us-east-1:${HOME}:function:costguard-prod-enforcer-check` };

/** Enabled regions per account (opt-ins differ), and running instances per "<account>/<region>". */
const REGIONS: Record<string, string[]> = { [HOME]: ["us-east-1", "eu-west-1"], [MEMBER]: ["us-east-1", "ap-southeast-2"] };
const INSTANCES: Record<string, { id: string; state: string; tags: Record<string, string> }[]> = {
  [`${MEMBER}/ap-southeast-2`]: [{ id: "i-miner", state: "running", tags: {} }],
  [`${HOME}/us-east-1`]: [{ id: "i-web", state: "running", tags: { ManagedBy: "costguard" } }],
};

async function unitOf(client: EC2Client): Promise<string> {
  return `${(await client.config.credentials()).accessKeyId.slice(2)}/${await client.config.region()}`;
}

describe("securityEnforcer handler over every region of two accounts", () => {
  let db: LocalDynamo;
  const ec2 = mockClient(EC2Client);
  const sts = mockClient(STSClient);
  const sns = mockClient(SNSClient);
  const writes: string[] = [];
  before(async () => {
    db = await startDynalite();
    await db.createTable("enforcer", { sortKey: "S" });
    Object.assign(process.env, {
      ...db.handlerEnv,
      AWS_ACCESS_KEY_ID: `AK${HOME}`,
      COSTGUARD_STACK: "prod",
      COSTGUARD_ALERT_TOPIC_ARN: `arn:aws:sns:us-east-1:${HOME}:alerts`,
      COSTGUARD_ENFORCER_TABLE: "enforcer",
      COSTGUARD_SETTINGS: JSON.stringify({
        authorizationTags: ["ManagedBy=costguard"],
        mode: "stop",
        graceHours: 0,
        scope: { regions: "all", organization: { memberRoleName: "costguard-member", accounts: [HOME, MEMBER], excludeAccounts: [], externalId: "ext-42" }, concurrency: 4 },
      }),
    });
    sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string; ExternalId?: string }) => {
      if (input.ExternalId !== "ext-42") throw Object.assign(new Error("not authorized to perform: sts:AssumeRole"), { name: "AccessDenied" });
      return { Credentials: { AccessKeyId: `AK${input.RoleArn.split(":")[4]}`, SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + 3600_000) } };
    });
    ec2.callsFake(async () => ({}));
    ec2.on(DescribeRegionsCommand).callsFake(async (_i: unknown, getClient: () => EC2Client) => ({ Regions: REGIONS[(await unitOf(getClient())).split("/")[0]!]!.map((RegionName) => ({ RegionName })) }));
    ec2.on(DescribeInstancesCommand).callsFake(async (_i: unknown, getClient: () => EC2Client) => ({
      Reservations: [{ Instances: (INSTANCES[await unitOf(getClient())] ?? []).map((i) => ({ InstanceId: i.id, InstanceType: "p4d.24xlarge", State: { Name: i.state }, LaunchTime: new Date("2026-01-01T00:00:00Z"), Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })) })) }],
    }));
    // Writes reach an instance only through a client of its own unit, as in AWS.
    const write = (name: string) => async (input: { Resources?: string[]; InstanceIds?: string[]; Tags?: { Key?: string; Value?: string }[] }, getClient: () => EC2Client) => {
      const unit = await unitOf(getClient());
      for (const id of input.Resources ?? input.InstanceIds ?? []) {
        const i = INSTANCES[unit]?.find((x) => x.id === id);
        if (!i) throw Object.assign(new Error(`The instance ID '${id}' does not exist`), { name: "InvalidInstanceID.NotFound" });
        if (name === "StopInstances") i.state = "stopped";
        for (const t of input.Tags ?? []) i.tags[t.Key!] = t.Value ?? "";
        writes.push(`${name} ${unit} ${id}`);
      }
      return {};
    };
    ec2.on(CreateTagsCommand).callsFake(write("CreateTags"));
    ec2.on(StopInstancesCommand).callsFake(write("StopInstances"));
    sns.on(PublishCommand).resolves({ MessageId: "m" });
  });
  after(async () => {
    ec2.restore();
    sts.restore();
    sns.restore();
    await db.close();
  });

  it("flags and stops the runaway in the member's far region with that unit's client, and reads each account's own enabled regions", async () => {
    const first = (await securityEnforcer(SCHEDULED, CONTEXT)) as { ok: boolean; units: number; unitFailures: string[]; flagged: string[] };
    assert.equal(first.ok, true);
    assert.equal(first.units, 4, "each account's own two enabled regions");
    assert.deepEqual(first.unitFailures, []);
    assert.deepEqual(first.flagged, [`${MEMBER}/ap-southeast-2/i-miner`]);
    // Grace 0: the next run stops it (the flag's record comes first, as always).
    const second = (await securityEnforcer(SCHEDULED, CONTEXT)) as { acted: string[] };
    assert.deepEqual(second.acted, [`stop ${MEMBER}/ap-southeast-2/i-miner`]);
    assert.deepEqual(writes, [`CreateTags ${MEMBER}/ap-southeast-2 i-miner`, `StopInstances ${MEMBER}/ap-southeast-2 i-miner`]);
    assert.ok(sts.commandCalls(AssumeRoleCommand).every((c) => c.args[0].input.RoleArn === `arn:aws:iam::${MEMBER}:role/costguard-member`));
  });
});
