/**
 * The failsafe over every region of every account: a runaway anywhere is stopped per its
 * environment's response, by the unit that owns it; a unit that cannot be read is reported and
 * never stops the others; throttling is retried, and throttling beyond retries is a failure, not $0.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runCheck, type CheckResult, type FailsafeDeps } from "../../runtime/failsafe/run";
import type { FailsafeSettings } from "../../runtime/failsafe/settings";
import { memoryLog } from "../../runtime/shared/observability";
import type { ScopeSettings } from "../../runtime/shared/units";
import { defaultSettings, startDynamo, type FailsafeDynamo } from "./helpers";
import { FakeOrg, HOME, HOME_REGION } from "./orgWorld";
import { MINUTE, T0 } from "./world";

const A = "222222222222";
const B = "333333333333";
const C = "444444444444";

function settings(scope: ScopeSettings, dev: Partial<FailsafeSettings["environments"][string]> = {}): FailsafeSettings {
  return defaultSettings({
    environments: {
      dev: { maxHourlyUsd: 1, spikePercent: 1000, windowMinutes: 20, response: "stop", priority: 1, dryRun: false, ...dev },
      prod: { maxHourlyUsd: 1, spikePercent: 1000, windowMinutes: 60, response: "notify", priority: 3, dryRun: false },
    },
    global: { maxHourlyUsd: 100, spikePercent: 1000, windowMinutes: 60 },
    scope,
  });
}

interface Rig {
  org: FakeOrg;
  dynamo: FailsafeDynamo;
  deps: (time: number) => FailsafeDeps;
  alerts: () => { title: string; lines: string[] }[];
}

async function rig(org: FakeOrg, s: FailsafeSettings): Promise<Rig> {
  const dynamo = await startDynamo();
  const alertsFake = org.unit(HOME, HOME_REGION);
  // One log for every run of the rig: tests read what the runs logged.
  const base = org.failsafeDeps(s, dynamo.store(), T0);
  return {
    org,
    dynamo,
    deps: (time) => ({ ...base, now: () => time }),
    alerts: () => alertsFake.published.map((p) => JSON.parse(p.Message!) as { title: string; lines: string[] }),
  };
}

const runaway = (org: FakeOrg, account: string, region: string, env: string, n: number) => {
  for (let i = 0; i < n; i++) org.unit(account, region).addInstance({ id: `i-${env}${region.replace(/-/g, "")}${account.slice(-2)}${i}`, type: "c5.xlarge", tags: { Environment: env } });
};

describe('regions "all": a runaway in a region other than the stack\'s', () => {
  let r: Rig;
  let result: CheckResult;
  before(async () => {
    const org = new FakeOrg();
    org.unit(HOME, HOME_REGION).addInstance({ id: "i-homedev", type: "t3.micro", tags: { Environment: "dev" } });
    runaway(org, HOME, "ap-south-1", "dev", 10); // 10 × $0.17/h: dev over its $1/h
    runaway(org, HOME, "eu-west-1", "prod", 10); // prod over its limit too, but notify only
    r = await rig(org, settings({ regions: "all", concurrency: 4 }));
    result = await runCheck(r.deps(T0));
  });
  after(() => r.dynamo.close());

  it("logs each burning unit's figures per environment, the lines the dashboard's by-account widget queries", () => {
    const log = r.deps(T0).log as ReturnType<typeof memoryLog>;
    const lines = log.lines.filter((l) => l.message === "unit burn").map((l) => Object.assign({}, ...l.extra) as { account: string; region: string; environment: string; usdPerHour: number });
    const apSouth = lines.find((l) => l.region === "ap-south-1" && l.environment === "dev");
    assert.ok(apSouth && apSouth.account === HOME && Math.abs(apSouth.usdPerHour - 10 * 0.17) < 1e-9, JSON.stringify(lines));
    assert.ok(lines.some((l) => l.region === "eu-west-1" && l.environment === "prod"));
    assert.ok(lines.every((l) => l.usdPerHour > 0), "quiet units and environments are not logged (log ingestion is billed)");
  });

  it("reads every enabled region, and never the one not opted into", () => {
    assert.deepEqual(result.units!.map((u) => u.region).sort(), ["ap-south-1", "eu-west-1", "us-east-1"]);
    assert.equal(r.org.callsPerUnit.get(`${HOME}/me-south-1`), undefined);
    assert.deepEqual(result.unitFailures, []);
  });

  it("sums dev across regions and stops it where it runs, through each region's own clients", () => {
    assert.ok(Math.abs(result.burn.dev! - (10 * 0.17 + 0.0104)) < 1e-9);
    assert.deepEqual(result.targets, ["dev"]);
    assert.equal(r.org.unit(HOME, "ap-south-1").running("dev").length, 0);
    assert.equal(r.org.unit(HOME, HOME_REGION).running("dev").length, 0);
    const stops = r.org.calls(HOME, "ap-south-1").filter((c) => c === "StopInstances").length;
    assert.equal(stops, 10);
  });

  it("only notifies prod: nothing written in eu-west-1; the alert names where", () => {
    assert.deepEqual(r.org.unit(HOME, "eu-west-1").writes(), []);
    assert.deepEqual(result.notifyOnly, ["prod"]);
    const alert = r.alerts()[0]!;
    assert.match(alert.title, /stopping dev/);
    assert.ok(alert.lines.some((l) => l.includes(`in ${HOME}/ap-south-1`)), alert.lines.join("\n"));
  });

  it("restores nothing it was not asked to: saved values carry the unit", async () => {
    const saved = await r.deps(T0).store.savedActions("dev");
    assert.deepEqual(saved.map((a) => a.unit?.region).sort(), [...Array(10).fill("ap-south-1"), HOME_REGION]);
  });
});

describe("an organisation of three accounts, one without the member role", () => {
  let r: Rig;
  let first: CheckResult;
  before(async () => {
    const org = new FakeOrg();
    org.refused.add(B);
    for (const acct of [A, B, C]) runaway(org, acct, "us-east-1", "dev", 4);
    r = await rig(org, settings({ regions: ["us-east-1"], concurrency: 2, organization: { memberRoleName: "CostguardMember", accounts: [A, B, C], excludeAccounts: [], externalId: "ext-123" } }));
    first = await runCheck(r.deps(T0));
  });
  after(() => r.dynamo.close());

  it("assumes each member role with the external id", () => {
    assert.deepEqual([...new Set(r.org.assumeRoleCalls.map((c) => `${String(c.RoleArn)} ${String(c.ExternalId)}`))].sort(), [A, B, C].map((a) => `arn:aws:iam::${a}:role/CostguardMember ext-123`));
  });

  it("reports the refused account, and checks and stops the other two", () => {
    assert.deepEqual(first.unitFailures!.map((f) => [f.account, f.region]), [[B, "us-east-1"]]);
    assert.match(first.unitFailures![0]!.error, /cannot assume the member role in account 333333333333/);
    assert.equal(r.org.unit(A, "us-east-1").running("dev").length, 0);
    assert.equal(r.org.unit(C, "us-east-1").running("dev").length, 0);
    assert.equal(r.org.unit(B, "us-east-1").running("dev").length, 4, "B was never reachable");
    assert.ok(Math.abs(first.burn.dev! - 8 * 0.17) < 1e-9, "the refused account counts as not checked, not as $0 of dev");
    const lines = r.alerts().flatMap((a) => a.lines);
    assert.ok(lines.some((l) => l.startsWith(`${B}/us-east-1 not checked: cannot assume the member role`)), lines.join("\n"));
  });

  it("announces the missing role once, not every two minutes", async () => {
    const sent = r.alerts().length;
    const again = await runCheck(r.deps(T0 + 2 * MINUTE));
    assert.equal(again.unitFailures!.length, 1, JSON.stringify(again.unitFailures));
    assert.equal(r.alerts().length, sent, JSON.stringify(r.alerts().slice(sent)));
  });
});

describe("throttling during a sweep", () => {
  let r: Rig;
  let result: CheckResult;
  before(async () => {
    const org = new FakeOrg();
    runaway(org, HOME, "eu-west-1", "dev", 8);
    runaway(org, HOME, "ap-south-1", "dev", 8);
    org.unit(HOME, "eu-west-1").fail("DescribeInstances", 3); // within the retries
    org.unit(HOME, "ap-south-1").fail("DescribeInstances", 50); // beyond them
    r = await rig(org, settings({ regions: ["us-east-1", "eu-west-1", "ap-south-1"], concurrency: 3 }));
    result = await runCheck(r.deps(T0));
  });
  after(() => r.dynamo.close());

  it("a unit throttled a few times still completes, and its runaway is stopped", () => {
    assert.equal(r.org.calls(HOME, "eu-west-1").filter((c) => c === "DescribeInstances").length, 4);
    assert.ok(result.units!.some((u) => u.region === "eu-west-1"));
    assert.equal(r.org.unit(HOME, "eu-west-1").running("dev").length, 0);
  });

  it("a unit throttled beyond the retries is reported as failed, never counted as $0", () => {
    assert.equal(r.org.calls(HOME, "ap-south-1").filter((c) => c === "DescribeInstances").length, 6);
    assert.deepEqual(result.unitFailures!.map((f) => [f.region, f.code]), [["ap-south-1", "ThrottlingException"]]);
    assert.ok(!result.units!.some((u) => u.region === "ap-south-1"));
    assert.ok(r.alerts().some((a) => a.lines.some((l) => l.startsWith(`${HOME}/ap-south-1 not checked`))));
  });
});

describe("an environment running in a region nobody expected", () => {
  let r: Rig;
  before(async () => {
    const org = new FakeOrg();
    org.unit(HOME, HOME_REGION).addInstance({ id: "i-devhome", type: "t3.micro", tags: { Environment: "dev" } });
    org.unit(HOME, "ap-south-1").addInstance({ id: "i-devfar", type: "t3.medium", tags: { Environment: "dev" } });
    r = await rig(org, settings({ regions: "all", concurrency: 4 }, { expectedRegions: ["us-east-1"] }));
  });
  after(() => r.dynamo.close());

  it("is called out in the alert although under its limit, once", async () => {
    const first = await runCheck(r.deps(T0));
    assert.equal(first.mode, "none");
    assert.deepEqual(first.unexpectedRegions, [`dev is running in ap-south-1, not one of its expected regions us-east-1 ($0.04/h in account ${HOME})`]);
    const alerts = r.alerts();
    assert.equal(alerts.length, 1);
    assert.ok(alerts[0]!.lines.includes(first.unexpectedRegions![0]!));
    assert.deepEqual(r.org.unit(HOME, "ap-south-1").writes(), [], "called out, not stopped");
    await runCheck(r.deps(T0 + 2 * MINUTE));
    assert.equal(r.alerts().length, 1);
  });
});
