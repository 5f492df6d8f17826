import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { environmentTagFilter } from "../../components/budgets";
import { parseGuardConfig } from "../../config/read";

const parse = (values: Record<string, string>) => parseGuardConfig(values, "dev");

describe("budget, report and alarm config", () => {
  it("refuses more than 10 e-mail subscribers, naming the AWS limit", () => {
    const r = parse({ alertEmails: JSON.stringify(Array.from({ length: 11 }, (_, i) => `ops${i}@example.com`)) });
    assert.ok(!r.ok);
    assert.match(r.problems.join("\n"), /costguard:alertEmails .*at most 10 e-mail subscribers/);
  });

  it("refuses the same address twice (Budgets rejects duplicate subscribers)", () => {
    const r = parse({ alertEmails: JSON.stringify(["ops@example.com", "OPS@example.com"]) });
    assert.ok(!r.ok);
    assert.match(r.problems[0]!, /costguard:alertEmails lists "ops@example.com" twice/);
  });

  it("a per-environment budget must name a configured environment or untagged", () => {
    const bad = parse({ environmentBudgetsUsd: JSON.stringify({ qa: 10, prod: 100 }) });
    assert.ok(!bad.ok);
    assert.match(bad.problems[0]!, /costguard:environmentBudgetsUsd names "qa", which is not a configured environment \(known: dev, staging, prod, untagged\)/);
    const good = parse({ environmentBudgetsUsd: JSON.stringify({ untagged: 5, prod: 100 }) });
    assert.ok(good.ok);
    assert.equal(environmentTagFilter("untagged"), "user:Environment$", "untagged cost has an empty tag value");
    assert.equal(environmentTagFilter("prod"), "user:Environment$prod");
  });

  it("refuses more than 5 Cost Explorer requests per report run, and budgets that are not positive", () => {
    const r = parse({ report: JSON.stringify({ maxCostExplorerRequests: 6 }), environmentBudgetsUsd: JSON.stringify({ dev: 0 }) });
    assert.ok(!r.ok);
    const text = r.problems.join("\n");
    assert.match(text, /costguard:report\.maxCostExplorerRequests must be at most 5: the report makes at most 5 Cost Explorer requests \(\$0\.01 each\) per run \(got 6\)/);
    assert.match(text, /costguard:environmentBudgetsUsd\.dev must be a positive number \(got 0\)/);
  });

  it("alarm defaults: 300 s oldest message, 5 API errors, 20 % interruptions, 0.95 pool, 10 dead letters, 80 % CPU and memory", () => {
    const r = parse({});
    assert.ok(r.ok);
    assert.deepEqual(r.config.alarms, { oldestMessageAgeSeconds: 300, apiErrorsPer5Minutes: 5, spotInterruptionRatePercent: 20, poolUtilisation: 0.95, deadLetterMessages: 10, serviceCpuPercent: 80, serviceMemoryPercent: 80, guardErrorsScope: "functions" });
    assert.equal(r.config.anomalyMonitor, "create");
  });

  it("anomaly alerts: create the account's one monitor by default, subscribe to an existing one by ARN, or none; never both", () => {
    const arn = "arn:aws:ce::123456789012:anomalymonitor/0a1b2c3d-4e5f-6789-abcd-ef0123456789";
    const subscribed = parse({ anomalyMonitorArn: arn });
    assert.ok(subscribed.ok);
    assert.deepEqual(subscribed.config.anomalyMonitor, { arn });
    const none = parse({ createAnomalyMonitor: "false" });
    assert.ok(none.ok);
    assert.equal(none.config.anomalyMonitor, "none");
    const both = parse({ createAnomalyMonitor: "true", anomalyMonitorArn: arn });
    assert.ok(!both.ok);
    assert.match(both.problems.join("\n"), /createAnomalyMonitor is true and costguard:anomalyMonitorArn is set: choose one/);
    const bad = parse({ anomalyMonitorArn: "arn:aws:ce::123:monitor/x" });
    assert.ok(!bad.ok);
    assert.match(bad.problems.join("\n"), /costguard:anomalyMonitorArn must be the ARN of a Cost Anomaly Detection monitor/);
  });
});
