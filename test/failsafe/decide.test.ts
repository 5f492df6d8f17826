import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decide, nextStates, spikePercent, type DecisionInput } from "../../runtime/failsafe/decide";
import type { ActionResult, EnvironmentState, InstanceRecord, Sample } from "../../runtime/failsafe/model";
import { defaultSettings } from "./helpers";

const NOW = Date.parse("2026-11-23T12:00:00Z");
const MIN = 60_000;

const instance = (id: string, env: string | undefined, extra: Partial<InstanceRecord> = {}): InstanceRecord => ({
  id,
  instanceType: "m5.large",
  availabilityZone: "us-east-1a",
  lifecycle: "on-demand",
  tags: env ? { Environment: env } : {},
  ...extra,
});

/** A small account: each environment has an ASG, a service, a stand-alone instance and a DB. */
function inventory(): DecisionInput["inventory"] {
  const envs = ["dev", "staging", "prod"];
  return {
    instances: [
      ...envs.map((e) => instance(`i-${e}`, e)),
      ...envs.map((e) => instance(`i-${e}-asg`, e, { autoScalingGroup: `${e}-web` })),
      instance("i-loose", undefined),
      instance("i-loose-asg", undefined, { autoScalingGroup: "mystery" }),
    ],
    autoScalingGroups: envs.map((e) => ({ name: `${e}-web`, minSize: 1, maxSize: 4, desiredCapacity: 2, tags: { Environment: e } })),
    services: envs.map((e) => ({ cluster: "arn:aws:ecs:us-east-1:1:cluster/main", name: `${e}-api`, desiredCount: 2, runningCount: 2, tags: { Environment: e } })),
    dbInstances: envs.map((e) => ({ id: `${e}-db`, instanceClass: "db.t3.medium", engine: "postgres", multiAz: false, storageType: "gp3", allocatedGiB: 20, status: "available", tags: { Environment: e } })),
  };
}

/** Steady samples every 5 minutes over the last hour at `usd`, so only the current value matters. */
const steady = (usd: number): Sample[] => Array.from({ length: 12 }, (_, i) => ({ time: NOW - (60 - i * 5) * MIN, usdPerHour: usd }));

function input(burn: Record<string, number>, overrides: Partial<DecisionInput> = {}): DecisionInput {
  const base = { dev: 4, staging: 3, prod: 1, untagged: 0.5 };
  const samples: Record<string, Sample[]> = {};
  for (const [g, v] of Object.entries(base)) samples[g] = steady(v);
  samples.global = steady(Object.values(base).reduce((a, b) => a + b, 0));
  return { now: NOW, settings: defaultSettings(), burn: { ...base, ...burn }, samples, inventory: inventory(), states: {}, ...overrides };
}

const envsActedOn = (d: ReturnType<typeof decide>) => [...new Set(d.actions.map((a) => a.environment))];

