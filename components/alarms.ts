/**
 * The stack's alarms as plain specs (a pure function of the stack's functions, queues and
 * thresholds), so the count and wiring can be tested without Pulumi. The free tier has 10
 * alarms: alarms are per stack, combining every function or queue with metric math (one
 * alarm reads at most 10 metrics; longer lists are split into numbered alarms).
 */
import type * as pulumi from "@pulumi/pulumi";
import { METRIC_NAMESPACE, METRICS } from "../runtime/contract";

export type Name = pulumi.Input<string>;

export interface AlarmThresholds {
  oldestMessageAgeSeconds: number;
  apiErrorsPer5Minutes: number;
  spotInterruptionRatePercent: number;
  poolUtilisation: number;
  deadLetterMessages: number;
  serviceCpuPercent: number;
  /**
   * Divide concurrency by this number; by default the alarm divides by the account's own quota
   * (`SERVICE_QUOTA`, as Service Quotas reports it), which new accounts often have at 10, not 1000.
   */
  lambdaConcurrencyLimit?: number;
  /**
   * "functions": the guard-errors alarm reads each guard function's Errors (one alarm metric
   * each); "account": it reads the account-wide Lambda Errors metric (one alarm metric, but
   * other functions in the account count too).
   */
  guardErrorsScope: "functions" | "account";
}

export interface AlarmInput {
  stack: string;
  /** Names of every guard function (AWS/Lambda Errors). */
  guardFunctions: Name[];
  /** Guard functions that serve an API (the spot advice): their errors count as API errors. */
  apiFunctions: Name[];
  /** Dead-letter queue names of the guard functions. */
  deadLetterQueues: Name[];
  /** Work queues whose oldest message age is watched. */
  watchedQueues: Name[];
  /** Environments and their burn-rate limits, "untagged" included. */
  environments: { name: string; maxHourlyUsd: number }[];
  /** Limit of the sum of every environment's burn rate. */
  globalMaxHourlyUsd: number;
  /** ECS services whose CPU is watched. */
  services: { clusterName: Name; serviceName: Name }[];
  thresholds: AlarmThresholds;
}

export interface AlarmQuery {
  id: string;
  expression?: string;
  label?: string;
  returnData?: boolean;
  metric?: { namespace: string; metricName: string; dimensions?: Record<string, Name>; stat: string; period: number };
}

export interface AlarmSpec {
  /** Physical alarm name, prefixed by the stack. */
  name: string;
  description: string;
  comparisonOperator: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold";
  threshold: number;
  evaluationPeriods: number;
  treatMissingData: "notBreaching" | "missing";
  queries: AlarmQuery[];
}

/** CloudWatch (PutMetricAlarm): at most 10 metrics and 10 expressions per alarm. */
export const MAX_METRICS_PER_ALARM = 10;
export const MAX_EXPRESSIONS_PER_ALARM = 10;

/**
 * Alarm metrics an alarm is billed for: CloudWatch bills a metric-math alarm per metric it
 * reads, and the free tier is 10 alarm metrics (not 10 alarms).
 */
export function alarmMetricCount(specs: AlarmSpec[]): number {
  return specs.reduce((n, s) => n + s.queries.filter((q) => q.metric).length, 0);
}

function chunks<T>(list: T[], size = MAX_METRICS_PER_ALARM): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** One alarm (or one per 10 items) over `fn(items)` combined by `combine` ("MAX" or "SUM"). */
function combined(
  base: Omit<AlarmSpec, "queries" | "name"> & { name: string },
  items: Name[],
  metricOf: (item: Name) => NonNullable<AlarmQuery["metric"]>,
  combine: "MAX" | "SUM",
  label: string,
): AlarmSpec[] {
  const groups = chunks(items);
  return groups.map((group, g) => {
    // A single metric is alarmed on directly; several are combined into one series.
    const single = group.length === 1;
    const queries: AlarmQuery[] = group.map((item, i) => ({ id: `m${i}`, metric: metricOf(item), returnData: single, ...(single ? { label } : {}) }));
    if (!single) queries.push({ id: "combined", expression: `${combine}([${queries.map((q) => q.id).join(", ")}])`, label, returnData: true });
    return { ...base, name: groups.length > 1 ? `${base.name}-${g + 1}` : base.name, queries };
  });
}

