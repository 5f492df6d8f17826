/**
 * One settings contract for spot resilience: the component checks at preview what the three spot
 * handlers (and the node optimizer, which consults the advice) check at run time, with the same
 * schema (runtime/spot/settings.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseGuardConfig } from "../../config/read";
import { spotRuntimeSettings } from "../../config/runtimeSettings";
import { SpotResilience } from "../../components/spot";
import { RecordingMocks } from "../../tools/offline/mocks";
import { underMocks } from "../support/underMocks";

const mocks = new RecordingMocks("us-east-1");
const mocked = underMocks(mocks, "costguard", "dev");

const parsed = parseGuardConfig({}, "dev");
if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
const spot = spotRuntimeSettings(parsed.config.spot);
const common = { defaults: { stack: "dev", logRetentionDays: 14, architecture: "arm64" as const }, alertTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts", publishStatements: [] };

describe("spot settings", () => {
  it("the component refuses at preview, naming the field, settings its handlers would refuse", () =>
    mocked(() => {
      assert.throws(() => new SpotResilience("no-threshold", { ...common, settings: { ...spot, breaker: { ...spot.breaker, threshold: 0 } } }), /breaker\.threshold/);
      assert.throws(() => new SpotResilience("no-poison", { ...common, settings: { ...spot, poolPoisonDays: 0.5 } }), /poolPoisonDays/);
    }));

  it("accepts what the handlers accept", () =>
    mocked(() => {
      assert.doesNotThrow(() => new SpotResilience("good", { ...common, settings: spot }));
    }));
});