describe("failsafe decision: the default thresholds (helpers.ts defaultSettings)", () => {
  it("does nothing when every environment is within its limit and steady", () => {
    const d = decide(input({}));
    assert.equal(d.mode, "none");
    assert.deepEqual(d.breaches, []);
    assert.deepEqual(d.actions, []);
  });

  it("dev over $8/h: stops dev's ASG, service, stand-alone instance and DB, nothing else", () => {
    const d = decide(input({ dev: 8.5 }));
    assert.equal(d.mode, "environments");
    assert.deepEqual(d.breaches.map((b) => [b.group, b.reasons]), [["dev", ["limit", "spike"]]]);
    assert.deepEqual(envsActedOn(d), ["dev"]);
    assert.deepEqual(
      d.actions.map((a) => `${a.kind}:${a.id}`),
      ["scale-asg:dev-web", "scale-service:arn:aws:ecs:us-east-1:1:cluster/main/dev-api", "stop-instance:i-dev", "stop-db:dev-db"],
      "ASG members are stopped through their group, not one by one",
    );
    const asg = d.actions[0]!;
    assert.ok(asg.kind === "scale-asg" && asg.previous.minSize === 1 && asg.previous.desiredCapacity === 2, "the values before the stop travel with the action");
  });

  it("dev +3 % within 20 minutes is not a spike; +3.5 % is", () => {
    // dev's +3 % is +1.4 % of the whole account: keep the global spike out of this row.
    const settings = defaultSettings({ global: { maxHourlyUsd: 25, spikePercent: 50, windowMinutes: 60 } });
    assert.equal(decide(input({ dev: 4.12 }, { settings })).mode, "none", "exactly +3 % is not over the threshold");
    const d = decide(input({ dev: 4.14 }));
    assert.deepEqual(d.breaches.map((b) => [b.group, b.reasons]), [["dev", ["spike"]]]);
    assert.ok(Math.abs(d.breaches[0]!.spikePercent! - 3.5) < 1e-9);
    assert.deepEqual(envsActedOn(d), ["dev"]);
  });

  it("staging over $5/h or +1.5 %: stops staging only", () => {
    assert.deepEqual(envsActedOn(decide(input({ staging: 5.2 }))), ["staging"]);
    assert.deepEqual(envsActedOn(decide(input({ staging: 3.06 }))), ["staging"], "+2 % over a 30-minute window");
    assert.equal(decide(input({ staging: 3.03 })).mode, "none", "+1 % stays under 1.5 %");
  });

  it("prod over $2/h or +0.5 %: notify only, no action", () => {
    for (const prod of [2.5, 1.01]) {
      const d = decide(input({ prod }));
      assert.equal(d.mode, "notify");
      assert.deepEqual(d.breaches.map((b) => b.group), ["prod"]);
      assert.deepEqual(d.notifyOnly, ["prod"]);
      assert.deepEqual(d.actions, []);
    }
  });

  it("prod is stopped when a stack sets its response to stop", () => {
    const settings = defaultSettings();
    settings.environments.prod!.response = "stop";
    assert.deepEqual(envsActedOn(decide(input({ prod: 2.5 }, { settings }))), ["prod"]);
  });

  it("global over $25/h: emergency, every environment's stop response, prod notified only", () => {
    // Each environment within its own limit and steady; the sum (with an unconfigured one) is over 25.
    const d = decide(input({ qa: 18 }, { samples: { global: steady(26.5) } }));
    assert.equal(d.mode, "emergency");
    assert.deepEqual(d.breaches.map((b) => b.group), ["global"]);
    assert.deepEqual(d.targets, ["untagged", "dev", "staging"]);
    assert.deepEqual(envsActedOn(d), ["untagged", "dev", "staging"]);
    assert.deepEqual(d.notifyOnly, ["prod"]);
    assert.ok(!d.actions.some((a) => a.environment === "prod"));
  });

  it("global +1 % within 60 minutes: emergency", () => {
    const total = 4 + 3 + 1 + 0.5;
    const d = decide(input({}, { burn: { dev: 4, staging: 3, prod: 1, untagged: 0.5 + total * 0.02 } }));
    assert.equal(d.mode, "emergency");
    assert.ok(d.breaches.some((b) => b.group === "global" && b.reasons.includes("spike")));
  });

  it("one environment's own spike does not escalate through the global spike; a rise spread over several does", () => {
    const single = decide(input({ dev: 4.5 }));
    assert.equal(single.mode, "environments", "dev +12.5 % is +5.9 % of the total, but dev's own response handles it");
    const spread = decide(input({ dev: 4.1, staging: 3.04 }));
    assert.deepEqual(spread.breaches.map((b) => b.group), ["global"], "+2.5 % and +1.3 % stay under their own thresholds");
    assert.equal(spread.mode, "emergency");
  });

  it("untagged over $5/h: emergency; stops stand-alone untagged instances, never an ASG member", () => {
    const d = decide(input({ untagged: 5.5 }));
    assert.equal(d.mode, "emergency");
    const untagged = d.actions.filter((a) => a.environment === "untagged").map((a) => a.id);
    assert.deepEqual(untagged, ["i-loose"]);
    assert.deepEqual(envsActedOn(d), ["untagged", "dev", "staging"]);
  });

  it("untagged instances are left alone when failsafe.stopUntagged is false", () => {
    const d = decide(input({ untagged: 5.5 }, { settings: defaultSettings({ stopUntagged: false }) }));
    assert.equal(d.mode, "emergency");
    assert.ok(!d.actions.some((a) => a.environment === "untagged"));
  });
});

