/**
 * One-time spot instances cannot be stopped: EC2 answers UnsupportedOperation. They must not be
 * retried every run, must not use up the per-run cap so that nothing else is ever reached, and
 * must be announced once per incident, not every 2 minutes. They are terminated only where the
 * environment's config allows it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runCheck, type CheckResult } from "../../runtime/failsafe/run";
import { handleFailsafeEvent, type ActionCommandResult } from "../../runtime/failsafe/runCommands";
import { defaultSettings } from "./helpers";
import { MINUTE, startWorld, T0, type World } from "./world";

const SPOTS = 25;

/** Dev with a $1/h limit and 25 one-time spot instances ($0.051/h each): over its limit. */
async function world(unstoppableSpot?: "report" | "terminate"): Promise<World> {
  const settings = defaultSettings();
  Object.assign(settings.environments.dev!, { maxHourlyUsd: 1 }, unstoppableSpot ? { unstoppableSpot } : {});
  const w = await startWorld(settings);
  for (let n = 0; n < SPOTS; n++) w.account.addInstance({ id: `i-spot${String(n).padStart(2, "0")}`, type: "c5.xlarge", spot: true, spotRequest: "one-time", tags: { Environment: "dev" } });
  return w;
}

const stopCallsFor = (w: World, prefix: string) => w.account.calls.filter((c) => c.command === "StopInstances" && (c.input.InstanceIds as string[]).some((id) => id.startsWith(prefix))).length;
const events = (w: World) => w.account.published.map((p) => JSON.parse(p.Message!) as { severity: string; title: string; lines: string[] });

describe("one-time spot instances, report (the default)", () => {
  let w: World;
  const runs: CheckResult[] = [];
  before(async () => {
    w = await world();
    for (const t of [T0, T0 + 2 * MINUTE, T0 + 4 * MINUTE, T0 + 6 * MINUTE]) runs.push(await runCheck(w.at(t)));
  });
  after(() => w.close());

  it("stops everything else in dev on the first run: the spot instances do not use up the cap", () => {
    assert.equal(w.account.asgs.get("dev-web")!.desired, 0);
    assert.equal(w.account.services.get("dev-api")!.desired, 0);
    assert.equal(w.account.instances.get("i-devbox")!.state, "stopped");
    assert.equal(w.account.dbs.get("dev-db")!.status, "stopped");
    assert.equal(runs[0]!.deferred, 0);
  });

  it("never asks EC2 to stop them, and leaves them running", () => {
    assert.equal(stopCallsFor(w, "i-spot"), 0);
    assert.equal(w.account.running("dev").filter((i) => i.spot).length, SPOTS);
    const skipped = runs[0]!.skipped.filter((s) => s.id.startsWith("i-spot"));
    assert.equal(skipped.length, SPOTS);
    assert.match(skipped[0]!.reason, /one-time spot instance: EC2 cannot stop it.*unstoppableSpot/);
  });

  it("announces them once, in the alert of the incident, and stays quiet after", () => {
    assert.equal(events(w).length, 1, events(w).map((e) => e.title).join("\n"));
    const [event] = events(w);
    assert.equal(event!.severity, "critical");
    assert.ok(event!.lines.some((l) => /25 instances cannot be stopped.*one-time spot/.test(l)), event!.lines.join("\n"));
    for (const r of runs.slice(1)) assert.deepEqual(r.actions, []);
  });

  it("an operator's stop-env lists them as skipped, with the same reason, and stops nothing twice", async () => {
    const r = (await handleFailsafeEvent({ command: "stop-env", environment: "dev" }, w.at(T0 + 8 * MINUTE))) as ActionCommandResult;
    assert.equal(r.ok, true);
    assert.deepEqual(r.actions, []);
    assert.equal(r.skipped.filter((s) => /one-time spot/.test(s.reason)).length, SPOTS);
    assert.equal(stopCallsFor(w, "i-spot"), 0);
  });
});

describe("one-time spot instances, terminate allowed by the environment's config", () => {
  let w: World;
  const runs: CheckResult[] = [];
  before(async () => {
    w = await world("terminate");
    for (const t of [T0, T0 + 2 * MINUTE, T0 + 4 * MINUTE]) runs.push(await runCheck(w.at(t)));
  });
  after(() => w.close());

  it("terminates them under the per-run cap, and stops the rest", () => {
    assert.equal(runs[0]!.actions.length, 20);
    assert.ok(runs[0]!.actions.every((a) => a.outcome === "applied"));
    assert.equal(w.account.running("dev").filter((i) => i.spot).length, 0);
    assert.equal([...w.account.instances.values()].filter((i) => i.spot && i.state === "terminated").length, SPOTS);
    assert.equal(w.account.dbs.get("dev-db")!.status, "stopped");
    assert.equal(stopCallsFor(w, "i-spot"), 0);
    assert.match(runs[0]!.actions.find((a) => a.id === "i-spot00")!.text, /terminate instance i-spot00 \(one-time spot instance/);
  });

  it("restore cannot bring a terminated instance back, and says nothing of them", async () => {
    const r = (await handleFailsafeEvent({ command: "restore", environment: "dev" }, w.at(T0 + 10 * MINUTE))) as ActionCommandResult;
    assert.equal(r.failures, 0);
    assert.ok(!r.actions.some((a) => a.id.startsWith("i-spot")));
  });
});

describe("an instance EC2 refuses to stop although nothing said it would", () => {
  let w: World;
  const runs: CheckResult[] = [];
  before(async () => {
    const settings = defaultSettings({ maxActionsPerRun: 3 });
    settings.environments.dev!.maxHourlyUsd = 0.1;
    w = await startWorld(settings);
    // A spot instance whose request EC2 no longer describes (launched by a fleet, say).
    w.account.addInstance({ id: "i-fleetspot", type: "c5.xlarge", spot: true, tags: { Environment: "dev" } });
    for (const t of [T0, T0 + 2 * MINUTE, T0 + 4 * MINUTE, T0 + 6 * MINUTE]) runs.push(await runCheck(w.at(t)));
  });
  after(() => w.close());

  it("is tried once, reported once, and never again takes a place under the cap", () => {
    assert.equal(stopCallsFor(w, "i-fleetspot"), 1);
    const first = runs.flatMap((r) => r.actions).find((a) => a.id === "i-fleetspot")!;
    assert.equal(first.outcome, "refused");
    assert.match(first.error!, /UnsupportedOperation/);
    assert.equal(w.account.dbs.get("dev-db")!.status, "stopped", "the other resources were all reached");
    const mentions = events(w).filter((e) => e.lines.some((l) => l.includes("i-fleetspot")));
    assert.equal(mentions.length, 1);
    assert.ok(runs.at(-1)!.skipped.some((s) => s.id === "i-fleetspot" && /EC2 refused to stop it/.test(s.reason)));
  });

  it("restore does not try to start what was never stopped", async () => {
    const r = (await handleFailsafeEvent({ command: "restore", environment: "dev" }, w.at(T0 + 10 * MINUTE))) as ActionCommandResult;
    assert.ok(!r.actions.some((a) => a.id === "i-fleetspot"));
  });
});
