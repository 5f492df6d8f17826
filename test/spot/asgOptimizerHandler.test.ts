/**
 * The asgOptimizer Lambda end to end: env vars as the component sets them, breaker and pool
 * tables on dynalite (AWS_ENDPOINT_URL_DYNAMODB), EC2/Auto Scaling through the stateful fake,
 * SNS mocked.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { ENV } from "../../runtime/contract";
import { FakeAccount, ZONE_IDS } from "./fakeAccount";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

let db: LocalDynamo;
const sns = mockClient(SNSClient);
const fake = new FakeAccount({ everyClient: true });

before(async () => {
  db = await startDynalite();
  await db.createTable("o-breakers");
  await db.createTable("o-pools");
  await db.createTable("o-optimizer");
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
  Object.assign(process.env, {
    ...db.handlerEnv,
    [ENV.stack]: "dev",
    [ENV.alertTopicArn]: "arn:aws:sns:us-east-1:123456789012:alerts",
    [ENV.breakerTable]: "o-breakers",
    [ENV.poolRiskTable]: "o-pools",
    [ENV.optimizerTable]: "o-optimizer",
    [ENV.settings]: JSON.stringify({ minOnDemandDefault: 1 }),
  });
  // Instant health so the real clock never has to wait.
  fake.behaviour.statusOkAfter = 1;
  fake.behaviour.inServiceAfter = 1;
});
after(async () => {
  fake.restore();
  sns.restore();
  await db.close();
});

describe("asgOptimizer handler", () => {
  it("refuses anything but its schedule's event, before any AWS call", async () => {
    const { handler } = require("../../runtime/handlers/asgOptimizer") as typeof import("../../runtime/handlers/asgOptimizer");
    const before = fake.calls.length;
    for (const event of [undefined, null, {}, "run", { source: "aws.ec2", "detail-type": "Scheduled Event" }, { command: "status" }]) {
      const out = await handler(event, { getRemainingTimeInMillis: () => 900_000, awsRequestId: "req-0" });
      assert.ok("error" in out, `${JSON.stringify(event)} is refused`);
      assert.match(out.error, /refused: the ASG optimizer runs only on its EventBridge schedule/);
    }
    assert.equal(fake.calls.length, before, "no AWS call");
  });

  it("swaps in a healthy pool, and steers around a type whose circuit is open to a compatible one (real catalog)", async () => {
    const { handler } = require("../../runtime/handlers/asgOptimizer") as typeof import("../../runtime/handlers/asgOptimizer");
    const { BreakerStore } = require("../../runtime/spot/storeBreakers") as typeof import("../../runtime/spot/storeBreakers");
    const { BreakerSettings } = require("../../runtime/spot/settings") as typeof import("../../runtime/spot/settings");
    const { catalog } = require("../../runtime/pricing/catalog") as typeof import("../../runtime/pricing/catalog");
    fake.addGroup("web", { n: 2, type: "m5.large" });
    fake.addGroup("api", { n: 2, type: "c5.large" });
    const breakers = new BreakerStore(db.doc, "o-breakers", BreakerSettings.parse({}));
    for (const id of ["i-1", "i-2", "i-3"]) await breakers.recordInterruption("c5.large", "us-east-1a", id, Date.now());

    const out = await handler({ source: "aws.events", "detail-type": "Scheduled Event" }, { getRemainingTimeInMillis: () => 900_000, awsRequestId: "req-1" });
    assert.ok("groups" in out, JSON.stringify(out));
    const byGroup = Object.fromEntries(out.groups.map((g) => [g.group, g]));
    assert.equal(byGroup.web!.outcome, "replaced");
    assert.equal(byGroup.api!.outcome, "replaced");
    assert.equal(fake.group("web").desired, 2);
    assert.equal(fake.group("api").desired, 2);
    const spot = [...fake.instances.values()].filter((i) => i.lifecycle === "spot" && i.state === "running");
    assert.equal(spot.length, 2);
    const c5 = catalog.instanceSpec("c5.large")!;
    const apiSpot = spot.filter((i) => i.type !== "m5.large" && catalog.instanceSpec(i.type)!.memoryGiB < 8);
    assert.equal(apiSpot.length, 1, `spot types: ${spot.map((i) => i.type).join(", ")}`);
    const chosen = catalog.instanceSpec(apiSpot[0]!.type)!;
    assert.notEqual(chosen.instanceType, "c5.large", "the open circuit's type is avoided");
    assert.equal(chosen.architecture, c5.architecture);
    assert.ok(chosen.vcpu >= c5.vcpu && chosen.memoryGiB >= c5.memoryGiB);
    assert.equal(sns.commandCalls(PublishCommand).length, 2);
  });

  it("asks pool risk by AZ ID: a type poisoned in this account's zones by another account's interruption is not launched", async () => {
    const { handler } = require("../../runtime/handlers/asgOptimizer") as typeof import("../../runtime/handlers/asgOptimizer");
    const { PoolRiskStore } = require("../../runtime/spot/storePoolRisk") as typeof import("../../runtime/spot/storePoolRisk");
    fake.addGroup("batch", { n: 2, type: "m5.large" });
    // Another account's prod interruptions, recorded under the physical zones (this account's us-east-1a and us-east-1b).
    const pools = new PoolRiskStore(db.doc, "o-pools", { poisonDays: 15, poisoningEnvironments: ["prod"] });
    for (const az of ["us-east-1a", "us-east-1b"]) await pools.recordInterruption({ availabilityZoneId: ZONE_IDS[az]!, instanceType: "t3.large" }, { environment: "prod", instanceId: `i-0other${az.slice(-1)}`, account: "222222222222", at: Date.now() });

    const out = await handler({ source: "aws.events", "detail-type": "Scheduled Event" }, { getRemainingTimeInMillis: () => 900_000, awsRequestId: "req-2" });
    assert.ok("groups" in out, JSON.stringify(out));
    const batch = out.groups.find((g) => g.group === "batch")!;
    assert.equal(batch.outcome, "replaced");
    assert.ok(!(batch as { instanceTypes?: string[] }).instanceTypes?.includes("t3.large"), `t3.large is poisoned in use1-az4/use1-az6: ${JSON.stringify(batch)}`);
    assert.notEqual((batch as { instanceType?: string }).instanceType, "t3.large");
  });
});