describe("failsafe decision: graduated response and safety rails", () => {
  it("several environments breached: dev (lowest priority) first, then staging", () => {
    const d = decide(input({ dev: 9, staging: 6 }));
    assert.deepEqual(d.targets, ["dev", "staging"]);
    const firstStaging = d.actions.findIndex((a) => a.environment === "staging");
    assert.ok(d.actions.slice(0, firstStaging).every((a) => a.environment === "dev"));
    assert.ok(d.actions.slice(firstStaging).every((a) => a.environment === "staging"));
  });

  it("follows configured priorities, not names", () => {
    const settings = defaultSettings();
    settings.environments.staging!.priority = 0 + 1;
    settings.environments.dev!.priority = 2;
    assert.deepEqual(decide(input({ dev: 9, staging: 6 }, { settings })).targets, ["staging", "dev"]);
  });

  it("the per-run cap defers the rest, lowest priority first", () => {
    const d = decide(input({ dev: 9, staging: 6 }, { settings: defaultSettings({ maxActionsPerRun: 5 }) }));
    assert.equal(d.actions.length, 5);
    assert.equal(d.deferred.length, 3);
    assert.deepEqual(d.actions.map((a) => a.environment), ["dev", "dev", "dev", "dev", "staging"]);
  });

  it("caps at 20 by default", () => {
    const inv = inventory();
    for (let i = 0; i < 30; i++) inv.instances.push(instance(`i-extra-${i}`, "dev"));
    const d = decide(input({ dev: 9 }, { inventory: inv }));
    assert.equal(d.actions.length, 20);
    assert.equal(d.deferred.length, 34 - 20);
  });

  it("dry-run environments get the same actions, marked dry-run", () => {
    const settings = defaultSettings();
    settings.environments.dev!.dryRun = true;
    const d = decide(input({ dev: 9, staging: 6 }, { settings }));
    assert.ok(d.actions.filter((a) => a.environment === "dev").every((a) => a.dryRun));
    assert.ok(d.actions.filter((a) => a.environment === "staging").every((a) => !a.dryRun));
    assert.equal(d.actions.filter((a) => a.environment === "dev").length, 4);
  });

  it("costguard:protect=true exempts a resource and says so", () => {
    const inv = inventory();
    inv.instances[0]!.tags["costguard:protect"] = "true";
    inv.autoScalingGroups[0]!.tags["costguard:protect"] = "TRUE";
    const d = decide(input({ dev: 9 }, { inventory: inv }));
    assert.deepEqual(d.actions.map((a) => a.kind), ["scale-service", "stop-db"]);
    assert.deepEqual(d.skipped.map((s) => [s.id, s.reason]), [["dev-web", "costguard:protect=true"], ["i-dev", "costguard:protect=true"]]);
  });

  it("already-stopped resources produce no action (running the check twice acts once)", () => {
    const inv = inventory();
    inv.autoScalingGroups[0] = { ...inv.autoScalingGroups[0]!, minSize: 0, desiredCapacity: 0 };
    inv.services[0] = { ...inv.services[0]!, desiredCount: 0 };
    inv.instances = inv.instances.filter((i) => i.id !== "i-dev" && i.id !== "i-dev-asg");
    inv.dbInstances[0] = { ...inv.dbInstances[0]!, status: "stopped" };
    const d = decide(input({ dev: 9 }, { inventory: inv }));
    assert.equal(d.mode, "environments");
    assert.deepEqual(d.actions, []);
  });

  it("an environment the failsafe stopped stays stopped until restored, even without a breach", () => {
    const d = decide(input({}, { states: { dev: { environment: "dev", state: "stopped", stoppedAt: NOW - 10 * MIN } } }));
    assert.deepEqual(envsActedOn(d), ["dev"]);
    assert.deepEqual(d.breaches, []);
  });

  it("after a restore, the ramp-up is not a spike nor a baseline for one window; the limit still applies", () => {
    const samples = { dev: [{ time: NOW - 6 * MIN, usdPerHour: 0.2 }] };
    const states = { dev: { environment: "dev", state: "active" as const, restoredAt: NOW - 8 * MIN } };
    assert.equal(decide(input({ dev: 4 }, { samples, states })).mode, "none");
    assert.deepEqual(decide(input({ dev: 8.5 }, { samples, states })).breaches.map((b) => b.reasons), [["limit"]]);
    // Restored 25 min ago: settled 5 min ago. The sample 6 min ago is from the ramp-up, no baseline...
    const settled = { dev: { ...states.dev, restoredAt: NOW - 25 * MIN } };
    assert.equal(decide(input({ dev: 4 }, { samples, states: settled })).mode, "none", "a ramp-up sample is no baseline, even once the window has passed");
    // ...but a rise measured from a sample taken after the settling period counts again.
    const later = decide(input({ dev: 4 }, { samples: { dev: [{ time: NOW - 4 * MIN, usdPerHour: 0.2 }] }, states: settled }));
    assert.deepEqual(later.breaches.map((b) => b.group), ["dev"], "after the settling period, a rise counts again");
  });

  it("Aurora members are skipped with a reason (StopDBInstance cannot stop them)", () => {
    const inv = inventory();
    inv.dbInstances[0] = { ...inv.dbInstances[0]!, clusterId: "dev-aurora" };
    const d = decide(input({ dev: 9 }, { inventory: inv }));
    assert.ok(!d.actions.some((a) => a.kind === "stop-db"));
    assert.match(d.skipped[0]!.reason, /cluster dev-aurora/);
  });
});

