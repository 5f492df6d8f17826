/**
 * GuardDashboard: one CloudWatch dashboard per stack (three rows of four widgets:
 * queues, fleet, cost; with organisation mode or regions, a fourth row breaking the burn and the
 * waste down by account and region) and the stack's alarms, each notifying the alert topic.
 *
 * Free tier: 3 dashboards and 10 alarms. This component creates one dashboard and at most 8
 * alarms (per stack, not per function: see components/alarms.ts). The circuit-breaker widget
 * is a Logs Insights query over the spot functions' logs, because a metric per instance
 * type would be one billed custom metric each.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { METRIC_NAMESPACE, METRICS, UNTAGGED } from "../runtime/contract";
import { alarmSpecs, type AlarmSpec, type AlarmThresholds } from "./alarms";
import type { GuardFunction } from "./guardFunction";
import { transformed, type Transform } from "./transform";
import { expression, grid, logWidget, metric, metricWidget, textWidget, type DashboardBody, type MetricLine, type UnplacedWidget } from "./widgets";

/**
 * Logs Insights query of the circuit-breaker widget. The spot functions log (Powertools JSON)
 * a line with `instanceType` and `circuitState` (closed | open | half-open) on every transition.
 */
export const BREAKER_QUERY =
  "fields @timestamp, instanceType, circuitState | filter ispresent(circuitState) | stats latest(circuitState) as state, count(*) as transitions, max(@timestamp) as lastChange by instanceType | sort lastChange desc | limit 50";

/**
 * Logs Insights queries of the breakdown by account and region (organisation mode or regions
 * configured): one log line per unit and run, so no billed custom metric per account or region.
 * The failsafe logs `"unit burn"` with account, region, environment and usdPerHour; the waste
 * scanner `"unit waste"` with account, region, findings and usdPerMonth; the waste scanner and
 * the enforcer log a warning `could not scan|check <account>/<region>: …` with account, region
 * and code for a unit they could not read.
 */
export const FAILSAFE_UNIT_QUERY =
  'fields @timestamp, account, region, environment, usdPerHour | filter message = "unit burn" | stats latest(usdPerHour) as usdPerHour by account, region, environment | sort usdPerHour desc | limit 100';
export const WASTE_UNIT_QUERY =
  'fields @timestamp, account, region, findings, usdPerMonth | filter message = "unit waste" | stats latest(usdPerMonth) as usdPerMonth, latest(findings) as findings by account, region | sort usdPerMonth desc | limit 100';
export const UNREAD_UNITS_QUERY =
  "fields @timestamp, account, region, code, message | filter ispresent(account) and message like /^could not (scan|check) / | stats count(*) as runs, latest(code) as lastError, max(@timestamp) as lastSeen by account, region | sort lastSeen desc | limit 100";

/** Log groups of the functions whose logs carry per-unit figures (empty: the capability is not deployed). */
export interface UnitBreakdownInput {
  failsafeLogGroups: string[];
  wasteLogGroups: string[];
  enforcerLogGroups: string[];
}

/** Everything the dashboard shows, as resolved names (see GuardDashboard for the Pulumi side). */
export interface DashboardInput {
  stack: string;
  region: string;
  watchedQueues: string[];
  deadLetterQueues: string[];
  guardFunctions: string[];
  spotLogGroups: string[];
  /** Environments with their burn-rate limits ("untagged" included). */
  environments: { name: string; maxHourlyUsd: number }[];
  monthlyBudgetUsd: number;
  thresholds: Pick<AlarmThresholds, "oldestMessageAgeSeconds" | "deadLetterMessages">;
  /** Breakdown by account and region: only with organisation mode or regions configured. */
  byUnit?: UnitBreakdownInput;
}

const M = (key: keyof typeof METRICS, dims: Record<string, string> = {}, opts: Parameters<typeof metric>[3] = {}): MetricLine =>
  metric(METRIC_NAMESPACE, METRICS[key].name, dims, opts);

