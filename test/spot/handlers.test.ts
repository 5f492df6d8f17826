/**
 * The Lambda entry points end to end: env vars as the component sets them, DynamoDB on
 * dynalite (through the SDK's AWS_ENDPOINT_URL_DYNAMODB), EC2 and SNS mocked.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DescribeAvailabilityZonesCommand, DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { ENV } from "../../runtime/contract";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

let db: LocalDynamo;
const sns = mockClient(SNSClient);
const ec2 = mockClient(EC2Client);
const sts = mockClient(STSClient);
const env = process.env;

before(async () => {
  db = await startDynalite();
  await db.createTable("h-breakers");
  await db.createTable("h-pools");
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
  // An event invoked without a Lambda context: the function asks STS whose account it runs in.
  sts.on(GetCallerIdentityCommand).resolves({ Account: "123456789012" });
  // This account's names of the zones: the advice keys pools by the zone's ID.
  ec2.on(DescribeAvailabilityZonesCommand).resolves({ AvailabilityZones: [{ ZoneName: "us-east-1a", ZoneId: "use1-az2" }, { ZoneName: "us-east-1b", ZoneId: "use1-az4" }] });
  ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => ({
    Reservations: [
      { Instances: [{ InstanceId: input.InstanceIds![0], InstanceType: "c5.large", InstanceLifecycle: "spot", Placement: { AvailabilityZone: "us-east-1a" }, Tags: [{ Key: "Environment", Value: "prod" }] }] },
    ],
  }));
});
after(async () => {
  sns.restore();
  ec2.restore();
  sts.restore();
  await db.close();
});

function setEnv() {
  Object.assign(env, {
    ...db.handlerEnv,
    [ENV.stack]: "dev",
    [ENV.alertTopicArn]: "arn:aws:sns:us-east-1:123456789012:alerts",
    [ENV.breakerTable]: "h-breakers",
    [ENV.poolRiskTable]: "h-pools",
    [ENV.settings]: JSON.stringify({ breaker: { threshold: 2 }, poisoningEnvironments: ["staging"] }),
  });
}

describe("spot handlers", () => {
  it("spotAdvice answers on-demand when its configuration is missing", async () => {
    const { handler } = require("../../runtime/handlers/spotAdvice") as typeof import("../../runtime/handlers/spotAdvice");
    const a = (await handler({ instanceType: "m5.large", availabilityZone: "us-east-1a" })) as { capacity: string; reason: string };
    assert.equal(a.capacity, "on-demand");
    assert.match(a.reason, /COSTGUARD_BREAKER_TABLE/);
  });

  it("spotEvents records interruptions with the configured settings; spotAdvice then advises and resets", async () => {
    setEnv();
    const events = require("../../runtime/handlers/spotEvents") as typeof import("../../runtime/handlers/spotEvents");
    const advice = require("../../runtime/handlers/spotAdvice") as typeof import("../../runtime/handlers/spotAdvice");
    const warning = (id: string) => ({ source: "aws.ec2", "detail-type": "EC2 Spot Instance Interruption Warning", region: "us-east-1", time: new Date().toISOString(), detail: { "instance-id": id } });

    const ask = { instanceType: "c5.large", availabilityZone: "us-east-1a", environment: "prod" };
    assert.equal(((await advice.handler(ask)) as { capacity: string }).capacity, "spot");
    await events.handler(warning("i-0abc0000"));
    await events.handler(warning("i-0abd0000"));
    // threshold 2 from COSTGUARD_SETTINGS; prod does not poison here (only staging does).
    const open = (await advice.handler(ask)) as { capacity: string; reason: string };
    assert.equal(open.capacity, "on-demand");
    assert.match(open.reason, /circuit c5\.large is open/);
    assert.equal(sns.commandCalls(PublishCommand).length, 2);

    const reset = await advice.handler({ command: "reset-circuit", instanceType: "c5.large" });
    assert.deepEqual(reset, { command: "reset-circuit", key: "c5.large", previous: "open", state: "closed", interruptions: 2 });
    assert.equal(((await advice.handler(ask)) as { capacity: string }).capacity, "spot");
    assert.match(String(sns.commandCalls(PublishCommand).at(-1)!.args[0].input.Subject), /Circuit c5\.large reset by an operator/);

    const bad = (await advice.handler({ instanceType: "large", availabilityZone: "mars" })) as { capacity: string; reason: string };
    assert.equal(bad.capacity, "on-demand");
    assert.match(bad.reason, /instanceType must be an EC2 instance type/);
    assert.match(String(((await advice.handler({ command: "stop-env", environment: "dev" })) as { error: string }).error), /handles "reset-circuit" only/);
  });

  it("spotAdvice refuses what is not a well-formed request, command or probe report, before touching DynamoDB", async () => {
    setEnv();
    const advice = require("../../runtime/handlers/spotAdvice") as typeof import("../../runtime/handlers/spotAdvice");
    const huge = await advice.handler({ command: "reset-circuit", instanceType: "m".repeat(5000) + ".large" });
    assert.match(String((huge as { error: string }).error), /invalid command: instanceType must be at most 64 characters/);
    const badAz = await advice.handler({ command: "reset-circuit", instanceType: "m5.large", availabilityZone: "x".repeat(300) });
    assert.match(String((badAz as { error: string }).error), /availabilityZone must be at most 32 characters/);
    for (const junk of [undefined, null, 42, "reset", { source: "aws.events", "detail-type": "Scheduled Event" }, { instanceType: "m5.large", availabilityZone: "us-east-1a", extra: "x" }]) {
      const r = (await advice.handler(junk)) as { capacity?: string; reason?: string };
      assert.equal(r.capacity, "on-demand", `${JSON.stringify(junk)} fails safe`);
      assert.match(r.reason!, /invalid advice request/);
    }
    assert.match(String(((await advice.handler({ probe: "landed", instanceType: "m5.large", availabilityZone: "us-east-1a" })) as { error: string }).error), /invalid probe report: probe/);
  });

  it("spotAdvice records a probe a fleet manager reports launched: the circuit closes after the quiet window", async () => {
    setEnv();
    const advice = require("../../runtime/handlers/spotAdvice") as typeof import("../../runtime/handlers/spotAdvice");
    const { BreakerStore } = require("../../runtime/spot/storeBreakers") as typeof import("../../runtime/spot/storeBreakers");
    const { BreakerSettings } = require("../../runtime/spot/settings") as typeof import("../../runtime/spot/settings");
    const past = Date.now() - 40 * 60_000;
    const setup = new BreakerStore(db.doc, "h-breakers", BreakerSettings.parse({ threshold: 2 }), { now: () => past });
    await setup.recordInterruption("r5.large", undefined, "i-0abe0000", past);
    await setup.recordInterruption("r5.large", undefined, "i-0abf0000", past);
    const ask = { instanceType: "r5.large", availabilityZone: "us-east-1a" };
    const granted = (await advice.handler(ask)) as { capacity: string; probe?: boolean };
    assert.deepEqual([granted.capacity, granted.probe], ["spot", true]);
    assert.deepEqual(await advice.handler({ probe: "launched", ...ask, instanceId: "i-0abc1234" }), { probe: "launched", recorded: true });
    const record = await new BreakerStore(db.doc, "h-breakers", BreakerSettings.parse({ threshold: 2 })).get("r5.large");
    assert.equal(typeof record.probeLaunchedAt, "number", "the quiet window runs from the reported launch");
  });
});
