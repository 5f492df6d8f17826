/**
 * Pool risk shared across the organisation ("herd immunity"), as users of two accounts see it:
 * a production interruption in one account's zone makes spot advice answer on-demand in every
 * account for the same physical zone, whatever each account calls it. Events of accounts the
 * stack does not cover are never read; a member account whose role is missing is reported and
 * its event retried, not dropped.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { GuardEventInput } from "../../runtime/contract";
import { memoryLog } from "../../runtime/shared/observability";
import { SpotAdvisor } from "../../runtime/spot/advice";
import { handleSpotEvent, type SpotEventDeps } from "../../runtime/spot/runEvents";
import { BreakerSettings, type SpotScope } from "../../runtime/spot/settings";
import { BreakerStore } from "../../runtime/spot/storeBreakers";
import { PoolRiskStore } from "../../runtime/spot/storePoolRisk";
import { ZoneIds, regionOfZoneName } from "../../runtime/spot/zones";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";
import { FakeOrg, spotEvent, type FakeAccountSpec } from "./fakeOrg";

const NOW = Date.parse("2026-11-23T10:00:00Z");
const HUB = "111111111111";
const MEMBER = "222222222222";
const STRANGER = "333333333333";
const BROKEN = "444444444444";

let db: LocalDynamo;
before(async () => {
  db = await startDynalite();
});
after(async () => db.close());

const prod = { Environment: "prod" };
/** The same three physical zones, named differently in each account (as AWS does). */
const accounts = (): Record<string, FakeAccountSpec> => ({
  [HUB]: { zones: { "us-east-1a": "use1-az1", "us-east-1b": "use1-az2", "us-east-1c": "use1-az3", "eu-west-1a": "euw1-az3" }, reportsZoneId: true, instances: { "i-0a000001": { type: "m5.large", az: "us-east-1a", tags: prod } } },
  [MEMBER]: {
    zones: { "us-east-1a": "use1-az2", "us-east-1b": "use1-az1", "us-east-1c": "use1-az3", "eu-west-1a": "euw1-az1" },
    // An older response shape: no AvailabilityZoneId in Placement, so the zone map is read.
    reportsZoneId: false,
    instances: {
      "i-0b000001": { type: "m5.large", az: "us-east-1b", tags: prod },
      "i-0b000002": { type: "m5.large", az: "us-east-1b", tags: prod },
      "i-0b0000e1": { type: "c6g.large", az: "eu-west-1a", tags: prod, region: "eu-west-1" },
      "i-0b0000c1": { type: "m6g.large", az: "us-east-1a", tags: { ...prod, "eks:cluster-name": "main" } },
    },
  },
  [STRANGER]: { zones: { "us-east-1a": "use1-az1" }, instances: { "i-0c000001": { type: "m5.large", az: "us-east-1a", tags: prod } } },
  [BROKEN]: { zones: { "us-east-1a": "use1-az1" }, roleMissing: true, instances: { "i-0d000001": { type: "m5.large", az: "us-east-1a", tags: prod } } },
});

const orgScope = (accountsCovered: "all" | string[], regions: SpotScope["regions"] = ["us-east-1", "eu-west-1"]): SpotScope => ({
  regions,
  organization: { memberRoleName: "costguard-member", accounts: accountsCovered, excludeAccounts: [], externalId: "costguard-test" },
});

async function world(scope: SpotScope | undefined, breaker: Partial<BreakerSettings> = {}) {
  const org = new FakeOrg(accounts());
  const tables = { breakers: await db.newTable("org-b"), pools: await db.newTable("org-p") };
  const breakers = new BreakerStore(db.doc, tables.breakers, BreakerSettings.parse(breaker), { now: () => NOW });
  const pools = new PoolRiskStore(db.doc, tables.pools, { poisonDays: 15, poisoningEnvironments: ["prod"], now: () => NOW });
  const published: Omit<GuardEventInput, "source">[] = [];
  const metrics: string[] = [];
  const log = memoryLog();
  const deps: SpotEventDeps = {
    homeAccount: async () => HUB,
    homeRegion: "us-east-1",
    scope,
    ec2For: org.ec2For,
    breakers,
    pools,
    stack: "org",
    publish: async (e) => void published.push(e),
    metric: (key) => void metrics.push(key),
    log,
    now: () => NOW,
  };
  /** The hub's advice (fleet managers of the hub name zones as the hub does), as store.ts builds it. */
  const hubZones = new ZoneIds(org.ec2For);
  const advisor = new SpotAdvisor({ breakers, pools, region: "us-east-1", zoneId: (az) => hubZones.idOf({ account: HUB, region: regionOfZoneName(az) }, az), now: () => NOW });
  return { org, deps, advisor, pools, breakers, published, metrics, log };
}

