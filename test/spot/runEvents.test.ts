import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { GuardEventInput } from "../../runtime/contract";
import { memoryLog } from "../../runtime/shared/observability";
import { BreakerStore } from "../../runtime/spot/storeBreakers";
import { handleSpotEvent, type SpotEventDeps } from "../../runtime/spot/runEvents";
import { type NodeInterruption } from "../../runtime/spot/model";
import { PoolRiskStore } from "../../runtime/spot/storePoolRisk";
import { BreakerSettings } from "../../runtime/spot/settings";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";
import { FakeOrg, type FakeInstance } from "./fakeOrg";

let db: LocalDynamo;
before(async () => {
  db = await startDynalite();
});
after(async () => db.close());

const NOW = Date.parse("2026-11-23T10:00:00Z");

const HOME = "123456789012";

async function world(instances: Record<string, FakeInstance>) {
  // This account's zone names: us-east-1b is use1-az2 here (and only here).
  const org = new FakeOrg({ [HOME]: { zones: { "us-east-1a": "use1-az6", "us-east-1b": "use1-az2", "us-east-1c": "use1-az4" }, instances } });
  const tables = { breakers: await db.newTable("events-b"), pools: await db.newTable("events-p") };
  const breakers = new BreakerStore(db.doc, tables.breakers, BreakerSettings.parse({}), { now: () => NOW });
  const pools = new PoolRiskStore(db.doc, tables.pools, { poisonDays: 15, poisoningEnvironments: ["prod"], now: () => NOW });
  const events: Omit<GuardEventInput, "source">[] = [];
  const metrics: string[] = [];
  const drained: NodeInterruption[] = [];
  const log = memoryLog();
  const deps: SpotEventDeps = {
    homeAccount: async () => HOME,
    homeRegion: "us-east-1",
    ec2For: org.ec2For,
    breakers,
    pools,
    stack: "test",
    publish: async (e) => void events.push(e),
    metric: (key) => void metrics.push(key),
    log,
    onNodeInterruption: async (node) => void drained.push(node),
    now: () => NOW,
  };
  return { deps, breakers, pools, events, metrics, drained, log, ec2Calls: () => org.calls.length };
}

const warning = (id: string, type = "EC2 Spot Instance Interruption Warning") => ({
  version: "0",
  id: `evt-${id}`,
  "detail-type": type,
  source: "aws.ec2",
  account: "123456789012",
  time: "2026-11-23T09:59:00Z",
  region: "us-east-1",
  resources: [`arn:aws:ec2:us-east-1b:instance/${id}`],
  detail: { "instance-id": id, "instance-action": "terminate" },
});

const prod = (type = "m5.large"): FakeInstance => ({ type, az: "us-east-1b", tags: { Environment: "prod", "aws:autoscaling:groupName": "web" } });

