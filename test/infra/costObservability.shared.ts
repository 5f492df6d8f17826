/**
 * Checks shared by the dev and prod infra tests of budgets, the cost report, the dashboard and
 * the alarms (one stack per test file: Pulumi's runtime state is process-global).
 */
import assert from "node:assert/strict";
import type { PlannedResource } from "../../tools/offline/mocks";
import type { ProgramRun } from "../../tools/offline/runProgram";

export const ofType = (run: ProgramRun, type: string): PlannedResource[] => run.resources.filter((r) => r.type === type);
export const one = (run: ProgramRun, type: string, name: string): PlannedResource => {
  const r = run.resources.find((x) => x.type === type && x.name === name);
  assert.ok(r, `no ${type} ${name}`);
  return r;
};
export const topicArn = (run: ProgramRun) => one(run, "aws:sns/topic:Topic", "alerts-topic").state.arn as string;

export function assertBudgetNotifications(budget: PlannedResource, topic: string, emails: string[]): void {
  const n = budget.inputs.notifications as { notificationType: string; threshold: number; thresholdType: string; comparisonOperator: string; subscriberSnsTopicArns: string[]; subscriberEmailAddresses?: string[] }[];
  assert.deepEqual(
    n.map((x) => `${x.notificationType} ${x.threshold}${x.thresholdType === "PERCENTAGE" ? "%" : ""}`),
    ["ACTUAL 50%", "ACTUAL 80%", "ACTUAL 100%", "FORECASTED 100%"],
  );
  assert.ok(n.length <= 10, "AWS allows 10 notifications per budget");
  for (const x of n) {
    assert.equal(x.comparisonOperator, "GREATER_THAN");
    assert.deepEqual(x.subscriberSnsTopicArns, [topic]);
    assert.deepEqual(x.subscriberEmailAddresses ?? [], emails);
  }
}

export function assertAlarmsWired(run: ProgramRun, stack: string): void {
  const topic = topicArn(run);
  const alarms = ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm");
  assert.ok(alarms.length > 0);
  for (const a of alarms) {
    assert.match(a.inputs.name as string, new RegExp(`^${stack}-`), "alarm names are prefixed by the stack");
    assert.deepEqual(a.inputs.alarmActions, [topic], `${a.name} notifies the alert topic`);
    assert.deepEqual(a.inputs.okActions, [topic]);
    assert.ok(alarmMetrics(a) <= 10, `${a.name}: at most 10 metrics`);
  }
}

export function assertReportBucket(run: ProgramRun, retentionDays: number): void {
  const bucket = one(run, "aws:s3/bucket:Bucket", "cost-report-bucket");
  const id = bucket.state.bucket as string;
  const enc = one(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "cost-report-bucket-encryption");
  assert.equal((enc.inputs.rules as { applyServerSideEncryptionByDefault: { sseAlgorithm: string } }[])[0]!.applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
  const pab = one(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "cost-report-bucket-public-access");
  for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(pab.inputs[k], true, k);
  for (const r of run.resources.filter((x) => x.name.startsWith("cost-report-bucket-"))) assert.equal(r.inputs.bucket, id, `${r.name} applies to the report bucket`);
  const policy = JSON.parse(one(run, "aws:s3/bucketPolicy:BucketPolicy", "cost-report-bucket-tls-only").inputs.policy as string) as { Statement: { Effect: string; Condition: unknown; Resource: string[] }[] };
  assert.deepEqual(policy.Statement[0]!.Effect, "Deny");
  assert.deepEqual(policy.Statement[0]!.Condition, { Bool: { "aws:SecureTransport": "false" } });
  assert.equal(policy.Statement[0]!.Resource.length, 2, "bucket and objects");
  const lifecycle = one(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "cost-report-bucket-lifecycle");
  const rule = (lifecycle.inputs.rules as { status: string; expiration: { days: number }; filter: { prefix: string } }[])[0]!;
  assert.equal(rule.status, "Enabled");
  assert.equal(rule.expiration.days, retentionDays);
  assert.equal(rule.filter.prefix, "reports/cost/");
}

export function reportFunction(run: ProgramRun): { env: Record<string, string>; statements: { Sid?: string; Action: string | string[]; Resource: string | string[] }[] } {
  const fn = one(run, "aws:lambda/function:Function", "cost-report-writer-fn");
  const env = (fn.inputs.environment as { variables: Record<string, string> }).variables;
  const policy = JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "cost-report-writer-policy").inputs.policy as string) as { Statement: { Sid?: string; Action: string | string[]; Resource: string | string[] }[] };
  return { env, statements: policy.Statement };
}

export function dashboardWidgets(run: ProgramRun): { type: string; properties: Record<string, unknown> }[] {
  const dashboards = ofType(run, "aws:cloudwatch/dashboard:Dashboard");
  assert.equal(dashboards.length, 1, "one dashboard per stack");
  return (JSON.parse(dashboards[0]!.inputs.dashboardBody as string) as { widgets: { type: string; properties: Record<string, unknown> }[] }).widgets;
}

/** Metrics an alarm reads (CloudWatch bills alarms per metric): its metric queries, or its one metric. */
export function alarmMetrics(a: { inputs: Record<string, unknown> }): number {
  const queries = a.inputs.metricQueries as { metric?: unknown }[] | undefined;
  return queries ? queries.filter((q) => q.metric).length : 1;
}
