/**
 * The spotEvents Lambda in organisation mode, end to end through its real wiring: settings as the
 * component writes them, the own account from the invocation's ARN, member-account credentials
 * from STS AssumeRole (with the external id) through the SDK's provider, DynamoDB on dynalite.
 * STS and EC2 are mocked: STS refuses the role of one account, and EC2 answers per the
 * credentials it was called with, so a read made with the wrong account's credentials shows.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DescribeAvailabilityZonesCommand, DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
// The SDK's credential provider (fromTemporaryCredentials) calls STS through its own nested client.
import { AssumeRoleCommand, STSClient } from "@aws-sdk/nested-clients/sts";
import { mockClient } from "aws-sdk-client-mock";
import { ENV } from "../../runtime/contract";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";
import { spotEvent } from "./fakeOrg";

const HUB = "111111111111";
const MEMBER = "222222222222";
const NO_ROLE = "444444444444";
const ctx = { invokedFunctionArn: `arn:aws:lambda:us-east-1:${HUB}:function:costguard-dev-spot-events` };

let db: LocalDynamo;
const sns = mockClient(SNSClient);
const sts = mockClient(STSClient);
const ec2 = mockClient(EC2Client);
/** Which credentials each EC2 call carried (the member role's session keys name the account). */
const reads: string[] = [];

before(async () => {
  db = await startDynalite();
  await db.createTable("oh-breakers");
  await db.createTable("oh-pools");
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
  sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string; ExternalId?: string }) => {
    const account = input.RoleArn.split(":")[4]!;
    if (account === NO_ROLE || input.ExternalId !== "ext-1234") {
      throw Object.assign(new Error(`User: arn:aws:sts::${HUB}:assumed-role/spot-events/fn is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`), { name: "AccessDenied" });
    }
    return { Credentials: { AccessKeyId: `member-${account}`, SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + 3600_000) } };
  });
  // The member's zone names: its us-east-1b is use1-az1. EC2 answers per the credentials used.
  const whose = async (client: unknown) => (await ((client as { config: { credentials: () => Promise<{ accessKeyId: string }> } }).config.credentials())).accessKeyId;
  ec2.on(DescribeInstancesCommand).callsFake(async (input: { InstanceIds?: string[] }, getClient: () => unknown) => {
    const key = await whose(getClient());
    reads.push(key);
    if (key !== `member-${MEMBER}`) throw Object.assign(new Error(`The instance ID '${input.InstanceIds![0]}' does not exist`), { name: "InvalidInstanceID.NotFound" });
    return { Reservations: [{ Instances: [{ InstanceId: input.InstanceIds![0], InstanceType: "m5.large", InstanceLifecycle: "spot", Placement: { AvailabilityZone: "us-east-1b" }, Tags: [{ Key: "Environment", Value: "prod" }] }] }] };
  });
  ec2.on(DescribeAvailabilityZonesCommand).callsFake(async (_input: unknown, getClient: () => unknown) => {
    const key = await whose(getClient());
    const zones = key === `member-${MEMBER}` ? { "us-east-1a": "use1-az2", "us-east-1b": "use1-az1" } : { "us-east-1a": "use1-az1", "us-east-1b": "use1-az2" };
    return { AvailabilityZones: Object.entries(zones).map(([ZoneName, ZoneId]) => ({ ZoneName, ZoneId })) };
  });
  Object.assign(process.env, {
    ...db.handlerEnv,
    AWS_ACCESS_KEY_ID: "hub",
    AWS_SECRET_ACCESS_KEY: "hub",
    [ENV.stack]: "dev",
    [ENV.alertTopicArn]: `arn:aws:sns:us-east-1:${HUB}:alerts`,
    [ENV.breakerTable]: "oh-breakers",
    [ENV.poolRiskTable]: "oh-pools",
    [ENV.settings]: JSON.stringify({
      scope: { regions: ["us-east-1"], organization: { memberRoleName: "costguard-member", accounts: [MEMBER, NO_ROLE], excludeAccounts: [], externalId: "ext-1234" } },
    }),
  });
});
after(async () => {
  sns.restore();
  sts.restore();
  ec2.restore();
  await db.close();
});

describe("spotEvents in organisation mode", () => {
  it("reads a member account's instance through its role with the external id, and poisons the zone the hub calls us-east-1a", async () => {
    const events = require("../../runtime/handlers/spotEvents") as typeof import("../../runtime/handlers/spotEvents");
    const advice = require("../../runtime/handlers/spotAdvice") as typeof import("../../runtime/handlers/spotAdvice");
    // The handler runs on the wall clock: the interruption is happening now.
    const r = (await events.handler(spotEvent("i-0b000001", { account: MEMBER, time: new Date().toISOString() }), ctx)) as { outcome: string; poolPoisoned?: boolean };
    assert.deepEqual([r.outcome, r.poolPoisoned], ["recorded", true]);
    const assumed = sts.commandCalls(AssumeRoleCommand).map((c) => [c.args[0].input.RoleArn, c.args[0].input.ExternalId]);
    assert.deepEqual(assumed, [[`arn:aws:iam::${MEMBER}:role/costguard-member`, "ext-1234"]]);
    assert.deepEqual(reads, [`member-${MEMBER}`], "read with the member's credentials, not the hub's");
    const hubA = (await advice.handler({ instanceType: "m5.large", availabilityZone: "us-east-1a" })) as { capacity: string; reason: string };
    assert.equal(hubA.capacity, "on-demand");
    assert.match(hubA.reason, /use1-az1/);
    assert.equal(((await advice.handler({ instanceType: "m5.large", availabilityZone: "us-east-1b" })) as { capacity: string }).capacity, "spot");
  });

  it("an account outside the organisation's list: refused, no role assumed", async () => {
    const events = require("../../runtime/handlers/spotEvents") as typeof import("../../runtime/handlers/spotEvents");
    const before = sts.commandCalls(AssumeRoleCommand).length;
    const r = (await events.handler(spotEvent("i-0c000001", { account: "333333333333" }), ctx)) as { outcome: string; reason: string };
    assert.equal(r.outcome, "refused");
    assert.equal(sts.commandCalls(AssumeRoleCommand).length, before);
  });

  it("a member account whose role is missing: the invocation fails naming the account and the fix, so Lambda retries and dead-letters it", async () => {
    const events = require("../../runtime/handlers/spotEvents") as typeof import("../../runtime/handlers/spotEvents");
    await assert.rejects(events.handler(spotEvent("i-0d000001", { account: NO_ROLE }), ctx), /cannot assume the member role in account 444444444444: the role is missing or does not trust this function \(deploy the MemberAccess StackSet/);
  });
});
