/**
 * One settings contract for the daily cost report: the component checks at preview what the
 * handler checks at run time, with the same schema (runtime/report/settings.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CostReport } from "../../components/report";
import { RecordingMocks } from "../../tools/offline/mocks";
import { underMocks } from "../support/underMocks";

const mocks = new RecordingMocks("us-east-1");
const mocked = underMocks(mocks, "costguard", "dev");

const common = { defaults: { stack: "dev", logRetentionDays: 14, architecture: "arm64" as const }, alertTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts", publishStatements: [], schedule: "cron(0 9 * * ? *)", retentionDays: 90 };

describe("cost report settings", () => {
  it("the component refuses at preview, naming the field, settings its handler would refuse", () =>
    mocked(() => {
      assert.throws(() => new CostReport("too-many", { ...common, maxCostExplorerRequests: 6 }), /maxCostExplorerRequests/);
      assert.throws(() => new CostReport("no-budget", { ...common, maxCostExplorerRequests: 5, monthlyBudgetUsd: 0 }), /monthlyBudgetUsd/);
    }));

  it("accepts what the handler accepts", () =>
    mocked(() => {
      assert.doesNotThrow(() => new CostReport("good", { ...common, maxCostExplorerRequests: 5, monthlyBudgetUsd: 100 }));
    }));
});
