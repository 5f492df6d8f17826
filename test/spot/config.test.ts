import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseGuardConfig } from "../../config/read";
import { spotRuntimeSettings } from "../../config/runtimeSettings";
import { SpotSettings } from "../../runtime/spot/settings";

describe("spot config", () => {
  it("defaults to a 3-interruption breaker, 15-day pool poisoning by prod, and the runtime reads them unchanged", () => {
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

  it("takes the optimizer's launch templates, instance roles and volume keys as ARNs, naming a wrong one", () => {
    const ok = parseGuardConfig({ spot: JSON.stringify({ optimizerInstanceRoles: ["arn:aws:iam::123456789012:role/web-instance"] }) }, "dev");
    assert.ok(ok.ok);
    assert.deepEqual(ok.config.spot.optimizerLaunchTemplates, [], "empty: the templates tagged costguard:spot-optimize=true");
    const bad = parseGuardConfig({ spot: JSON.stringify({ optimizerLaunchTemplates: ["lt-0abc"], optimizerKmsKeys: ["alias/ebs"] }) }, "dev");
    assert.ok(!bad.ok);
    const text = bad.problems.join("\n");
    assert.match(text, /costguard:spot\.optimizerLaunchTemplates\.0 must be a launch template ARN .*\(got "lt-0abc"\)/);
    assert.match(text, /costguard:spot\.optimizerKmsKeys\.0 must be a KMS key ARN .*\(got "alias\/ebs"\)/);
  });
});
