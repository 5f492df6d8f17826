import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CheckResult, runCheck } from "../../runtime/failsafe/run";
import { handleFailsafeEvent, type ActionCommandResult, type StatusResult } from "../../runtime/failsafe/runCommands";
import { defaultSettings } from "./helpers";
import { MINUTE, startWorld, T0, type World } from "./world";

const snapshot = (w: World) => ({
  asgs: Object.fromEntries([...w.account.asgs.values()].map((g) => [g.name, { min: g.min, desired: g.desired, max: g.max }])),
  services: Object.fromEntries([...w.account.services.values()].map((s) => [s.name, s.desired])),
  instances: Object.fromEntries([...w.account.instances.values()].filter((i) => !i.tags["aws:autoscaling:groupName"]).map((i) => [i.id, i.state])),
  asgMembers: Object.fromEntries([...w.account.asgs.keys()].map((g) => [g, [...w.account.instances.values()].filter((i) => i.tags["aws:autoscaling:groupName"] === g && i.state === "running").length])),
  dbs: Object.fromEntries([...w.account.dbs.values()].map((d) => [d.id, d.status])),
});

describe("scenario: dev spikes, the failsafe stops dev only, restore brings it back exactly", () => {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(() => w.close());

  let before0: ReturnType<typeof snapshot>;
  let first: CheckResult;

  it("steady checks take samples and do nothing", async () => {
    for (const t of [T0 - 10 * MINUTE, T0 - 5 * MINUTE]) {
      const r = await runCheck(w.at(t));
      assert.equal(r.mode, "none");
      assert.deepEqual(r.actions, []);
    }
    assert.deepEqual(w.account.writes(), []);
    assert.equal(w.account.published.length, 0);
    before0 = snapshot(w);
  });

  it("a dev spike stops dev's ASG, service, stand-alone instances and DB; staging and prod untouched", async () => {
    for (let n = 0; n < 3; n++) w.account.addInstance({ id: `i-runaway${n}`, type: "c5.xlarge", tags: { Environment: "dev" } });
    first = await runCheck(w.at(T0));
    assert.deepEqual(first.breaches.map((b) => [b.group, b.reasons]), [["dev", ["spike"]]]);
    assert.equal(first.mode, "environments");
    assert.equal(first.failures, 0);
    const after0 = snapshot(w);
    assert.deepEqual(after0.asgs["dev-web"], { min: 0, desired: 0, max: 6 });
    assert.equal(after0.asgMembers["dev-web"], 0);
    assert.equal(after0.services["dev-api"], 0);
    for (const id of ["i-devbox", "i-runaway0", "i-runaway1", "i-runaway2"]) assert.equal(after0.instances[id], "stopped", id);
    assert.equal(after0.instances["i-devkeep"], "running", "costguard:protect=true is left running");
    assert.equal(after0.dbs["dev-db"], "stopped");
    for (const k of ["staging-web", "prod-web"]) assert.deepEqual(after0.asgs[k], before0.asgs[k]);
    for (const k of ["staging-api", "prod-api"]) assert.equal(after0.services[k], before0.services[k]);
    assert.equal(after0.instances["i-stagingbox"], "running");
    assert.equal(after0.dbs["prod-db"], "available");
    assert.ok(w.account.writes().every((c) => /dev/.test(c) || /i-runaway/.test(c)), w.account.writes().join("\n"));

    assert.equal(w.account.published.length, 1);
    const event = JSON.parse(w.account.published[0]!.Message!);
    assert.equal(event.severity, "critical");
    assert.match(event.title, /stopping dev/);
    assert.ok(event.lines.some((l: string) => /applied: scale ASG dev-web to 0 \(was min 2, desired 3\)/.test(l)));
    assert.deepEqual(
      w.metrics.emitted.filter((m) => m.key === "failsafeActions").map((m) => m.value),
      [0, 0, 7],
    );
    assert.ok(w.metrics.emitted.some((m) => m.key === "burnRate" && m.dimensions.Environment === "dev"));
  });

  it("running the check twice acts once", async () => {
    const writes = w.account.writes().length;
    const again = await runCheck(w.at(T0 + 2 * MINUTE));
    assert.deepEqual(again.actions, []);
    assert.equal(w.account.writes().length, writes);
    assert.equal(w.account.published.length, 1, "no second alert for the same stop");
  });

  it("status shows dev stopped with what restore would bring back and the last actions", async () => {
    const s = (await handleFailsafeEvent({ command: "status" }, w.at(T0 + 3 * MINUTE))) as StatusResult;
    assert.equal(s.ok, true);
    const dev = s.groups.find((g) => g.name === "dev")!;
    assert.equal(dev.state, "stopped");
    assert.equal(dev.savedResources, 7);
    assert.equal(dev.maxHourlyUsd, 8);
    assert.equal(dev.lastActions.length, 3);
    assert.ok(dev.usdPerHour! < first.burn.dev!, "the latest sample shows the drop");
    assert.equal(s.groups.find((g) => g.name === "prod")!.state, "active");
  });

  it("restore dev brings every ASG, service, instance and DB back to its previous values", async () => {
    const r = (await handleFailsafeEvent({ command: "restore", environment: "dev" }, w.at(T0 + 5 * MINUTE))) as ActionCommandResult;
    assert.equal(r.ok, true);
    assert.equal(r.failures, 0);
    assert.equal(r.actions.length, 7);
    const now = snapshot(w);
    assert.deepEqual(now.asgs, before0.asgs);
    assert.deepEqual(now.asgMembers, before0.asgMembers);
    assert.deepEqual(now.services, before0.services);
    assert.deepEqual(now.dbs, before0.dbs);
    for (const [id, state] of Object.entries(before0.instances)) assert.equal(now.instances[id], state, id);
    for (const id of ["i-runaway0", "i-runaway1", "i-runaway2"]) assert.equal(now.instances[id], "running");

    const again = (await handleFailsafeEvent({ command: "restore", environment: "dev" }, w.at(T0 + 6 * MINUTE))) as ActionCommandResult;
    assert.deepEqual(again.actions, []);
    assert.match(again.message, /nothing to restore in dev/);
  });

  it("the ramp-up after a restore is not taken for a spike", async () => {
    const writes = w.account.writes().length;
    const r = await runCheck(w.at(T0 + 7 * MINUTE));
    assert.equal(r.mode, "none");
    assert.equal(w.account.writes().length, writes);
  });
});