export function alarmSpecs(input: AlarmInput): AlarmSpec[] {
  const t = input.thresholds;
  const p = (suffix: string) => `${input.stack}-costguard-${suffix}`;
  const specs: AlarmSpec[] = [];

  specs.push(
    ...combined(
      {
        name: p("queue-oldest-message-age"),
        description: `A watched queue's oldest message is older than ${t.oldestMessageAgeSeconds} s for 2 periods of 5 minutes: consumers are stuck or too slow.`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: t.oldestMessageAgeSeconds,
        evaluationPeriods: 2,
        treatMissingData: "notBreaching",
      },
      input.watchedQueues,
      (q) => ({ namespace: "AWS/SQS", metricName: "ApproximateAgeOfOldestMessage", dimensions: { QueueName: q }, stat: "Maximum", period: 300 }),
      "MAX",
      "oldest message age (s)",
    ),
  );
  specs.push(
    ...combined(
      {
        name: p("api-errors"),
        description: `More than ${t.apiErrorsPer5Minutes} errors in 5 minutes from costguard's APIs (spot advice): callers fall back to on-demand.`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: t.apiErrorsPer5Minutes,
        evaluationPeriods: 1,
        treatMissingData: "notBreaching",
      },
      input.apiFunctions,
      (f) => ({ namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: f }, stat: "Sum", period: 300 }),
      "SUM",
      "API errors per 5 minutes",
    ),
  );
  specs.push({
    name: p("spot-interruption-rate"),
    description: `Spot interruptions over 15 minutes exceed ${t.spotInterruptionRatePercent} % of the running spot instances: capacity is at risk; the circuit breakers move types to on-demand.`,
    comparisonOperator: "GreaterThanThreshold",
    threshold: t.spotInterruptionRatePercent,
    evaluationPeriods: 1,
    treatMissingData: "notBreaching",
    queries: [
      { id: "interruptions", returnData: false, metric: { namespace: METRIC_NAMESPACE, metricName: METRICS.spotInterruptions.name, stat: "Sum", period: 900 } },
      { id: "spot", returnData: false, metric: { namespace: METRIC_NAMESPACE, metricName: METRICS.runningInstances.name, dimensions: { Lifecycle: "spot" }, stat: "Maximum", period: 900 } },
      { id: "rate", expression: "IF(spot > 0, 100 * interruptions / spot, 0)", label: "spot interruption rate (%)", returnData: true },
    ],
  });
  const quota = t.lambdaConcurrencyLimit === undefined ? "SERVICE_QUOTA(concurrent)" : String(t.lambdaConcurrencyLimit);
  specs.push({
    name: p("pool-utilisation"),
    description: `Lambda concurrency (the pool every guard function draws from) is above ${t.poolUtilisation * 100} % of ${t.lambdaConcurrencyLimit ?? "the account's quota"} for 2 periods: guards may be throttled.`,
    comparisonOperator: "GreaterThanThreshold",
    threshold: t.poolUtilisation,
    evaluationPeriods: 2,
    treatMissingData: "notBreaching",
    queries: [
      { id: "concurrent", returnData: false, metric: { namespace: "AWS/Lambda", metricName: "ConcurrentExecutions", stat: "Maximum", period: 300 } },
      // AWS/Lambda ConcurrentExecutions (account-wide, Maximum) is the usage metric Service Quotas
      // registers for the concurrency quota (L-B99A9384), so SERVICE_QUOTA() reads the real limit.
      { id: "utilisation", expression: `concurrent / ${quota}`, label: "concurrency utilisation", returnData: true },
    ],
  });
  specs.push(
    ...combined(
      {
        name: p("dead-letter-queues"),
        description: `A costguard dead-letter queue holds more than ${t.deadLetterMessages} messages: events failed every retry. Inspect and redrive them.`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: t.deadLetterMessages,
        evaluationPeriods: 1,
        treatMissingData: "notBreaching",
      },
      input.deadLetterQueues,
      (q) => ({ namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: q }, stat: "Maximum", period: 300 }),
      "MAX",
      "dead-letter messages",
    ),
  );
  const guardErrorsBase = {
    name: p("guard-errors"),
    description: "A costguard function failed: see its logs (the dashboard's guard errors widget names it).",
    comparisonOperator: "GreaterThanThreshold" as const,
    threshold: 0,
    evaluationPeriods: 1,
    treatMissingData: "notBreaching" as const,
  };
  if (t.guardErrorsScope === "account" && input.guardFunctions.length) {
    specs.push({
      ...guardErrorsBase,
      description: `${guardErrorsBase.description} (Account-wide Lambda errors: other functions in the account count too.)`,
      queries: [{ id: "m0", label: "Lambda errors (account)", returnData: true, metric: { namespace: "AWS/Lambda", metricName: "Errors", stat: "Sum", period: 300 } }],
    });
  } else specs.push(
    ...combined(
      {
        name: p("guard-errors"),
        description: "A costguard function failed: see its logs (the dashboard's guard errors widget names it).",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        evaluationPeriods: 1,
        treatMissingData: "notBreaching",
      },
      input.guardFunctions,
      (f) => ({ namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: f }, stat: "Sum", period: 300 }),
      "SUM",
      "guard function errors",
    ),
  );

  // Burn rate: the highest ratio of an environment's burn rate (or the global sum) to its limit.
  // n metrics + n ratios + global + worst must stay within 10 expressions: groups of 8.
  const envGroups = chunks(input.environments, MAX_EXPRESSIONS_PER_ALARM - 2);
  envGroups.forEach((group, g) => {
    const queries: AlarmQuery[] = [];
    group.forEach((env, i) => {
      queries.push({ id: `b${i}`, returnData: false, metric: { namespace: METRIC_NAMESPACE, metricName: METRICS.burnRate.name, dimensions: { Environment: env.name }, stat: "Maximum", period: 300 } });
    });
    group.forEach((env, i) => queries.push({ id: `r${i}`, expression: `b${i} / ${env.maxHourlyUsd}`, label: `${env.name} burn / limit`, returnData: false }));
    const ratios = group.map((_, i) => `r${i}`);
    if (envGroups.length === 1) {
      queries.push({ id: "global", expression: `(${group.map((_, i) => `b${i}`).join(" + ")}) / ${input.globalMaxHourlyUsd}`, label: "global burn / limit", returnData: false });
      ratios.push("global");
    }
    queries.push({ id: "worst", expression: `MAX([${ratios.join(", ")}])`, label: "highest burn rate / limit", returnData: true });
    specs.push({
      name: envGroups.length > 1 ? `${p("burn-rate-over-limit")}-${g + 1}` : p("burn-rate-over-limit"),
      description: `An environment's estimated burn rate is over its limit (${group.map((e) => `${e.name} $${e.maxHourlyUsd}/h`).join(", ")}${envGroups.length === 1 ? `, all $${input.globalMaxHourlyUsd}/h` : ""}): the failsafe responds per environment.`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
      queries,
    });
  });

  specs.push(
    ...combined(
      {
        name: p("service-cpu"),
        description: `A costguard-managed service's CPU is above ${t.serviceCpuPercent} % for 2 periods of 5 minutes.`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: t.serviceCpuPercent,
        evaluationPeriods: 2,
        treatMissingData: "notBreaching",
      },
      input.services.map((_, i) => String(i)),
      (i) => {
        const s = input.services[Number(i)]!;
        return { namespace: "AWS/ECS", metricName: "CPUUtilization", dimensions: { ClusterName: s.clusterName, ServiceName: s.serviceName }, stat: "Average", period: 300 };
      },
      "MAX",
      "service CPU (%)",
    ),
  );
  return specs;
}
