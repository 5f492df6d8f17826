import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { stackRun, type StackRun } from "../support/stackRun";
import { assertAlarmsWired, assertBudgetNotifications, assertReportBucket, dashboardWidgets, ofType, one, reportFunction, topicArn } from "./costObservability.shared";

describe("prod stack: budgets, cost report, dashboard and alarms", () => {
  let run: StackRun;
  before(async () => {
    run = await stackRun({ stack: "prod" });
  });

  it("a $500 stack budget and one budget per configured environment, filtered on the Environment tag", () => {
    const budgets = ofType(run, "aws:budgets/budget:Budget");
    const summary = Object.fromEntries(budgets.map((b) => [b.inputs.name, [b.inputs.limitAmount, (b.inputs.costFilters as { name: string; values: string[] }[] | undefined)?.map((f) => `${f.name}=${f.values.join(",")}`)]]));
    assert.deepEqual(summary, {
      "costguard-prod-monthly": ["500.00", undefined],
      "costguard-prod-env-prod": ["300.00", ["TagKeyValue=user:Environment$prod"]],
      "costguard-prod-env-staging": ["120.00", ["TagKeyValue=user:Environment$staging"]],
      "costguard-prod-env-dev": ["80.00", ["TagKeyValue=user:Environment$dev"]],
    });
    for (const b of budgets) assertBudgetNotifications(b, topicArn(run), ["platform-alerts@example.com", "finops@example.com"]);
  });

  it("warns that the per-environment budgets read $0 until the Environment tag is an active cost-allocation tag", () => {
    assert.equal(ofType(run, "aws:costexplorer/costAllocationTag:CostAllocationTag").length, 0, "activation is opt-in");
    assert.ok(
      run.warnings.some((w) => /per-environment budgets read \$0 until "Environment" is an active cost-allocation tag: set costguard:activateCostAllocationTag: true/.test(w)),
      run.warnings.join("\n"),
    );
  });

  it("creates the account's one AWS-services anomaly monitor and alerts from $50 of impact", () => {
    const monitor = one(run, "aws:costexplorer/anomalyMonitor:AnomalyMonitor", "budgets-anomaly-monitor");
    assert.equal(monitor.inputs.monitorType, "DIMENSIONAL");
    assert.equal(monitor.inputs.monitorDimension, "SERVICE");
    const sub = one(run, "aws:costexplorer/anomalySubscription:AnomalySubscription", "budgets-anomaly-subscription");
    assert.deepEqual(sub.inputs.subscribers, [{ type: "SNS", address: topicArn(run) }]);
    assert.equal(sub.inputs.frequency, "IMMEDIATE");
    assert.deepEqual(sub.inputs.monitorArnLists, [monitor.state.arn]);
    assert.equal(run.outputs.anomalyMonitorArn, monitor.state.arn);
    assert.deepEqual((sub.inputs.thresholdExpression as { dimension: { key: string; values: string[] } }).dimension, {
      key: "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
      matchOptions: ["GREATER_THAN_OR_EQUAL"],
      values: ["50"],
    });
  });

  it("alarms notify the alert topic (encrypted in prod), names prefixed prod-", () => {
    assertAlarmsWired(run, "prod");
    assert.ok(one(run, "aws:sns/topic:Topic", "alerts-topic").inputs.kmsMasterKeyId, "CloudWatch and Budgets publish through the customer-managed key");
  });

  it("the dashboard's burn-rate widget draws every environment's limit", () => {
    const widgets = dashboardWidgets(run);
    assert.equal(widgets.length, 12);
    const burn = widgets[8]!.properties as { annotations: { horizontal: { label: string; value: number }[] } };
    assert.deepEqual(
      burn.annotations.horizontal.map((a) => [a.label.split(" ")[0], a.value]),
      [["dev", 8], ["staging", 5], ["prod", 2], ["untagged", 5]],
    );
  });

  it("the report uses up to 5 Cost Explorer requests and compares the forecast with the $500 budget", () => {
    assertReportBucket(run, 400);
    const { env, statements } = reportFunction(run);
    assert.deepEqual(JSON.parse(env.COSTGUARD_SETTINGS!), { maxCostExplorerRequests: 5, monthlyBudgetUsd: 500 });
    assert.ok(statements.some((s) => s.Sid === "EncryptAlerts"), "may publish to the encrypted topic");
  });
});