describe("spot events", () => {
  it("records a prod interruption in the breaker and poisons its pool, with a metric and an alert", async () => {
    const w = await world({ "i-0a100000": prod() });
    const r = await handleSpotEvent(warning("i-0a100000"), w.deps);
    assert.equal(r.outcome, "recorded");
    assert.equal((await w.breakers.get("m5.large")).interruptions, 1);
    const risk = await w.pools.get({ availabilityZoneId: "use1-az2", instanceType: "m5.large" });
    assert.equal(risk.poisoned, true, "the pool of the zone's ID (us-east-1b is use1-az2 in this account)");
    assert.deepEqual(w.metrics, ["spotInterruptions"]);
    assert.equal(w.events.length, 1);
    assert.equal(w.events[0]!.severity, "warning", "a poisoned pool is worth a warning");
    assert.match(w.events[0]!.title, /Spot interruption: m5\.large in us-east-1b \(use1-az2\)$/);
    assert.match(w.events[0]!.lines!.join("\n"), /i-0a100000 \(prod, ASG web\)/);
    assert.deepEqual(w.drained, [], "not an EKS node");
  });

  it("opens the circuit at the third interruption and says so", async () => {
    const w = await world({ "i-00000001": prod(), "i-00000002": prod(), "i-00000003": { ...prod(), tags: { Environment: "dev" } } });
    for (const id of ["i-00000001", "i-00000002", "i-00000003"]) await handleSpotEvent(warning(id), w.deps);
    assert.equal((await w.breakers.get("m5.large")).state, "open");
    assert.deepEqual(w.metrics.filter((m) => m === "spotBreakerTransitions"), ["spotBreakerTransitions"]);
    assert.match(w.events[2]!.lines!.join("\n"), /Circuit m5\.large: closed → open \(3 interruptions within 15 min/);
  });

  it("does not poison the pool for a dev interruption", async () => {
    const w = await world({ "i-0000000d": { type: "t3.large", az: "us-east-1a", tags: { Environment: "dev" } } });
    await handleSpotEvent(warning("i-0000000d"), w.deps);
    assert.equal((await w.pools.get({ availabilityZoneId: "use1-az6", instanceType: "t3.large" })).poisoned, false);
    assert.equal(w.events[0]!.severity, "info");
  });

  it("records a rebalance recommendation as a signal only", async () => {
    const w = await world({ "i-0e100000": prod() });
    const r = await handleSpotEvent(warning("i-0e100000", "EC2 Instance Rebalance Recommendation"), w.deps);
    assert.equal(r.outcome, "recorded");
    const b = await w.breakers.get("m5.large");
    assert.equal(b.rebalanceSignals, 1);
    assert.equal(b.interruptions, 0);
    assert.equal((await w.pools.get({ availabilityZoneId: "use1-az2", instanceType: "m5.large" })).poisoned, false);
    assert.deepEqual(w.metrics, []);
    assert.deepEqual(w.events, []);
  });

  it("refuses anything but an EC2 spot signal before any AWS call, counts it, and skips unknown instances", async () => {
    const w = await world({});
    const bad = await handleSpotEvent({ source: "aws.ec2", "detail-type": "EC2 Spot Instance Interruption Warning", detail: {} }, w.deps);
    assert.equal(bad.outcome, "refused");
    assert.match((bad as { reason: string }).reason, /refused: not an EC2 spot interruption warning .*region .*detail\.instance-id/);
    const junk = [undefined, null, "hello", { source: "aws.events", "detail-type": "Scheduled Event" }, { ...warning("i-0ff00000"), detail: { "instance-id": `i-${"0".repeat(5000)}` } }];
    for (const event of junk) assert.equal((await handleSpotEvent(event, w.deps)).outcome, "refused", JSON.stringify(event)?.slice(0, 80));
    assert.equal(w.ec2Calls(), 0, "no instance was looked up for a refused event");
    const unknown = await handleSpotEvent(warning("i-0ff00000"), w.deps);
    assert.equal(unknown.outcome, "skipped");
    assert.match((unknown as { reason: string }).reason, /unknown instance i-0ff00000/);
    assert.deepEqual(w.metrics, Array(junk.length + 2).fill("spotEventsSkipped"));
    assert.deepEqual(w.events, []);
  });

  it("hands an EKS node to the drainer with the two-minute deadline", async () => {
    const w = await world({ "i-0c100000": { type: "m6g.large", az: "us-east-1c", tags: { Environment: "prod", "eks:cluster-name": "main" } } });
    await handleSpotEvent(warning("i-0c100000"), w.deps);
    assert.equal(w.drained.length, 1);
    assert.deepEqual({ ...w.drained[0], deadline: w.drained[0]!.deadline!.toISOString() }, {
      kind: "interruption",
      instanceId: "i-0c100000",
      clusterName: "main",
      instanceType: "m6g.large",
      availabilityZone: "us-east-1c",
      autoScalingGroup: undefined,
      deadline: "2026-11-23T10:01:00.000Z",
    });
  });

  it("records even when the drainer fails, then fails so the event is retried, and the retry counts nothing twice", async () => {
    const w = await world({ "i-0c100000": { type: "m6g.large", az: "us-east-1c", tags: { "kubernetes.io/cluster/main": "owned" } } });
    let calls = 0;
    w.deps.onNodeInterruption = async () => {
      if (++calls === 1) throw new Error("API server unreachable");
    };
    await assert.rejects(handleSpotEvent(warning("i-0c100000"), w.deps), /API server unreachable/);
    assert.equal((await w.breakers.get("m6g.large")).interruptions, 1);
    const retry = await handleSpotEvent(warning("i-0c100000"), w.deps);
    assert.equal(retry.outcome === "recorded" && retry.counted, false);
    assert.equal(calls, 2, "the drain is attempted again");
    assert.equal((await w.breakers.get("m6g.large")).interruptions, 1);
    assert.equal(w.events.length, 1, "one alert");
  });
});