describe("spike measure", () => {
  it("is the rise over the window in % of the window's lowest sample", () => {
    const s = [
      { time: NOW - 30 * MIN, usdPerHour: 1 }, // outside a 20-minute window
      { time: NOW - 15 * MIN, usdPerHour: 4 },
      { time: NOW - 10 * MIN, usdPerHour: 5 },
      { time: NOW, usdPerHour: 4.4 },
    ];
    assert.ok(Math.abs(spikePercent(s, NOW, 20)! - 10) < 1e-9);
    assert.ok(Math.abs(spikePercent(s, NOW, 40)! - 340) < 1e-9);
  });

  it("has no baseline with a single sample or a lowest sample of zero", () => {
    assert.equal(spikePercent([{ time: NOW, usdPerHour: 3 }], NOW, 20), undefined);
    assert.equal(spikePercent([{ time: NOW - MIN, usdPerHour: 0 }, { time: NOW, usdPerHour: 3 }], NOW, 20), undefined);
  });
});

describe("each group's state after a run", () => {
  const groups = ["dev", "staging", "prod", "untagged", "global"];
  const applied = (environment: string, id: string): ActionResult => ({ action: { kind: "stop-instance", environment, id, dryRun: false }, outcome: "applied" });

  it("a group with an applied stop is stopped, with its breach as the reason; a breach is new only the first time", () => {
    const d = decide(input({ dev: 8.5 }));
    const first = nextStates({ now: NOW, groups, before: {}, decision: d, results: [applied("dev", "i-dev")], running: new Set(["i-dev"]) });
    assert.equal(first.newBreach, true);
    assert.equal(first.states.dev!.state, "stopped");
    assert.equal(first.states.dev!.stoppedAt, NOW);
    assert.match(first.states.dev!.reason!, /^dev: \$8\.50\/h over the \$8\.00\/h limit/);
    assert.equal(first.stoppedSince.dev, NOW);
    assert.equal(first.states.staging!.state, "active");

    const again = nextStates({ now: NOW + 2 * MIN, groups, before: first.states, decision: d, results: [], running: new Set() });
    assert.equal(again.newBreach, false, "the same breach at the next check is not announced again");
    assert.equal(again.states.dev!.stoppedAt, NOW, "the stop's start is kept: it is still the same incident");
  });

  it("writes nothing for groups whose state did not change (empty bookkeeping counts as none)", () => {
    const before: Record<string, EnvironmentState> = Object.fromEntries(groups.map((g) => [g, { environment: g, state: "active", breaching: [] }]));
    const next = nextStates({ now: NOW, groups, before, decision: decide(input({})), results: [], running: new Set() });
    assert.deepEqual(next.changed, []);
    assert.equal(next.newBreach, false);
  });

  it("an instance EC2 refused to stop is remembered and announced once per incident", () => {
    const refused: ActionResult = { action: { kind: "stop-instance", environment: "dev", id: "i-spot", dryRun: false }, outcome: "refused", error: "UnsupportedOperation: one-time spot" };
    const d = decide(input({ dev: 8.5 }));
    const first = nextStates({ now: NOW, groups, before: {}, decision: d, results: [refused], running: new Set(["i-spot"]) });
    assert.deepEqual(first.states.dev!.refused, { "i-spot": "UnsupportedOperation: one-time spot" });
    assert.equal(first.notStoppableLines.length, 1);
    assert.match(first.notStoppableLines[0]!, /^dev: 1 instance cannot be stopped \(EC2 refused to stop it .*\): i-spot$/);
    const skipped = [{ environment: "dev", kind: "stop-instance" as const, id: "i-spot", reason: "EC2 refused to stop it (UnsupportedOperation: one-time spot)", notStoppable: true }];
    const later = nextStates({ now: NOW + 2 * MIN, groups, before: first.states, decision: { ...d, skipped }, results: [], running: new Set(["i-spot"]) });
    assert.deepEqual(later.notStoppableLines, [], "already announced in this incident");
    assert.deepEqual(later.states.dev!.refused, first.states.dev!.refused, "never asked again");
  });
});