describe("pool risk across the organisation, by Availability Zone ID", () => {
  it("a prod interruption in a member account's us-east-1b poisons the hub's us-east-1a: the same physical zone (use1-az1)", async () => {
    const w = await world(orgScope([MEMBER]));
    assert.equal((await w.advisor.adviseCapacity({ instanceType: "m5.large", availabilityZone: "us-east-1a" })).capacity, "spot", "healthy before");

    const r = await handleSpotEvent(spotEvent("i-0b000001", { account: MEMBER }), w.deps);
    assert.equal(r.outcome === "recorded" && r.poolPoisoned, true);
    assert.ok(w.org.calls.some((c) => c.unit === `${MEMBER}/us-east-1` && c.command === "DescribeInstances"), "the instance was read in the member account");

    const here = await w.advisor.adviseCapacity({ instanceType: "m5.large", availabilityZone: "us-east-1a" });
    assert.equal(here.capacity, "on-demand");
    assert.match(here.reason, /pool us-east-1a \(use1-az1\)\/m5\.large is poisoned until .* by a prod interruption in account 222222222222/);
    assert.equal((await w.advisor.adviseCapacity({ instanceType: "m5.large", availabilityZone: "us-east-1b" })).capacity, "spot", "the hub's us-east-1b is use1-az2: a healthy zone");
    assert.equal((await w.advisor.isHealthy("m5.large", "us-east-1a")).healthy, false, "the optimizer's health check agrees");

    const alert = w.published[0]!;
    assert.match(alert.title, /m5\.large in us-east-1b \(use1-az1\) of account 222222222222/);
    assert.match(alert.lines!.join("\n"), /Pool use1-az1\/m5\.large poisoned for every account of the organisation/);
  });

  it("and the other way: the hub's us-east-1a interruption is the member's us-east-1b, not its us-east-1a", async () => {
    const w = await world(orgScope([MEMBER]));
    await handleSpotEvent(spotEvent("i-0a000001", { account: HUB }), w.deps);
    const member = new SpotAdvisor({ breakers: w.breakers, pools: w.pools, region: "us-east-1", zoneId: w.org.zoneIdIn(MEMBER), now: () => NOW });
    assert.equal((await member.adviseCapacity({ instanceType: "m5.large", availabilityZone: "us-east-1b" })).capacity, "on-demand");
    assert.equal((await member.adviseCapacity({ instanceType: "m5.large", availabilityZone: "us-east-1a" })).capacity, "spot");
  });

  it("reads an event of another region in that region of the member account", async () => {
    const w = await world(orgScope([MEMBER]));
    const r = await handleSpotEvent(spotEvent("i-0b0000e1", { account: MEMBER, region: "eu-west-1" }), w.deps);
    assert.equal(r.outcome, "recorded");
    assert.equal((await w.pools.get({ availabilityZoneId: "euw1-az1", instanceType: "c6g.large" })).poisoned, true);
    assert.equal((await w.pools.get({ availabilityZoneId: "euw1-az3", instanceType: "c6g.large" })).poisoned, false, "the hub's eu-west-1a is another zone");
  });

  it("a duplicate delivery of the same interruption counts once: one interruption, one alert", async () => {
    const w = await world(orgScope([MEMBER]));
    const event = spotEvent("i-0b000002", { account: MEMBER });
    await Promise.all([handleSpotEvent(event, w.deps), handleSpotEvent(event, w.deps)]);
    await handleSpotEvent(event, w.deps);
    assert.equal((await w.pools.get({ availabilityZoneId: "use1-az1", instanceType: "m5.large" })).interruptions, 1);
    assert.equal((await w.breakers.get("m5.large")).interruptions, 1);
    assert.equal(w.published.length, 1);
    assert.deepEqual(w.metrics.filter((m) => m === "spotInterruptions"), ["spotInterruptions"]);
  });

  it("per-AZ circuits are keyed by AZ ID: interruptions of one physical zone in two accounts trip one circuit", async () => {
    const w = await world(orgScope([MEMBER]), { perAz: true, threshold: 3 });
    for (const [id, account] of [["i-0a000001", HUB], ["i-0b000001", MEMBER], ["i-0b000002", MEMBER]] as const) await handleSpotEvent(spotEvent(id, { account }), w.deps);
    assert.equal((await w.breakers.get("m5.large@use1-az1")).state, "open");
    const a = await w.advisor.adviseCapacity({ instanceType: "m5.large", availabilityZone: "us-east-1a" });
    assert.match(a.reason, /pool .* poisoned|circuit m5\.large@use1-az1 is open/);
    assert.equal((await w.advisor.isHealthy("m5.large", "us-east-1b")).reason, "pool healthy, circuit closed", "use1-az2 has its own circuit");
  });
});

