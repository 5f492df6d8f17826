import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseGuardConfig } from "../../components/config";
import { spotRuntimeSettings } from "../../components/spot";
import { SpotSettings } from "../../runtime/spot/settings";

describe("spot config", () => {
  it("defaults to SPEC S5's numbers, and the runtime reads them unchanged", () => {
    const r = parseGuardConfig({}, "dev");
    assert.ok(r.ok);
    const runtime = SpotSettings.parse(JSON.parse(JSON.stringify(spotRuntimeSettings(r.config.spot))));
    assert.deepEqual(runtime, SpotSettings.parse({}), "component defaults and runtime defaults agree");
    assert.deepEqual(runtime.breaker, { threshold: 3, windowMinutes: 15, cooldownMinutes: 30, maxCooldownMinutes: 240, quietMinutes: 30, probeClaimMinutes: 20, perAz: false });
    assert.equal(runtime.poolPoisonDays, 15);
    assert.deepEqual(runtime.poisoningEnvironments, ["prod"]);
  });

  it("refuses a cooldown cap below the cooldown and an unknown poisoning environment", () => {
    const r = parseGuardConfig({ spot: JSON.stringify({ breakerCooldownMinutes: 60, breakerMaxCooldownMinutes: 30 }) }, "dev");
    assert.ok(!r.ok);
    assert.match(r.problems.join("\n"), /costguard:spot\.breakerMaxCooldownMinutes must be at least breakerCooldownMinutes .*\(got 30\)/);
    const env = parseGuardConfig({ spot: JSON.stringify({ poisoningEnvironments: ["production"] }) }, "dev");
    assert.ok(!env.ok);
    assert.match(env.problems.join("\n"), /spot\.poisoningEnvironments names "production", which is not a configured environment/);
  });
});
