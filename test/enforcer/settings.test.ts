/**
 * One settings contract for the security enforcer: the component checks at preview what the
 * handler checks at run time, with the same schema (runtime/enforcer/settings.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SecurityEnforcer } from "../../components/enforcer";
import { RecordingMocks } from "../../tools/offline/mocks";
import { underMocks } from "../support/underMocks";

const mocked = underMocks(new RecordingMocks("us-east-1"), "costguard", "dev");

const common = { defaults: { stack: "dev", logRetentionDays: 14, architecture: "arm64" as const }, alertTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts", publishStatements: [], schedule: "rate(1 hour)" };
const good = { authorizationTags: ["Owner"], mode: "audit" as const, graceHours: 24, maxActionsPerRun: 20 };

describe("security enforcer settings", () => {
  it("the component refuses at preview, naming the field, settings its handler would refuse", () =>
    mocked(() => {
      assert.throws(() => new SecurityEnforcer("no-tags", { ...common, ...good, authorizationTags: [] }), /authorizationTags/);
      assert.throws(() => new SecurityEnforcer("bad-grace", { ...common, ...good, graceHours: -1 }), /graceHours/);
      assert.throws(() => new SecurityEnforcer("bad-mode", { ...common, ...good, mode: "delete" as never }), /mode/);
    }));

  it("accepts what the handler accepts", () => mocked(() => assert.doesNotThrow(() => new SecurityEnforcer("good", { ...common, ...good }))));
});