describe("scenario: dry-run environment", () => {
  let w: World;
  before(async () => {
    const settings = defaultSettings();
    settings.environments.dev!.dryRun = true;
    w = await startWorld(settings);
  });
  after(() => w.close());

  it("decides, records and notifies, but changes nothing", async () => {
    await runCheck(w.at(T0 - 5 * MINUTE));
    w.account.addInstance({ id: "i-runaway", type: "c5.xlarge", tags: { Environment: "dev" } });
    const r = await runCheck(w.at(T0));
    assert.equal(r.actions.length, 5);
    assert.ok(r.actions.every((a) => a.outcome === "dry-run"));
    assert.deepEqual(w.account.writes(), []);
    const audit = await w.deps.store.recentAudit("dev", 10);
    assert.equal(audit.length, 5);
    assert.ok(audit.every((a) => a.summary.startsWith("dry-run: ")));
    assert.equal(w.account.published.length, 1);
    assert.equal(JSON.parse(w.account.published[0]!.Message!).severity, "warning");
    const status = (await handleFailsafeEvent({ command: "status" }, w.deps)) as StatusResult;
    assert.equal(status.groups.find((g) => g.name === "dev")!.state, "active", "a dry-run never marks an environment stopped");
    await runCheck(w.at(T0 + 2 * MINUTE));
    assert.equal(w.account.published.length, 1, "the same breach is announced once");
  });
});

describe("scenario: throttling and partial failure", () => {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(() => w.close());

  it("the run finishes, reports what failed, and the next run retries with the pre-stop values kept", async () => {
    await runCheck(w.at(T0 - 5 * MINUTE));
    w.account.addInstance({ id: "i-runaway", type: "c5.xlarge", tags: { Environment: "dev" } });
    w.account.fail("UpdateAutoScalingGroup", 1);
    w.account.fail("StopDBInstance", 1, "InvalidDBInstanceState", "DB instance is not in available state");
    const r = await runCheck(w.at(T0));
    assert.equal(r.failures, 2);
    assert.deepEqual(r.actions.filter((a) => a.outcome === "failed").map((a) => [a.id, a.error]), [
      ["dev-web", "ThrottlingException: Rate exceeded"],
      ["dev-db", "InvalidDBInstanceState: DB instance is not in available state"],
    ]);
    assert.equal(w.account.services.get("dev-api")!.desired, 0, "the other actions went through");
    assert.equal(w.account.instances.get("i-runaway")!.state, "stopped");
    const event = JSON.parse(w.account.published.at(-1)!.Message!);
    assert.equal(event.fields.failed, "2");
    assert.ok(w.log.lines.some((l) => l.level === "error" && /next run retries/.test(l.message)));

    const retry = await runCheck(w.at(T0 + 2 * MINUTE));
    assert.deepEqual(retry.actions.map((a) => [a.id, a.outcome]), [["dev-web", "applied"], ["dev-db", "applied"]]);
    assert.deepEqual({ min: w.account.asgs.get("dev-web")!.min, desired: w.account.asgs.get("dev-web")!.desired }, { min: 0, desired: 0 });
    assert.equal(w.account.dbs.get("dev-db")!.status, "stopped");

    const restored = (await handleFailsafeEvent({ command: "restore", environment: "dev" }, w.at(T0 + 4 * MINUTE))) as ActionCommandResult;
    assert.equal(restored.failures, 0);
    assert.deepEqual({ min: w.account.asgs.get("dev-web")!.min, desired: w.account.asgs.get("dev-web")!.desired }, { min: 2, desired: 3 });
    assert.equal(w.account.services.get("dev-api")!.desired, 2);
  });

  it("a restore that is throttled keeps what it could not restore for the next attempt", async () => {
    await handleFailsafeEvent({ command: "stop-env", environment: "staging" }, w.at(T0 + 10 * MINUTE));
    assert.equal(w.account.asgs.get("staging-web")!.desired, 0);
    w.account.fail("UpdateService", 1);
    const r = (await handleFailsafeEvent({ command: "restore", environment: "staging" }, w.at(T0 + 11 * MINUTE))) as ActionCommandResult;
    assert.equal(r.failures, 1);
    assert.match(r.message, /1 failed, run restore again/);
    assert.equal(w.account.services.get("staging-api")!.desired, 0);
    const again = (await handleFailsafeEvent({ command: "restore", environment: "staging" }, w.at(T0 + 12 * MINUTE))) as ActionCommandResult;
    assert.deepEqual(again.actions.map((a) => [a.id.split("/").pop(), a.outcome]), [["staging-api", "restored"]]);
    assert.equal(w.account.services.get("staging-api")!.desired, 1);
  });
});
