/**
 * After `restore <env>` the environment comes back over several minutes (instances pending,
 * the DB starting): those ramp-up samples are not a baseline a spike may be measured from.
 * Dev here is steady at ~$0.34/h (limit $8) once back; it must not be stopped again for a
 * "spike" made of its own restart, nor escalate the global check into an emergency.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runCheck, type CheckResult } from "../../runtime/failsafe/run";
import { handleFailsafeEvent, type ActionCommandResult } from "../../runtime/failsafe/runCommands";
import { MINUTE, startWorld, T0, type World } from "./world";

describe("scenario: restore, ramp-up, then steady: no false spike", () => {
  let w: World;
  const R = T0 + 31 * MINUTE;
  before(async () => {
    w = await startWorld();
    w.account.startDelayMs = 5 * MINUTE;
  });
  after(() => w.close());

  it("an operator stop holds dev stopped until the restore", async () => {
    const stop = (await handleFailsafeEvent({ command: "stop-env", environment: "dev" }, w.at(T0))) as ActionCommandResult;
    assert.equal(stop.ok, true);
    for (let t = T0 + 2 * MINUTE; t < R; t += 2 * MINUTE) assert.deepEqual((await runCheck(w.at(t))).actions, []);
    const restored = (await handleFailsafeEvent({ command: "restore", environment: "dev" }, w.at(R))) as ActionCommandResult;
    assert.equal(restored.failures, 0);
  });

  it("checks every 2 minutes for the next 70 minutes stop nothing while dev ramps up and stays steady", async () => {
    const results: CheckResult[] = [];
    for (let t = R + MINUTE; t <= R + 71 * MINUTE; t += 2 * MINUTE) results.push(await runCheck(w.at(t)));
    const acted = results.filter((r) => r.actions.length || r.breaches.length);
    assert.deepEqual(
      acted.map((r) => `${r.time}: ${r.breaches.map((b) => `${b.group} ${b.reasons.join("+")} ${b.spikePercent?.toFixed(1)} %`).join(", ")}`),
      [],
      "no breach and no action after the restore",
    );
    const dev = results.map((r) => r.burn.dev!);
    assert.ok(dev[0]! < 0.2 && dev.at(-1)! > 0.3, `dev ramps up from ${dev[0]} to ${dev.at(-1)} $/h`);
    assert.equal(w.account.asgs.get("dev-web")!.desired, 3);
    assert.equal(w.account.running("dev").length, 5, "3 ASG instances, devbox and the protected devkeep");
  });

  it("once settled, a real rise is still a spike and is stopped", async () => {
    for (let n = 0; n < 3; n++) w.account.addInstance({ id: `i-runaway${n}`, type: "c5.xlarge", tags: { Environment: "dev" } });
    const r = await runCheck(w.at(R + 73 * MINUTE));
    assert.deepEqual(r.breaches.map((b) => [b.group, b.reasons]), [["dev", ["spike"]]]);
    assert.ok(r.actions.some((a) => a.id === "i-runaway0" && a.outcome === "applied"));
  });
});
