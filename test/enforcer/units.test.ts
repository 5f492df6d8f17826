/**
 * The security enforcer over units (account × region): one stateful fake EC2 per unit, so an
 * instance exists only in its own region of its own account; its table on dynalite.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { runEnforcer, type EnforcerDeps } from "../../runtime/enforcer/run";
import { EnforcerSettings } from "../../runtime/enforcer/settings";
import { EnforcerStore } from "../../runtime/enforcer/store";
import { memoryLog } from "../../runtime/shared/observability";
import { FakeEc2 } from "../support/fakeEc2";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

const HOME = "111111111111";
const MEMBER = "222222222222";
const HOUR = 3600 * 1000;
const t0 = new Date("2026-11-01T06:00:00.000Z");
const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);

function world() {
  const fakes = new Map<string, FakeEc2>();
  const fake = (account: string, region: string) => {
    let f = fakes.get(`${account}/${region}`);
    if (!f) {
      f = new FakeEc2(undefined, () => t0);
      (f.client.config as { region: unknown }).region = async () => region;
      f.mock.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: "us-east-1" }, { RegionName: "ap-southeast-2" }] });
      fakes.set(`${account}/${region}`, f);
    }
    return f;
  };
  return { fakes, fake };
}

const settings = (scope: object) => EnforcerSettings.parse({ authorizationTags: ["ManagedBy=costguard"], mode: "stop", graceHours: 2, scope });

describe("security enforcer over accounts and regions", () => {
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

  async function deps(w: ReturnType<typeof world>): Promise<EnforcerDeps> {
    const table = await db.newTable("enforcer-u", { sortKey: "S" });
    return {
      ec2: w.fake(HOME, "us-east-1").client,
      account: HOME,
      clientsFor: (u) => w.fake(u.account, u.region).client,
      store: new EnforcerStore(db.doc, table),
      log: memoryLog(),
      stack: "prod",
      alerts: { sns, topicArn: "arn:aws:sns:us-east-1:111111111111:alerts" },
    };
  }

  it("an unauthorised instance in a region other than the stack's is flagged, then stopped after the grace, with its own unit's clients", async () => {
    const w = world();
    const far = w.fake(MEMBER, "ap-southeast-2");
    far.instances = [{ id: "i-miner", type: "p4d.24xlarge", state: "running", tags: {} }];
    // Same id in the home unit (ids are unique in AWS; the fake must not let one unit's stop reach the other's).
    w.fake(HOME, "us-east-1").instances = [{ id: "i-ok", type: "t3.micro", state: "running", tags: { ManagedBy: "costguard" } }];
    const d = await deps(w);
    const scope = { regions: "all", organization: { memberRoleName: "costguard-member", accounts: [HOME, MEMBER], excludeAccounts: [], externalId: "ext" }, concurrency: 4 };

    const first = await runEnforcer(d, settings(scope), t0);
    assert.equal(first.units, 4);
    assert.deepEqual(first.decision.flag.map((f) => `${f.account}/${f.region}/${f.id}`), [`${MEMBER}/ap-southeast-2/i-miner`]);
    assert.equal(far.instances[0]!.tags["costguard:unauthorized-since"], t0.toISOString(), "tagged in its own account and region");
    assert.equal(first.audit[0]!.account, MEMBER);
    assert.equal(first.audit[0]!.region, "ap-southeast-2");
    const alert = JSON.parse(snsMock.commandCalls(PublishCommand).at(-1)!.args[0].input.Message!);
    assert.ok(alert.lines.some((l: string) => /flagged 222222222222 ap-southeast-2: i-miner/.test(l)), alert.lines.join("\n"));

    const waiting = await runEnforcer(d, settings(scope), at(1));
    assert.equal(waiting.decision.act.length, 0, "still in grace");
    const due = await runEnforcer(d, settings(scope), at(3));
    assert.deepEqual(due.decision.act.map((a) => a.id), ["i-miner"]);
    assert.equal(far.instances[0]!.state, "stopped");
    assert.deepEqual(far.writes().map((c) => c.command), ["CreateTags", "StopInstances"]);
    for (const [key, f] of w.fakes) if (key !== `${MEMBER}/ap-southeast-2`) assert.equal(f.writes().length, 0, `nothing written in ${key}`);
  });

  it("a member account whose role is missing is reported; its flags are kept; the others are enforced", async () => {
    const w = world();
    const denied = Object.assign(new Error(`User: arn:aws:sts::${HOME}:assumed-role/x/y is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${MEMBER}:role/costguard-member`), { name: "AccessDenied" });
    w.fake(MEMBER, "us-east-1").instances = [{ id: "i-m", type: "t3.micro", state: "running", tags: {} }];
    w.fake(HOME, "us-east-1").instances = [{ id: "i-h", type: "t3.micro", state: "running", tags: {} }];
    const d = await deps(w);
    const scope = { regions: ["us-east-1"], organization: { memberRoleName: "costguard-member", accounts: [HOME, MEMBER], excludeAccounts: [], externalId: "ext" }, concurrency: 2 };
    await runEnforcer(d, settings(scope), t0);
    assert.deepEqual([...(await d.store.flags()).keys()].sort(), [`${MEMBER}/us-east-1/i-m`, "i-h"], "the member's flag is unit-qualified; the home unit keeps bare ids");

    w.fake(MEMBER, "us-east-1").failures.set("DescribeInstances", denied);
    const r = await runEnforcer(d, settings(scope), at(3));
    assert.equal(r.unitFailures.length, 1);
    assert.match(r.unitFailures[0]!.error, /member role in account 222222222222/);
    assert.deepEqual(r.decision.act.map((a) => a.id), ["i-h"], "the home account is enforced");
    assert.ok((await d.store.flags()).has(`${MEMBER}/us-east-1/i-m`), "an unreadable unit's flag is not forgotten");
    const alert = JSON.parse(snsMock.commandCalls(PublishCommand).at(-1)!.args[0].input.Message!);
    assert.ok(alert.lines.some((l: string) => /could not check 222222222222 us-east-1/.test(l)), alert.lines.join("\n"));
  });
});
