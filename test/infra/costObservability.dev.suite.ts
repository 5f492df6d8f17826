import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { stackRun, type StackRun } from "../support/stackRun";
import { alarmMetrics, assertAlarmsWired, assertBudgetNotifications, assertReportBucket, dashboardWidgets, ofType, one, reportFunction, topicArn } from "./costObservability.shared";

describe("dev stack: budgets, cost report, dashboard and alarms", () => {
  let run: StackRun;
  before(async () => {
    run = await stackRun({ stack: "dev" });
  });

  it("one $1.00 monthly budget with the four notifications to the topic and the e-mails", () => {
    const budgets = ofType(run, "aws:budgets/budget:Budget");
    assert.equal(budgets.length, 1, "no per-environment budgets in dev (the first two budgets are free)");
    const b = budgets[0]!;
    assert.equal(b.inputs.name, "costguard-dev-monthly");
    assert.equal(b.inputs.limitAmount, "1.00");
    assert.equal(b.inputs.timeUnit, "MONTHLY");
    assert.equal(b.inputs.budgetType, "COST");
    assert.equal(b.inputs.costFilters, undefined);
    assertBudgetNotifications(b, topicArn(run), ["platform-alerts@example.com"]);
  });

  it("no anomaly monitor of its own: the prod stack creates the account's one AWS-services monitor (Pulumi.dev.yaml)", () => {
    assert.equal(ofType(run, "aws:costexplorer/anomalyMonitor:AnomalyMonitor").length, 0);
    assert.equal(ofType(run, "aws:costexplorer/anomalySubscription:AnomalySubscription").length, 0);
    assert.equal(run.outputs.anomalyMonitorArn, null);
  });

  it("keeps to the free tier: at most 3 dashboards, 10 alarms and 10 billed alarm metrics", () => {
    assert.ok(ofType(run, "aws:cloudwatch/dashboard:Dashboard").length <= 3);
    const alarms = ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm");
    assert.ok(alarms.length <= 10, `${alarms.length} alarms`);
    // Metric-math alarms are billed per metric they read; the free tier is 10 alarm metrics.
    // The guard's own alarms keep within it; a declared service's CPU/memory alarms are the workload's.
    const guardAlarms = alarms.filter((a) => !String(a.inputs.name).startsWith("dev-costguard-service-"));
    const metrics = guardAlarms.reduce((n, a) => n + alarmMetrics(a), 0);
    assert.ok(metrics <= 10, `${metrics} alarm metrics`);
    const dlq = alarms.find((a) => a.inputs.name === "dev-costguard-dead-letter-queues")!;
    assert.equal(alarmMetrics(dlq), 1, "every guard function shares one dead-letter queue");
    const guard = alarms.find((a) => a.inputs.name === "dev-costguard-guard-errors")!;
    assert.deepEqual((guard.inputs.metricQueries as { metric: { dimensions?: unknown } }[])[0]!.metric.dimensions, undefined, "dev watches account-wide Lambda errors");
  });

  it("every alarm notifies the alert topic, thresholds from config", () => {
    assertAlarmsWired(run, "dev");
    const alarms = ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm");
    const byName = (n: string) => alarms.find((a) => a.inputs.name === `dev-costguard-${n}`)!;
    assert.equal(byName("dead-letter-queues").inputs.threshold, 10);
    assert.equal(byName("spot-interruption-rate").inputs.threshold, 20);
    assert.equal(byName("pool-utilisation").inputs.threshold, 0.95);
    const dlqs = (byName("dead-letter-queues").inputs.metricQueries as { metric?: { dimensions: { QueueName: string } } }[]).filter((q) => q.metric).map((q) => q.metric!.dimensions.QueueName);
    const queues = ofType(run, "aws:sqs/queue:Queue").filter((q) => q.name.endsWith("-dlq")).map((q) => q.state.name as string);
    assert.deepEqual(dlqs.sort(), queues.sort(), "every guard function's dead-letter queue is watched");
  });

  it("the dashboard has 12 widgets and shows every guard function's errors", () => {
    const widgets = dashboardWidgets(run);
    assert.equal(widgets.length, 12);
    const errors = JSON.stringify(widgets[11]);
    for (const fn of ofType(run, "aws:lambda/function:Function")) assert.ok(errors.includes(fn.state.name as string), `${fn.name} in guard errors`);
  });

  it("the report bucket is encrypted, private, TLS-only, with a lifecycle rule", () => {
    assertReportBucket(run, 400);
  });

  it("the report function makes one Cost Explorer request a run in dev, weekly on Mondays (Pulumi.dev.yaml)", () => {
    const { env, statements } = reportFunction(run);
    assert.deepEqual(JSON.parse(env.COSTGUARD_SETTINGS!), { maxCostExplorerRequests: 1, monthlyBudgetUsd: 1 });
    assert.ok(env.COSTGUARD_REPORT_BUCKET);
    assert.equal(env.COSTGUARD_ALERT_TOPIC_ARN, topicArn(run));
    const ce = statements.find((s) => s.Sid === "ReadCosts")!;
    assert.deepEqual(ce.Action, ["ce:GetCostAndUsage", "ce:GetCostForecast"]);
    assert.match(statements.find((s) => s.Sid === "WriteReports")!.Resource as string, /\/reports\/cost\/\*$/);
    assert.ok(!statements.some((s) => [s.Action].flat().some((a) => a === "*" || a === "s3:*")));
    assert.equal(one(run, "aws:cloudwatch/eventRule:EventRule", "cost-report-writer-schedule").inputs.scheduleExpression, "cron(0 9 ? * MON *)");
  });

  it("exports what guardctl and operators need", () => {
    assert.ok(run.outputs.costReportFunction);
    assert.ok(run.outputs.reportBucket);
    assert.equal(run.outputs.dashboardName, "costguard-dev");
  });
});
