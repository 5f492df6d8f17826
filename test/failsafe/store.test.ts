import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { StopAction } from "../../runtime/failsafe/model";
import { startDynamo, type FailsafeDynamo } from "./helpers";

const T = Date.parse("2026-11-23T12:00:00Z");

describe("failsafe store (dynalite)", () => {
  let d: FailsafeDynamo;
  before(async () => {
    d = await startDynamo();
  });
  after(() => d.close());

  it("keeps one item of every group's samples per check, with a TTL, and reads a window by time", async () => {
    const store = d.store(48);
    for (let m = 60; m >= 0; m -= 2) await store.putSamples(T - m * 60_000, { dev: m, ...(m === 0 ? { staging: 99 } : {}) });
    const window = await store.samplesSince(T - 20 * 60_000);
    assert.deepEqual(window.dev!.map((s) => s.usdPerHour), [20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0], "oldest first");
    assert.deepEqual(window.staging, [{ time: T, usdPerHour: 99 }]);
    assert.deepEqual(await store.latestSamples(), { time: T, usd: { dev: 0, staging: 99 } });
    const item = await d.doc.send(new GetCommand({ TableName: d.tables.samples, Key: { pk: "runs", sk: T } }));
    assert.equal(item.Item!.expiresAt, T / 1000 + 48 * 3600, "expiresAt is epoch seconds, retention hours later");
  });

  it("saves the values before a stop once: a retry never overwrites them", async () => {
    const store = d.store();
    const first: StopAction = { kind: "scale-asg", environment: "dev", id: "web", previous: { minSize: 2, desiredCapacity: 3 }, dryRun: false };
    assert.equal(await store.saveBeforeStop(first, T), true);
    assert.equal(await store.saveBeforeStop({ ...first, previous: { minSize: 0, desiredCapacity: 1 } }, T + 1), false);
    assert.deepEqual(await store.savedActions("dev"), [first]);
    await store.forgetSaved(first);
    assert.deepEqual(await store.savedActions("dev"), []);
  });

  it("keeps environment state and lists audit records newest first", async () => {
    const store = d.store();
    await store.putState({ environment: "dev", state: "stopped", stoppedAt: T, reason: "dev: spike", breaching: ["spike"] });
    assert.deepEqual(await store.getState("dev"), { environment: "dev", state: "stopped", stoppedAt: T, reason: "dev: spike", breaching: ["spike"] });
    assert.equal(await store.getState("staging"), undefined);
    for (let i = 0; i < 5; i++) await store.audit({ group: "dev", type: "action", time: T + i * 1000, runId: "r", summary: `action ${i}` });
    await store.audit({ group: "staging", type: "action", time: T + 9000, runId: "r", summary: "other" });
    assert.deepEqual((await store.recentAudit("dev", 3)).map((a) => a.summary), ["action 4", "action 3", "action 2"]);
  });
});
