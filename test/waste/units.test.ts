/**
 * The waste scanner over units (account × region): one stateful fake EC2 per unit (a call in a
 * region sees only that region's resources), findings table on dynalite, SNS mocked.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { memoryLog } from "../../runtime/shared/observability";
import type { Unit } from "../../runtime/shared/units";
import { runWasteScan, type WasteScanDeps } from "../../runtime/waste/run";
import { WasteSettings } from "../../runtime/waste/settings";
import { FindingsStore } from "../../runtime/waste/store";
import { FakeEc2 } from "../support/fakeEc2";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";
import { DAY } from "./helpers";
import { throttlingEc2 } from "./throttlingEc2";

const HOME = "111111111111";
const MEMBER = "222222222222";
const NO_ROLE = "333333333333";
const t0 = new Date("2026-11-01T06:00:00.000Z");

/** Region-dependent figures, as the catalog has them: eu-west-1 dearer than us-east-1. */
const PRICES = {
  ebsGbMonth: (region: string, type: string) => (region === "eu-west-1" ? { gp2: 0.11, gp3: 0.088 } : { gp2: 0.1, gp3: 0.08 })[type as "gp2"],
  snapshotGbMonth: (region: string) => (region === "eu-west-1" ? 0.053 : 0.05),
  publicIpv4Hourly: () => 0.005,
  isCatalogRegion: (region: string) => region === "us-east-1" || region === "eu-west-1",
};

const accessDenied = (account: string) =>
  Object.assign(new Error(`User: arn:aws:sts::${HOME}:assumed-role/costguard-waste/fn is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${account}:role/costguard-member`), { name: "AccessDenied" });

function world() {
  const fakes = new Map<string, FakeEc2>();
  const fake = (account: string, region: string) => {
    const key = `${account}/${region}`;
    let f = fakes.get(key);
    if (!f) {
      f = new FakeEc2(undefined, () => t0);
      // Each unit's client answers in its own region, as a client built for that region does.
      (f.client.config as { region: unknown }).region = async () => region;
      f.mock.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: "us-east-1" }, { RegionName: "eu-west-1" }] });
      fakes.set(key, f);
    }
    return f;
  };
  return { fakes, fake };
}

const settings = (scope: object | undefined, cleanup: "off" | "dry-run" | "apply" = "off") =>
  WasteSettings.parse({ unattachedVolumeDays: 0, snapshotAgeDays: 30, stoppedInstanceDays: 14, cleanup, cleanupGraceDays: 1, ...(scope ? { scope } : {}) });
const org = { memberRoleName: "costguard-member", accounts: [HOME, MEMBER, NO_ROLE], excludeAccounts: [], externalId: "ext-1" };