export function buildDashboardBody(d: DashboardInput): DashboardBody {
  const r = d.region;
  const queues = (title: string, names: string[], metricName: string, empty: string, opts: Parameters<typeof metricWidget>[3] = {}): UnplacedWidget =>
    names.length ? metricWidget(title, r, names.map((q) => metric("AWS/SQS", metricName, { QueueName: q }, { label: q })), { stat: "Maximum", ...opts }) : textWidget(`### ${title}\n${empty}`);

  const queuesRow = [
    queues("Work queues: messages waiting", d.watchedQueues, "ApproximateNumberOfMessagesVisible", "No queue configured: set `costguard:dashboard.watchedQueues`."),
    queues("Work queues: oldest message age (s)", d.watchedQueues, "ApproximateAgeOfOldestMessage", "No queue configured: set `costguard:dashboard.watchedQueues`.", {
      annotations: [{ label: "alarm", value: d.thresholds.oldestMessageAgeSeconds, color: "#d62728" }],
    }),
    queues("Dead-letter queues: messages", d.deadLetterQueues, "ApproximateNumberOfMessagesVisible", "No dead-letter queue.", {
      annotations: [{ label: "alarm", value: d.thresholds.deadLetterMessages, color: "#d62728" }],
    }),
    queues("Dead-letter queues: new messages per hour", d.deadLetterQueues, "NumberOfMessagesSent", "No dead-letter queue.", { stat: "Sum", period: 3600 }),
  ];

  const fleetRow = [
    metricWidget("Running instances", r, [M("runningInstances", { Lifecycle: "on-demand" }, { label: "on-demand" }), M("runningInstances", { Lifecycle: "spot" }, { label: "spot" })], {
      stacked: true,
      stat: "Maximum",
    }),
    metricWidget("Spot interruptions per hour", r, [M("spotInterruptions", {}, { label: "interruptions" })], { stat: "Sum", period: 3600 }),
    d.spotLogGroups.length
      ? logWidget("Circuit breakers by instance type", r, d.spotLogGroups, BREAKER_QUERY)
      : textWidget("### Circuit breakers by instance type\nThe spot functions are not deployed in this stack."),
    metricWidget("Failsafe actions per hour", r, [M("failsafeActions", {}, { label: "actions" })], { stat: "Sum", period: 3600 }),
  ];

  const costRow = [
    metricWidget("Burn rate by environment ($/h) vs limit", r, d.environments.map((e) => M("burnRate", { Environment: e.name }, { label: e.name })), {
      stat: "Maximum",
      annotations: d.environments.map((e) => ({ label: `${e.name} limit $${e.maxHourlyUsd}/h`, value: e.maxHourlyUsd })),
      yLabel: "$/h",
    }),
    metricWidget("Waste ($/month)", r, [M("wasteUsdPerMonth", {}, { label: "open findings" })], { stat: "Maximum", period: 3600, yLabel: "$/month" }),
    metricWidget("Daily cost ($)", r, [M("dailyCostUsd", {}, { label: "Cost Explorer, yesterday" })], {
      stat: "Maximum",
      period: 86400,
      annotations: [{ label: "budget / 30", value: Math.round((d.monthlyBudgetUsd / 30) * 100) / 100, color: "#ff7f0e" }],
      yLabel: "$",
    }),
    d.guardFunctions.length
      ? metricWidget(
          "Guard errors",
          r,
          [...d.guardFunctions.map((f, i) => metric("AWS/Lambda", "Errors", { FunctionName: f }, { label: f, id: `e${i}` })), expression("total", `SUM([${d.guardFunctions.map((_, i) => `e${i}`).join(", ")}])`, "all guards")],
          { stat: "Sum" },
        )
      : textWidget("### Guard errors\nNo guard function."),
  ];
  const rows = [queuesRow, fleetRow, costRow];
  if (d.byUnit) rows.push(unitRow(r, d.byUnit));
  return { start: "-PT24H", periodOverride: "auto", widgets: grid(rows) };
}

function unitRow(region: string, u: UnitBreakdownInput): UnplacedWidget[] {
  const logs = (title: string, groups: string[], query: string, absent: string) => (groups.length ? logWidget(title, region, groups, query) : textWidget(`### ${title}\n${absent}`));
  return [
    logs("Burn rate by account, region and environment ($/h, latest)", u.failsafeLogGroups, FAILSAFE_UNIT_QUERY, "The failsafe is not deployed in this stack."),
    logs("Waste by account and region ($/month, latest scan)", u.wasteLogGroups, WASTE_UNIT_QUERY, "The waste scanner is not deployed in this stack."),
    logs("Units (account × region) not read", [...u.wasteLogGroups, ...u.enforcerLogGroups], UNREAD_UNITS_QUERY, "Neither the waste scanner nor the enforcer is deployed in this stack."),
  ];
}

export interface GuardDashboardArgs {
  /** Stack name: prefixes the dashboard and alarm names. */
  stack: string;
  /** Region the widgets read from (the stack's region). */
  region: pulumi.Input<string>;
  /** Every guard function of the stack: errors, dead-letter queues. */
  guardFunctions: GuardFunction[];
  /** Guard functions that serve an API (spot advice): their errors feed the API errors alarm. */
  apiFunctions?: GuardFunction[];
  /** Guard functions whose logs carry circuit-breaker transitions (spot functions). */
  spotFunctions?: GuardFunction[];
  /** Work queues (SQS names) to show and alarm on. */
  watchedQueues: string[];
  /** Burn-rate limit per configured environment. */
  environments: Record<string, { maxHourlyUsd: number }>;
  /** Burn-rate limit of untagged inventory. */
  untaggedMaxHourlyUsd: number;
  /** Burn-rate limit of the whole account. */
  globalMaxHourlyUsd: number;
  /** Monthly budget: the daily cost widget shows budget / 30. */
  monthlyBudgetUsd: number;
  /** ECS services whose CPU is alarmed on. */
  services?: { clusterName: pulumi.Input<string>; serviceName: pulumi.Input<string> }[];
  /** Alarm thresholds (config `alarms`). */
  thresholds: AlarmThresholds;
  /**
   * Breakdown by account and region: give it only with organisation mode or regions configured
   * (costguard:organization, costguard:regions); the functions whose logs carry per-unit lines.
   */
  byUnit?: { failsafe?: GuardFunction; wasteScanner?: GuardFunction; enforcer?: GuardFunction };
  /** Topic every alarm notifies, on alarm and on recovery. */
  alertTopicArn: pulumi.Input<string>;
  transform?: GuardDashboardTransform;
}

