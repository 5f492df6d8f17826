/**
 * One settings contract for the waste scanner: the component checks at preview what the handler
 * checks at run time, with the same schema (runtime/waste/settings.ts), so settings the function
 * would refuse never deploy.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WasteScanner } from "../../components/waste";
import { RecordingMocks } from "../../tools/offline/mocks";
import { underMocks } from "../support/underMocks";

const mocks = new RecordingMocks("us-east-1");
const mocked = underMocks(mocks, "costguard", "dev");

const common = { defaults: { stack: "dev", logRetentionDays: 14, architecture: "arm64" as const }, alertTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts", publishStatements: [], schedule: "rate(1 day)" };
const good = { unattachedVolumeDays: 7, snapshotAgeDays: 90, stoppedInstanceDays: 30, cleanup: "off" as const, cleanupGraceDays: 7, cleanupMaxActionsPerRun: 20 };

describe("waste scanner settings", () => {
  it("the component refuses at preview, naming the field, settings its handler would refuse", () =>
    mocked(() => {
      assert.throws(() => new WasteScanner("bad-days", { ...common, ...good, unattachedVolumeDays: -1 }), /unattachedVolumeDays/);
      assert.throws(() => new WasteScanner("bad-mode", { ...common, ...good, cleanup: "yes" as never }), /cleanup/);
      assert.throws(() => new WasteScanner("bad-cap", { ...common, ...good, cleanupMaxActionsPerRun: 0 }), /cleanupMaxActionsPerRun/);
    }));

  it("accepts what the handler accepts", () =>
    mocked(() => {
      assert.doesNotThrow(() => new WasteScanner("good", { ...common, ...good }));
    }));
});