describe("waste scan over accounts and regions", () => {
  let db: LocalDynamo;
  let sns: SNSClient;
  let snsMock: ReturnType<typeof mockClient>;
  before(async () => {
    db = await startDynalite();
    sns = new SNSClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    snsMock = mockClient(sns);
    snsMock.on(PublishCommand).resolves({ MessageId: "m" });
  });
  after(() => db.close());
  beforeEach(() => snsMock.resetHistory());

  async function deps(w: ReturnType<typeof world>, clientsFor?: (u: Unit) => { ec2: FakeEc2["client"] }): Promise<WasteScanDeps> {
    const name = await db.newTable("findings");
    const home = w.fake(HOME, "us-east-1");
    return {
      ec2: home.client,
      autoScaling: home.autoScaling,
      account: HOME,
      clientsFor: clientsFor ?? ((u) => ({ ec2: w.fake(u.account, u.region).client, autoScaling: w.fake(u.account, u.region).autoScaling })),
      store: new FindingsStore(db.doc, name),
      prices: PRICES,
      log: memoryLog(),
      stack: "prod",
      alerts: { sns, topicArn: "arn:aws:sns:us-east-1:111111111111:alerts" },
    };
  }

  it("finds waste in two regions of two accounts, priced with each region's prices, and reports the account whose role is missing", async () => {
    const w = world();
    w.fake(HOME, "us-east-1").volumes = [{ id: "vol-home", type: "gp2", size: 100, state: "in-use", instanceId: "i-1", tags: {} }];
    w.fake(HOME, "eu-west-1").volumes = [{ id: "vol-eu", type: "gp2", size: 100, state: "in-use", instanceId: "i-2", tags: { Environment: "dev" } }];
    w.fake(MEMBER, "eu-west-1").snapshots = [{ id: "snap-member", size: 100, startTime: new Date(t0.getTime() - 90 * DAY), state: "completed", tags: {} }];
    w.fake(MEMBER, "us-east-1").addresses = [{ allocationId: "eipalloc-member", publicIp: "198.51.100.9", tags: {} }];
    // The member account without the role refuses everything, starting with DescribeRegions.
    const broken = w.fake(NO_ROLE, "us-east-1");
    broken.mock.on(DescribeRegionsCommand).rejects(accessDenied(NO_ROLE));
    const d = await deps(w);
    const log = d.log as ReturnType<typeof memoryLog>;

    const r = await runWasteScan(d, settings({ regions: "all", organization: org, concurrency: 4 }), t0);
    const byResource = new Map(r.open.map((f) => [f.resourceId, f]));
    assert.deepEqual([...byResource.keys()].sort(), ["eipalloc-member", "snap-member", "vol-eu", "vol-home"]);
    assert.deepEqual({ account: byResource.get("vol-eu")!.account, region: byResource.get("vol-eu")!.region }, { account: HOME, region: "eu-west-1" });
    assert.equal(byResource.get("vol-home")!.monthlyUsd, 2, "gp2 → gp3 on 100 GiB at us-east-1's $0.10 − $0.08");
    assert.equal(byResource.get("vol-eu")!.monthlyUsd, 2.2, "gp2 → gp3 on 100 GiB at eu-west-1's $0.11 − $0.088");
    assert.equal(byResource.get("snap-member")!.monthlyUsd, 5.3, "100 GiB snapshot at eu-west-1's $0.053");
    assert.deepEqual({ account: byResource.get("snap-member")!.account, region: byResource.get("snap-member")!.region }, { account: MEMBER, region: "eu-west-1" });
    assert.equal(r.units, 4, "2 accounts × 2 regions read");
    assert.equal(r.failures.length, 1);
    assert.match(r.failures[0]!.error, /member role in account 333333333333.*missing/);
    assert.ok(log.lines.some((e) => e.level === "warn" && /333333333333/.test(JSON.stringify(e))), "the failure is logged");
    // The dashboard's breakdown reads one "unit waste" line per unit read.
    const unitLines = log.lines.filter((l) => l.message === "unit waste").map((l) => l.extra[0]);
    assert.equal(unitLines.length, 4);
    assert.deepEqual(unitLines.find((e) => e!.account === MEMBER && e!.region === "eu-west-1"), { account: MEMBER, region: "eu-west-1", findings: 1, usdPerMonth: 5.3 });
    const event = JSON.parse(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Message!);
    assert.equal(event.severity, "warning", "a unit that could not be read makes the alert a warning");
    assert.ok(event.lines.some((l: string) => /could not scan.*333333333333/.test(l)), event.lines.join("\n"));
    assert.ok(event.lines.some((l: string) => /222222222222 eu-west-1.*snap-member/.test(l)), "findings name their account and region");
    // The same resource id is stored per unit: the member's findings have unit-qualified keys.
    const stored = await d.store.load();
    assert.ok(stored.findings.some((f) => f.id === "old-snapshot#222222222222/eu-west-1/snap-member"));
    assert.ok(stored.findings.some((f) => f.id === "gp2-volume#vol-home"), "the home unit keeps today's keys");
  });

  /** One gp2 volume in the member's eu-west-1 and one in the home unit, both accounts in scope. */
  async function memberAndHomeVolumes() {
    const w = world();
    w.fake(MEMBER, "eu-west-1").volumes = [{ id: "vol-m", type: "gp2", size: 10, state: "in-use", instanceId: "i-m", tags: {} }];
    w.fake(HOME, "us-east-1").volumes = [{ id: "vol-h", type: "gp2", size: 10, state: "in-use", instanceId: "i-h", tags: {} }];
    const scope = { regions: ["us-east-1", "eu-west-1"], organization: { ...org, accounts: [HOME, MEMBER] }, concurrency: 2 };
    return { w, d: await deps(w), scope };
  }

  it("a unit that fails on a later run keeps its findings open (not resolved), and the others go on", async () => {
    const { w, d, scope } = await memberAndHomeVolumes();
    const first = await runWasteScan(d, settings(scope), t0);
    assert.equal(first.open.length, 2);
    // The member's role is deleted; the home volume is cleaned up by hand.
    for (const region of ["us-east-1", "eu-west-1"]) w.fake(MEMBER, region).failures.set("DescribeVolumes", accessDenied(MEMBER));
    w.fake(HOME, "us-east-1").volumes = [];
    const second = await runWasteScan(d, settings(scope), new Date(t0.getTime() + DAY));
    assert.deepEqual(second.resolved.map((f) => f.resourceId), ["vol-h"]);
    assert.ok(second.open.some((f) => f.resourceId === "vol-m"), "unreadable is not gone: the member's finding stays open");
    assert.equal(second.failures.length, 2, "both member units reported");
    const stored = (await d.store.load()).findings.find((f) => f.resourceId === "vol-m");
    assert.equal(stored?.status, "open");
  });

  it("a finding in a unit that could not be read keeps the time a scan last saw it, until a scan reads it again", async () => {
    const { w, d, scope } = await memberAndHomeVolumes();
    const day = (n: number) => new Date(t0.getTime() + n * DAY);
    const lastSeen = async (id: string) => (await d.store.load()).findings.find((f) => f.resourceId === id)!;
    await runWasteScan(d, settings(scope), day(0));
    await runWasteScan(d, settings(scope), day(1)); // nothing changed: nothing rewritten
    assert.equal((await lastSeen("vol-m")).lastSeen, day(1).toISOString());
    // The member's role is deleted for two days.
    for (const region of ["us-east-1", "eu-west-1"]) w.fake(MEMBER, region).failures.set("DescribeVolumes", accessDenied(MEMBER));
    await runWasteScan(d, settings(scope), day(2));
    await runWasteScan(d, settings(scope), day(3));
    const unread = await lastSeen("vol-m");
    assert.equal(unread.status, "open");
    assert.equal(unread.lastSeen, day(1).toISOString(), "last seen by the scan of day 1, not by the scans that could not read its account");
    assert.equal(unread.notCheckedSince, day(2).toISOString());
    assert.equal((await lastSeen("vol-h")).lastSeen, day(3).toISOString(), "the readable unit's findings were seen today");
    // The role is back: the next scan sees the volume again.
    for (const region of ["us-east-1", "eu-west-1"]) w.fake(MEMBER, region).failures.delete("DescribeVolumes");
    await runWasteScan(d, settings(scope), day(4));
    const back = await lastSeen("vol-m");
    assert.equal(back.lastSeen, day(4).toISOString());
    assert.equal(back.notCheckedSince, undefined);
  });

  it("items written before the scope existed are read as the home unit's: no finding reopens", async () => {
    const w = world();
    w.fake(HOME, "us-east-1").volumes = [{ id: "vol-old", type: "gp2", size: 10, state: "in-use", instanceId: "i-o", tags: {} }];
    const d = await deps(w);
    const before = await runWasteScan({ ...d, account: undefined, clientsFor: undefined }, settings(undefined), t0);
    assert.deepEqual(before.opened.map((f) => f.id), ["gp2-volume#vol-old"]);
    const after = await runWasteScan(d, settings({ regions: ["us-east-1", "eu-west-1"], concurrency: 2 }), new Date(t0.getTime() + DAY));
    assert.equal(after.opened.length, 0);
    assert.equal(after.resolved.length, 0);
    assert.equal(after.open[0]!.firstSeen, t0.toISOString());
  });

  it("clean-up acts in the owning unit with its clients, honouring protect and the grace period", async () => {
    const w = world();
    w.fake(MEMBER, "eu-west-1").addresses = [
      { allocationId: "eipalloc-far", publicIp: "198.51.100.1", tags: {} },
      { allocationId: "eipalloc-kept", publicIp: "198.51.100.2", tags: { "costguard:protect": "true" } },
    ];
    const d = await deps(w);
    const scope = { regions: ["us-east-1", "eu-west-1"], organization: { ...org, accounts: [MEMBER] }, concurrency: 2 };
    const day0 = await runWasteScan(d, settings(scope, "apply"), t0);
    assert.deepEqual(day0.cleanup.results.map((r) => `${r.status}: ${r.description}`), ["done: 222222222222 eu-west-1: tag eipalloc-far costguard:cleanup-due=2026-11-02"]);
    const member = w.fake(MEMBER, "eu-west-1");
    assert.equal(member.addresses[0]!.tags["costguard:cleanup-due"], "2026-11-02");
    assert.equal(w.fake(HOME, "us-east-1").writes().length, 0, "nothing written in the home unit");
    const day2 = await runWasteScan(d, settings(scope, "apply"), new Date(t0.getTime() + 2 * DAY));
    assert.deepEqual(day2.cleanup.results.map((r) => r.status), ["done"]);
    assert.deepEqual(member.addresses.map((a) => a.allocationId), ["eipalloc-kept"], "released in its own unit; the protected one stays");
  });

  it("throttling in one unit is retried; beyond the retries that unit is reported, never read as empty", async () => {
    const w = world();
    w.fake(HOME, "us-east-1").volumes = [{ id: "vol-h", type: "gp2", size: 10, state: "in-use", instanceId: "i-h", tags: {} }];
    const busy = throttlingEc2("eu-west-1", { throttleFirst: 2, volumes: [{ id: "vol-busy", type: "gp2", size: 10 }] });
    const d1 = await deps(w, (u) => (u.region === "eu-west-1" ? { ec2: busy.client } : { ec2: w.fake(u.account, u.region).client }));
    const r1 = await runWasteScan(d1, settings({ regions: ["us-east-1", "eu-west-1"], concurrency: 2 }), t0);
    assert.equal(r1.failures.length, 0);
    assert.ok(r1.open.some((f) => f.resourceId === "vol-busy"), "read after the throttled calls were retried");
    assert.ok(busy.throttled >= 2);

    const hopeless = throttlingEc2("eu-west-1", { throttleFirst: Infinity, volumes: [{ id: "vol-busy", type: "gp2", size: 10 }] });
    const d2 = await deps(w, (u) => (u.region === "eu-west-1" ? { ec2: hopeless.client } : { ec2: w.fake(u.account, u.region).client }));
    const r2 = await runWasteScan(d2, settings({ regions: ["us-east-1", "eu-west-1"], concurrency: 2 }), t0);
    assert.deepEqual(r2.open.map((f) => f.resourceId), ["vol-h"]);
    assert.equal(r2.failures.length, 1);
    assert.match(r2.failures[0]!.error, /eu-west-1.*RequestLimitExceeded/);
  });
});
