/** The security enforcer over a stateful fake EC2 account, with its table on dynalite. */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { EnforcerStore } from "../../runtime/enforcer/store";
import { isAuthorized } from "../../runtime/enforcer/decide";
import { EnforcerSettings } from "../../runtime/enforcer/settings";
import { runEnforcer, runEnforcerExclusive } from "../../runtime/enforcer/run";
import { memoryLog } from "../../runtime/shared/observability";
import { FakeEc2 } from "../support/fakeEc2";
const HOUR = 3600 * 1000;
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

const t0 = new Date("2026-11-01T06:00:00.000Z");
const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);
const DEFAULT_TAGS = ["ManagedBy=costguard", "aws:autoscaling:groupName", "eks:cluster-name"];
const settings = (mode: "audit" | "stop" | "terminate", over: Partial<EnforcerSettings> = {}) => EnforcerSettings.parse({ authorizationTags: DEFAULT_TAGS, mode, ...over });

describe("authorisation tags", () => {
  it("Key=Value needs that value; Key alone needs the key", () => {
    assert.equal(isAuthorized({ ManagedBy: "costguard" }, DEFAULT_TAGS), true);
    assert.equal(isAuthorized({ ManagedBy: "terraform" }, DEFAULT_TAGS), false);
    assert.equal(isAuthorized({ "aws:autoscaling:groupName": "" }, DEFAULT_TAGS), true);
    assert.equal(isAuthorized({ "eks:cluster-name": "main" }, DEFAULT_TAGS), true);
    assert.equal(isAuthorized({}, DEFAULT_TAGS), false);
    assert.equal(isAuthorized({ Team: "a=b" }, ["Team=a=b"]), true, "only the first = separates key and value");
  });
});

