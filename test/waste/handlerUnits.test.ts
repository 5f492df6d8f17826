/**
 * The waste scanner's Lambda entry point with a scope: its own account from the ARN it was invoked
 * by, a client per unit in that unit's region, member accounts through STS AssumeRole of the
 * member role with the external id (STS faked: it refuses the account without the role and a wrong
 * external id). EC2 is faked per (account, region): a call sees the resources
 * of the region its client is in and of the account its credentials belong to.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AutoScalingClient, DescribeLaunchConfigurationsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeVolumesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
// The SDK's credential provider (fromTemporaryCredentials) calls STS through its own nested client.
import { AssumeRoleCommand, STSClient } from "@aws-sdk/nested-clients/sts";
import { mockClient } from "aws-sdk-client-mock";
import { handler as wasteScanner } from "../../runtime/handlers/wasteScanner";
import { catalog } from "../../runtime/pricing/catalog";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

const HOME = "111111111111";
const MEMBER = "222222222222";
const NO_ROLE = "333333333333";
const SCHEDULED = { version: "0", id: "e1", "detail-type": "Scheduled Event", source: "aws.events", account: HOME, time: "2026-11-01T06:00:00Z", region: "us-east-1", resources: [], detail: {} };
const CONTEXT = { invokedFunctionArn: `arn:aws:lambda:us-east-1:${HOME}:function:costguard-prod-waste-scan` };

/** Volumes per "<account>/<region>". */
const VOLUMES: Record<string, { id: string; size: number }[]> = {
  [`${HOME}/us-east-1`]: [{ id: "vol-home", size: 100 }],
  [`${HOME}/eu-west-1`]: [{ id: "vol-home-eu", size: 10 }],
  [`${MEMBER}/eu-west-1`]: [{ id: "vol-member-eu", size: 50 }],
};

describe("wasteScanner handler over accounts and regions", () => {
  let db: LocalDynamo;
  const ec2 = mockClient(EC2Client);
  const sts = mockClient(STSClient);
  const asg = mockClient(AutoScalingClient);
  const sns = mockClient(SNSClient);
  before(async () => {
    db = await startDynalite();
    await db.createTable("findings");
    Object.assign(process.env, {
      ...db.handlerEnv,
      AWS_ACCESS_KEY_ID: `AK${HOME}`,
      COSTGUARD_STACK: "prod",
      COSTGUARD_ALERT_TOPIC_ARN: `arn:aws:sns:us-east-1:${HOME}:alerts`,
      COSTGUARD_FINDINGS_TABLE: "findings",
      COSTGUARD_SETTINGS: JSON.stringify({
        unattachedVolumeDays: 7,
        snapshotAgeDays: 30,
        stoppedInstanceDays: 14,
        scope: { regions: ["us-east-1", "eu-west-1"], organization: { memberRoleName: "costguard-member", accounts: [HOME, MEMBER, NO_ROLE], excludeAccounts: [], externalId: "ext-42" }, concurrency: 4 },
      }),
    });
    sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string; ExternalId?: string }) => {
      const account = input.RoleArn.split(":")[4]!;
      if (account === NO_ROLE || input.ExternalId !== "ext-42") {
        throw Object.assign(new Error(`User: arn:aws:sts::${HOME}:assumed-role/fn/x is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`), { name: "AccessDenied" });
      }
      return { Credentials: { AccessKeyId: `AK${account}`, SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + 3600_000) } };
    });
    ec2.callsFake(async () => ({}));
    ec2.on(DescribeVolumesCommand).callsFake(async (_input: unknown, getClient: () => EC2Client) => {
      const client = getClient();
      const region = await client.config.region();
      const account = (await client.config.credentials()).accessKeyId.slice(2);
      return { Volumes: (VOLUMES[`${account}/${region}`] ?? []).map((v) => ({ VolumeId: v.id, VolumeType: "gp2", Size: v.size, State: "in-use", Attachments: [{ InstanceId: "i-x", State: "attached" }], Tags: [] })) };
    });
    asg.on(DescribeLaunchConfigurationsCommand).resolves({ LaunchConfigurations: [] });
    sns.on(PublishCommand).resolves({ MessageId: "m" });
  });
  after(async () => {
    ec2.restore();
    sts.restore();
    asg.restore();
    sns.restore();
    await db.close();
  });

  it("scans every unit with its own region and account, through the member role with the external id, and names the account it could not reach", async () => {
    const out = (await wasteScanner(SCHEDULED, CONTEXT)) as { ok: boolean; units: number; failures: string[]; openFindings: number; totalMonthlyUsd: number };
    assert.equal(out.ok, true);
    assert.equal(out.units, 6, "3 accounts × 2 regions");
    assert.equal(out.openFindings, 3, "one gp2 volume in each of three units");
    // gp2 → gp3 savings at each region's catalog prices: 100 GiB in us-east-1, 10 + 50 GiB in eu-west-1.
    const saving = (region: string) => catalog.ebsGbMonth(region, "gp2")! - catalog.ebsGbMonth(region, "gp3")!;
    assert.notEqual(saving("us-east-1"), saving("eu-west-1"), "the regions' prices differ");
    assert.equal(out.totalMonthlyUsd, Math.round((100 * saving("us-east-1") + 60 * saving("eu-west-1")) * 100) / 100);
    assert.equal(out.failures.length, 2, "both regions of the account without the role");
    assert.ok(out.failures.every((f) => /member role in account 333333333333/.test(f)));
    const assumed = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    assert.ok(assumed.every((a) => a.ExternalId === "ext-42"));
    assert.deepEqual([...new Set(assumed.map((a) => a.RoleArn))].sort(), [`arn:aws:iam::${MEMBER}:role/costguard-member`, `arn:aws:iam::${NO_ROLE}:role/costguard-member`], "never the function's own account");
    const regions = await Promise.all(ec2.commandCalls(DescribeVolumesCommand).map((c) => (c.thisValue as EC2Client).config.region()));
    assert.deepEqual([...new Set(regions)].sort(), ["eu-west-1", "us-east-1"]);
    const alert = JSON.parse(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!);
    assert.ok(alert.lines.some((l: string) => /could not scan 333333333333/.test(l)));
    assert.ok(alert.lines.some((l: string) => /222222222222 eu-west-1: vol-member-eu/.test(l)));
  });
});