describe("EKS nodes of member accounts", () => {
  it("are recorded but not handed to the stack's node drainer, which drains its own cluster only", async () => {
    const w = await world(orgScope([MEMBER]));
    const drained: string[] = [];
    w.deps.onNodeInterruption = async (node) => void drained.push(node.instanceId);
    assert.equal((await handleSpotEvent(spotEvent("i-0b0000c1", { account: MEMBER }), w.deps)).outcome, "recorded");
    assert.deepEqual(drained, []);
  });
});

describe("whose events are read", () => {
  it("an event from an account outside the organisation's covered accounts is refused before any call", async () => {
    const w = await world(orgScope([MEMBER]));
    const r = await handleSpotEvent(spotEvent("i-0c000001", { account: STRANGER }), w.deps);
    assert.equal(r.outcome, "refused");
    assert.match((r as { reason: string }).reason, /account 333333333333 is not one of the organization's covered accounts/);
    assert.deepEqual(w.org.calls, [], "no role assumed, nothing read");
    assert.equal((await w.pools.get({ availabilityZoneId: "use1-az1", instanceType: "m5.large" })).poisoned, false);
    assert.match(w.log.lines.map((l) => l.message).join("\n"), /refused: the event comes|refused: account 333333333333/);
  });

  it("without an organisation configured, any other account's event is refused", async () => {
    const w = await world(undefined);
    const r = await handleSpotEvent(spotEvent("i-0b000001", { account: MEMBER }), w.deps);
    assert.equal(r.outcome, "refused");
    assert.match((r as { reason: string }).reason, /account 222222222222, not this stack's account 111111111111, and no organization is configured/);
    assert.deepEqual(w.org.calls, []);
  });

  it('with accounts "all", an account the organisation does not list (or an excluded one) is refused', async () => {
    const scope = orgScope("all");
    scope.organization!.excludeAccounts = [BROKEN];
    const w = await world(scope);
    w.deps.organizationAccounts = async () => [HUB, MEMBER, BROKEN];
    assert.equal((await handleSpotEvent(spotEvent("i-0b000001", { account: MEMBER }), w.deps)).outcome, "recorded");
    const stranger = await handleSpotEvent(spotEvent("i-0c000001", { account: STRANGER }), w.deps);
    assert.match((stranger as { reason: string }).reason, /not an active account of the organisation/);
    const excluded = await handleSpotEvent(spotEvent("i-0d000001", { account: BROKEN }), w.deps);
    assert.match((excluded as { reason: string }).reason, /account 444444444444 is excluded/);
  });

  it("an event of a region the stack does not cover is refused", async () => {
    const w = await world(orgScope([MEMBER], ["us-east-1"]));
    const r = await handleSpotEvent(spotEvent("i-0b0000e1", { account: MEMBER, region: "eu-west-1" }), w.deps);
    assert.match((r as { reason: string }).reason, /region eu-west-1, which this stack does not cover/);
    assert.deepEqual(w.org.calls, []);
  });

  it("a member account whose role is missing: logged with what to do, nothing recorded, the event retried (then dead-lettered), other accounts unaffected", async () => {
    const w = await world(orgScope([MEMBER, BROKEN]));
    await assert.rejects(handleSpotEvent(spotEvent("i-0d000001", { account: BROKEN }), w.deps), /cannot assume the member role in account 444444444444: the role is missing or does not trust this function \(deploy the MemberAccess StackSet/);
    const logged = w.log.lines.find((l) => l.level === "error");
    assert.match(String(logged?.message), /spot interruption of i-0d000001 not read: cannot assume the member role in account 444444444444/);
    assert.equal((await w.pools.get({ availabilityZoneId: "use1-az1", instanceType: "m5.large" })).interruptions, 0);
    assert.equal((await handleSpotEvent(spotEvent("i-0b000001", { account: MEMBER }), w.deps)).outcome, "recorded", "the next account's event is read as usual");
  });
});