describe("security enforcer", () => {
  let db: LocalDynamo;
  let store: EnforcerStore;
  let sns: SNSClient;
  let snsMock: ReturnType<typeof mockClient>;
  before(async () => {
    db = await startDynalite();
  });
  beforeEach(async () => {
    store = new EnforcerStore(db.doc, await db.newTable("enforcer", { sortKey: "S" }));
    sns = new SNSClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    snsMock = mockClient(sns);
    snsMock.on(PublishCommand).resolves({ MessageId: "m" });
  });
  after(() => db.close());

  const deps = (ec2: FakeEc2) => ({ ec2: ec2.client, store, log: memoryLog(), stack: "prod", alerts: { sns, topicArn: "arn:aws:sns:us-east-1:123456789012:alerts" } });
  const events = () => snsMock.commandCalls(PublishCommand).map((c) => JSON.parse(c.args[0].input.Message!));

  function account(): FakeEc2 {
    const ec2 = new FakeEc2();
    ec2.instances = [
      { id: "i-rogue", type: "c5.4xlarge", state: "running", tags: { Environment: "dev", ManagedBy: "terraform" } },
      { id: "i-asg", type: "t3.micro", state: "running", tags: { "aws:autoscaling:groupName": "web" } },
      { id: "i-ours", type: "t3.micro", state: "running", tags: { ManagedBy: "costguard" } },
    ];
    return ec2;
  }

  it("mode stop: flag → 23 h later nothing → 25 h later stopped → tag added → unflagged", async () => {
    const ec2 = account();
    const s = settings("stop");
    const rogue = ec2.instance("i-rogue");

    await runEnforcer(deps(ec2), s, t0);
    assert.equal(rogue.tags["costguard:unauthorized-since"], t0.toISOString());
    assert.deepEqual(ec2.writes().map((w) => w.command), ["CreateTags"], "only the rogue instance is tagged");
    assert.equal(events().length, 1);
    assert.equal(events()[0].severity, "warning");
    assert.match(events()[0].lines[0], /flagged i-rogue \(dev, c5\.4xlarge\).*will be stopped after 24 h/);

    const quiet = await runEnforcer(deps(ec2), s, at(23));
    assert.equal(rogue.state, "running");
    assert.equal(ec2.writes().length, 1, "23 h: nothing new");
    assert.equal(quiet.decision.waiting[0]?.dueAt, at(24).toISOString());
    assert.equal(events().length, 1, "no alert when nothing changed");

    await runEnforcer(deps(ec2), s, at(25));
    assert.equal(rogue.state, "stopped");
    assert.equal(ec2.instance("i-asg").state, "running");
    assert.equal(events().at(-1).severity, "critical");
    assert.match(events().at(-1).lines.join("\n"), /stopped i-rogue: unauthorised since 2026-11-01T06:00:00\.000Z/);

    await runEnforcer(deps(ec2), s, at(26));
    assert.equal(ec2.writes().filter((w) => w.command === "StopInstances").length, 1, "stopped once, not every hour");

    rogue.tags.ManagedBy = "costguard"; // the owner fixes the tag
    await runEnforcer(deps(ec2), s, at(27));
    assert.equal(rogue.tags["costguard:unauthorized-since"], undefined);
    assert.deepEqual(await store.flags(), new Map());
    assert.match(events().at(-1).lines.join("\n"), /unflagged i-rogue/);

    const trail = (await store.auditOn("2026-11-01")).concat(await store.auditOn("2026-11-02")).map((r) => `${r.event} ${r.instanceId}`);
    assert.deepEqual(trail, ["flagged i-rogue", "stopped i-rogue", "unflagged i-rogue"]);
  });

  it("removing the flag tag does not restart the grace period", async () => {
    const ec2 = account();
    const s = settings("stop");
    await runEnforcer(deps(ec2), s, t0);
    delete ec2.instance("i-rogue").tags["costguard:unauthorized-since"];
    await runEnforcer(deps(ec2), s, at(10));
    assert.equal(ec2.instance("i-rogue").tags["costguard:unauthorized-since"], t0.toISOString(), "put back with the original time");
    await runEnforcer(deps(ec2), s, at(25));
    assert.equal(ec2.instance("i-rogue").state, "stopped");
  });

  it("never touches protected or termination-protected instances, even in terminate mode", async () => {
    const ec2 = account();
    ec2.instances.push(
      { id: "i-pet", type: "m5.large", state: "running", tags: { "costguard:protect": "true" } },
      { id: "i-locked", type: "m5.large", state: "running", tags: {}, terminationProtection: true },
    );
    const s = settings("terminate");
    for (const h of [0, 25, 50]) await runEnforcer(deps(ec2), s, at(h));
    const touched = new Set(ec2.writes().flatMap((w) => (w.input.Resources ?? w.input.InstanceIds) as string[]));
    assert.deepEqual([...touched], ["i-rogue"]);
    assert.equal(ec2.instance("i-rogue").state, "terminated");
    assert.deepEqual(ec2.instance("i-pet"), { id: "i-pet", type: "m5.large", state: "running", tags: { "costguard:protect": "true" } });
    assert.equal(ec2.instance("i-locked").state, "running");
    assert.deepEqual(ec2.instance("i-locked").tags, {});
    const last = await runEnforcer(deps(ec2), s, at(51));
    assert.deepEqual(last.decision.exempt, [
      { id: "i-pet", reason: "costguard:protect=true" },
      { id: "i-locked", reason: "termination protection is on" },
    ]);
  });

  it("audit mode never changes anything on the instances, but records and alerts", async () => {
    const ec2 = account();
    const s = settings("audit");
    for (const h of [0, 23, 25, 48, 100]) await runEnforcer(deps(ec2), s, at(h));
    assert.deepEqual(ec2.writes(), []);
    assert.equal(ec2.instance("i-rogue").state, "running");
    assert.deepEqual(ec2.instance("i-rogue").tags, { Environment: "dev", ManagedBy: "terraform" });
    assert.deepEqual(await store.flags(), new Map([["i-rogue", t0.toISOString()]]));
    assert.deepEqual((await store.auditOn("2026-11-01")).map((r) => `${r.event} ${r.instanceId} ${r.mode}`), ["flagged i-rogue audit"]);
    assert.equal(events().length, 1);
    assert.match(events()[0].lines[0], /audit mode, no action will be taken/);

    ec2.instance("i-rogue").tags["eks:cluster-name"] = "main";
    await runEnforcer(deps(ec2), s, at(101));
    assert.deepEqual(ec2.writes(), []);
    assert.deepEqual(await store.flags(), new Map());
  });

  it("caps stop actions per run and finishes the rest on the next run", async () => {
    const ec2 = new FakeEc2();
    ec2.instances = ["i-1", "i-2", "i-3"].map((id) => ({ id, type: "t3.micro", state: "running", tags: {} }));
    const s = settings("stop", { maxActionsPerRun: 2 });
    await runEnforcer(deps(ec2), s, t0);
    const first = await runEnforcer(deps(ec2), s, at(25));
    assert.equal(ec2.instances.filter((i) => i.state === "stopped").length, 2);
    assert.deepEqual(first.decision.capped, ["i-3"]);
    assert.match(events().at(-1).lines.join("\n"), /action cap of 2 reached: 1 instance\(s\) left for the next run/);
    await runEnforcer(deps(ec2), s, at(26));
    assert.equal(ec2.instances.filter((i) => i.state === "stopped").length, 3);
  });

  it("a failed stop is recorded and alerted, and retried next run", async () => {
    const ec2 = account();
    const s = settings("stop");
    await runEnforcer(deps(ec2), s, t0);
    ec2.failures.set("StopInstances", Object.assign(new Error("You are not authorized to perform this operation."), { name: "UnauthorizedOperation" }));
    const r = await runEnforcer(deps(ec2), s, at(25));
    assert.equal(r.failures.length, 1);
    assert.match(events().at(-1).lines.join("\n"), /FAILED to stop i-rogue: UnauthorizedOperation/);
    ec2.failures.clear();
    await runEnforcer(deps(ec2), s, at(26));
    assert.equal(ec2.instance("i-rogue").state, "stopped");
    assert.deepEqual((await store.auditOn("2026-11-02")).map((r) => r.event), ["action-failed", "stopped"]);
  });

  it("an instance launched with a copied flag tag gets the full grace, from when costguard first saw it", async () => {
    const ec2 = account();
    const threeDaysOld = new Date(t0.getTime() - 72 * HOUR).toISOString();
    ec2.instances.push(
      { id: "i-copy", type: "m5.large", state: "running", launchTime: t0, tags: { "costguard:unauthorized-since": threeDaysOld } },
      { id: "i-typed", type: "m5.large", state: "running", launchTime: t0, tags: { "costguard:unauthorized-since": "2020-01-01" } },
    );
    const s = settings("terminate");
    const first = await runEnforcer(deps(ec2), s, at(1));
    for (const id of ["i-copy", "i-typed"]) {
      assert.equal(ec2.instance(id).state, "running", `${id} not terminated on first sight`);
      assert.equal(ec2.instance(id).tags["costguard:unauthorized-since"], at(1).toISOString(), `${id}: the tag now says when costguard flagged it`);
    }
    assert.deepEqual(first.decision.flag.filter((f) => f.isNew).map((f) => f.id).sort(), ["i-copy", "i-rogue", "i-typed"]);
    assert.match(events()[0].lines.join("\n"), /flagged i-copy .*will be terminated after 24 h/);
    await runEnforcer(deps(ec2), s, at(24));
    assert.equal(ec2.instance("i-copy").state, "running", "23 h after being flagged: still in grace");
    await runEnforcer(deps(ec2), s, at(26));
    assert.equal(ec2.instance("i-copy").state, "terminated");
    assert.equal(ec2.instance("i-typed").state, "terminated");
  });

  it("the grace never starts before the instance's launch: a stopped instance started again gets a new one", async () => {
    const ec2 = account();
    const s = settings("stop");
    await runEnforcer(deps(ec2), s, t0);
    await runEnforcer(deps(ec2), s, at(25));
    const rogue = ec2.instance("i-rogue");
    assert.equal(rogue.state, "stopped");
    Object.assign(rogue, { state: "running", launchTime: at(30) }); // its owner starts it again
    await runEnforcer(deps(ec2), s, at(31));
    assert.equal(rogue.state, "running", "a new grace period from its new launch");
    assert.equal(rogue.tags["costguard:unauthorized-since"], at(30).toISOString());
    await runEnforcer(deps(ec2), s, at(55));
    assert.equal(rogue.state, "stopped");
  });

  it("costguard:protect is honoured in any letter case", async () => {
    const ec2 = account();
    ec2.instances.push(
      { id: "i-True", type: "m5.large", state: "running", tags: { "costguard:protect": "True" } },
      { id: "i-TRUE", type: "m5.large", state: "running", tags: { "Costguard:Protect": "TRUE" } },
    );
    const s = settings("terminate");
    for (const h of [0, 25, 50]) await runEnforcer(deps(ec2), s, at(h));
    assert.equal(ec2.instance("i-True").state, "running");
    assert.equal(ec2.instance("i-TRUE").state, "running");
    assert.ok(!ec2.writes().some((w) => JSON.stringify(w.input).includes("i-TRUE") || JSON.stringify(w.input).includes("i-True")));
  });

  it("two runs at once act once and alert once", async () => {
    const ec2 = account();
    const s = settings("terminate");
    await runEnforcer(deps(ec2), s, t0);
    const before = events().length;
    const [a, b] = await Promise.all([runEnforcerExclusive(deps(ec2), s, at(25)), runEnforcerExclusive(deps(ec2), s, at(25))]);
    assert.equal([a, b].filter((r) => r.ran).length, 1);
    assert.equal(ec2.writes().filter((w) => w.command === "TerminateInstances").length, 1);
    assert.equal(events().length, before + 1);
  });

  it("forgets flags of instances that no longer exist", async () => {
    const ec2 = account();
    await runEnforcer(deps(ec2), settings("audit"), t0);
    ec2.instances = ec2.instances.filter((i) => i.id !== "i-rogue");
    await runEnforcer(deps(ec2), settings("audit"), at(1));
    assert.deepEqual(await store.flags(), new Map());
  });
});