export interface GuardDashboardTransform {
  dashboard?: Transform<aws.cloudwatch.DashboardArgs>;
  /** Every alarm (the name tells which). */
  alarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
}

export class GuardDashboard extends pulumi.ComponentResource {
  public readonly dashboard: aws.cloudwatch.Dashboard;
  public readonly dashboardName: pulumi.Output<string>;
  public readonly alarms: aws.cloudwatch.MetricAlarm[];
  public readonly alarmSpecs: AlarmSpec[];

  constructor(name: string, args: GuardDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:dashboard:GuardDashboard", name, {}, opts);
    const parent = { parent: this };
    const environments = [
      ...Object.entries(args.environments).map(([envName, e]) => ({ name: envName, maxHourlyUsd: e.maxHourlyUsd })),
      { name: UNTAGGED, maxHourlyUsd: args.untaggedMaxHourlyUsd },
    ];
    const fnNames = args.guardFunctions.map((f) => f.functionName);
    // Functions may share one queue (sharedDeadLetterQueue): show and alarm on each queue once.
    const dlqNames = [...new Set(args.guardFunctions.map((f) => f.deadLetterQueue))].map((q) => q.name);

    const logGroups = (f: GuardFunction | undefined) => pulumi.all(f ? [f.logGroup.name] : []);
    const u = args.byUnit;
    const byUnit: pulumi.Output<UnitBreakdownInput> | undefined = u
      ? pulumi.all([logGroups(u.failsafe), logGroups(u.wasteScanner), logGroups(u.enforcer)]).apply(([failsafeLogGroups, wasteLogGroups, enforcerLogGroups]) => ({ failsafeLogGroups, wasteLogGroups, enforcerLogGroups }))
      : undefined;
    const body = pulumi
      .all([pulumi.all(fnNames), pulumi.all(dlqNames), pulumi.all((args.spotFunctions ?? []).map((f) => f.logGroup.name)), args.region, byUnit])
      .apply(([guardFunctions, deadLetterQueues, spotLogGroups, region, unitLogs]) =>
        JSON.stringify(
          buildDashboardBody({
            stack: args.stack,
            region,
            watchedQueues: args.watchedQueues,
            deadLetterQueues,
            guardFunctions,
            spotLogGroups,
            environments,
            monthlyBudgetUsd: args.monthlyBudgetUsd,
            thresholds: args.thresholds,
            ...(unitLogs ? { byUnit: unitLogs } : {}),
          }),
        ),
      );
    this.dashboard = new aws.cloudwatch.Dashboard(...transformed(args.transform?.dashboard, `${name}-dashboard`, { dashboardName: `costguard-${args.stack}`, dashboardBody: body }, parent));
    this.dashboardName = this.dashboard.dashboardName;

    this.alarmSpecs = alarmSpecs({
      stack: args.stack,
      guardFunctions: fnNames,
      apiFunctions: (args.apiFunctions ?? []).map((f) => f.functionName),
      deadLetterQueues: dlqNames,
      watchedQueues: args.watchedQueues,
      environments,
      globalMaxHourlyUsd: args.globalMaxHourlyUsd,
      services: args.services ?? [],
      thresholds: args.thresholds,
    });
    this.alarms = this.alarmSpecs.map(
      (spec) =>
        new aws.cloudwatch.MetricAlarm(
          ...transformed(
            args.transform?.alarm,
            `${name}-${spec.name.slice(args.stack.length + "-costguard-".length)}`,
            {
              name: spec.name,
              alarmDescription: spec.description,
              comparisonOperator: spec.comparisonOperator,
              threshold: spec.threshold,
              evaluationPeriods: spec.evaluationPeriods,
              treatMissingData: spec.treatMissingData,
              metricQueries: spec.queries.map((q) => ({ id: q.id, expression: q.expression, label: q.label, returnData: q.returnData, metric: q.metric })),
              alarmActions: [args.alertTopicArn],
              okActions: [args.alertTopicArn],
            },
            parent,
          ),
        ),
    );
    this.registerOutputs({ dashboardName: this.dashboardName, alarmNames: this.alarmSpecs.map((s) => s.name) });
  }
}
