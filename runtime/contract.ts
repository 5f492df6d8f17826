/**
 * The contract between the Pulumi side (components/) and the code that runs in AWS (runtime/),
 * and between capabilities.
 *
 * Components set environment variables and build dashboards from these names; handlers read
 * and emit them. The keys and shapes of the records one capability writes and another reads
 * (the daily report reads the waste findings, the circuit breakers and the failsafe's audit) are
 * here too, so no capability imports another's files. Keeping them in one file means a rename
 * breaks the type-check, not a deployment. This file must stay free of @pulumi/* imports: it is
 * bundled into Lambdas.
 */
import * as z from "./shared/zod";

/** CloudWatch namespace of every metric costguard emits (as Embedded Metric Format logs). */
export const METRIC_NAMESPACE = "CostGuard";

/**
 * Every metric the handlers emit. Each name × dimension set is one custom metric
 * ($0.30/month past the 10 always free), so dimensions are kept few and bounded:
 * per-instance-type detail goes into EMF metadata (queryable in Logs Insights), not dimensions.
 */
export const METRICS = {
  /** Estimated $/h of running inventory; dimension Environment (configured envs + "untagged"). */
  burnRate: { name: "BurnRateUsdPerHour", unit: "None", dimensions: ["Environment"] },
  /** Stop/restore actions the failsafe applied (or would apply, in dry-run). */
  failsafeActions: { name: "FailsafeActions", unit: "Count", dimensions: [] },
  /** Running EC2 instances seen by the failsafe inventory; dimension Lifecycle (spot|on-demand). */
  runningInstances: { name: "RunningInstances", unit: "Count", dimensions: ["Lifecycle"] },
  /** Spot interruption warnings received. */
  spotInterruptions: { name: "SpotInterruptions", unit: "Count", dimensions: [] },
  /** Sum of the monthly cost estimates of the open waste findings. */
  wasteUsdPerMonth: { name: "WasteUsdPerMonth", unit: "None", dimensions: [] },
  /** Yesterday's total cost from Cost Explorer, published by the daily report. */
  dailyCostUsd: { name: "DailyCostUsd", unit: "None", dimensions: [] },
  /** Spot events (interruption warnings, rebalance recommendations) skipped as malformed or for an unknown instance. */
  spotEventsSkipped: { name: "SpotEventsSkipped", unit: "Count", dimensions: [] },
  /** Circuit-breaker transitions (closed/open/half-open); type and states are in the log line and alert event. */
  spotBreakerTransitions: { name: "SpotBreakerTransitions", unit: "Count", dimensions: [] },
  /** ASG on-demand → spot swaps; dimension Outcome (replaced|rolled-back). Emitted only when a swap runs. */
  spotSwaps: { name: "SpotSwaps", unit: "Count", dimensions: ["Outcome"] },
} as const satisfies Record<string, { name: string; unit: string; dimensions: readonly string[] }>;

export type MetricKey = keyof typeof METRICS;

/** Names of the Lambda environment variables. Components set them; handlers parse them with zod. */
export const ENV = {
  /** Stack name, for messages and audit records. */
  stack: "COSTGUARD_STACK",
  /** ARN of the alert SNS topic every capability reports to. */
  alertTopicArn: "COSTGUARD_ALERT_TOPIC_ARN",
  /** Name of the SSM SecureString parameter that holds the Slack incoming-webhook URL. */
  slackWebhookParameter: "COSTGUARD_SLACK_WEBHOOK_PARAMETER",
  /** JSON of the capability's runtime settings (thresholds, modes), validated by the handler. */
  settings: "COSTGUARD_SETTINGS",
  /** DynamoDB table names. */
  samplesTable: "COSTGUARD_SAMPLES_TABLE",
  stateTable: "COSTGUARD_STATE_TABLE",
  auditTable: "COSTGUARD_AUDIT_TABLE",
  breakerTable: "COSTGUARD_BREAKER_TABLE",
  poolRiskTable: "COSTGUARD_POOL_RISK_TABLE",
  findingsTable: "COSTGUARD_FINDINGS_TABLE",
  /** The ASG and node optimizers' own table: a lease per group and each group's swap journal. */
  optimizerTable: "COSTGUARD_OPTIMIZER_TABLE",
  /** The security enforcer's flags and audit records. */
  enforcerTable: "COSTGUARD_ENFORCER_TABLE",
  /** S3 bucket of the organisation sweep's objects (unit lists, inventories; components/sweep.ts). */
  sweepBucket: "COSTGUARD_SWEEP_BUCKET",
  /** S3 bucket of the daily cost report. */
  reportBucket: "COSTGUARD_REPORT_BUCKET",
  /** Powertools settings, set on every function so logs and metrics agree. */
  powertoolsServiceName: "POWERTOOLS_SERVICE_NAME",
  powertoolsMetricsNamespace: "POWERTOOLS_METRICS_NAMESPACE",
  /** Name of the node optimizer function, for callers that hand it node interruptions (InvokedNodeDrainer). */
  nodeOptimizerFunction: "COSTGUARD_NODE_OPTIMIZER_FUNCTION",
  /** Spot settings (breaker, pool risk) for a function that consults the spot advice in process
   * but has its own COSTGUARD_SETTINGS (the node optimizer). */
  spotSettings: "COSTGUARD_SPOT_SETTINGS",
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Tag keys costguard reads or writes on customers' resources. */
export const TAGS = {
  environment: "Environment",
  managedBy: "ManagedBy",
  project: "Project",
  stack: "Stack",
  /** `true` exempts a resource from every costguard action. */
  protect: "costguard:protect",
  /** `true` opts an Auto Scaling group into the spot optimizer. */
  spotOptimize: "costguard:spot-optimize",
  /** Minimum on-demand instances (count, or percent with a trailing %) the optimizer keeps. */
  minOnDemand: "costguard:min-on-demand",
  /** ISO time an unauthorised instance was first flagged by the enforcer. */
  unauthorizedSince: "costguard:unauthorized-since",
  /** ISO date a waste finding is due for clean-up (mark-for-op). */
  cleanupDue: "costguard:cleanup-due",
  /** On a snapshot costguard took before deleting a volume: the id of that volume. */
  backupOf: "costguard:backup-of",

  /** Set on spot instances the ASG optimizer launches (value: the on-demand instance they replace). */
  spotReplacementFor: "costguard:spot-replacement-for",

  /**
   * Expected usage the cost estimator cannot read from inputs, as `key=value` pairs, e.g.
   * `invocationsPerMonth=300 costExplorerRequestsPerRun=5` (keys: runtime/pricing/usage.ts).
   */
  estimate: "costguard:estimate",
} as const;

/**
 * Whether tags exempt a resource from every costguard action: `costguard:protect` = `true` in
 * any letter case, as the IAM conditions compare it (`StringEqualsIgnoreCase`; IAM matches the
 * tag key of `aws:ResourceTag/...` case-insensitively too). Every capability asks this one function.
 */
export function isProtected(tags: Record<string, string | undefined> | undefined): boolean {
  if (!tags) return false;
  const wanted = TAGS.protect.toLowerCase();
  return Object.entries(tags).some(([key, value]) => key.toLowerCase() === wanted && value?.trim().toLowerCase() === "true");
}

/** The group name for inventory that carries no `Environment` tag. */
export const UNTAGGED = "untagged";

/**
 * costguard's own events, published to the alert topic as JSON and rendered by the Slack
 * notifier. `kind` says which capability spoke; `severity` drives the colour and the emoji.
 */
export const GuardEvent = z.object({
  source: z.literal("costguard"),
  kind: z.enum(["failsafe", "spot", "waste", "enforcer", "report", "optimizer", "node-optimizer", "test"]),
  severity: z.enum(["info", "warning", "critical"]),
  title: z.string().check(z.minLength(1)),
  stack: z.string().check(z.minLength(1)),
  /** Short lines shown under the title. */
  lines: z._default(z.array(z.string()), []),
  /** Key figures shown as fields (e.g. "dev burn rate": "$9.12/h (limit $8.00)"). */
  fields: z._default(z.record(z.string(), z.string()), {}),
  /** Optional link, e.g. to the report in S3 or the dashboard. */
  url: z.optional(z.url()),
  time: z.optional(z.iso.datetime()),
});
export type GuardEvent = z.infer<typeof GuardEvent>;
export type GuardEventInput = z.input<typeof GuardEvent>;

/** An Environment tag value as an operator types it (tag values are at most 256 characters). */
const environmentName = z.string().check(z.minLength(1), z.maxLength(256));

/**
 * The failsafe's commands limited to one account and/or region (guardctl --account/--region):
 * what they show and act on. The failsafe refuses one outside its scope.
 */
const unitFilter = {
  account: z.optional(z.string().check(z.regex(/^\d{12}$/, "must be a 12-digit AWS account id"))),
  region: z.optional(z.string().check(z.regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'must be an AWS region such as "eu-west-1"'))),
};

/** A real calendar day `YYYY-MM-DD` (2026-13-45 and 2026-02-30 are not). */
const calendarDay = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD"),
  z.refine((d) => {
    const t = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
  }, "must be a real calendar date"),
);

/**
 * Operator commands sent to a deployed function by `guardctl` (Lambda Invoke with this
 * payload). Scheduled EventBridge invocations carry no `command` and mean "run the check".
 * The failsafe's and the report's commands are strict: an unknown field is an error, never
 * ignored (`dryrun: true` for `dryRun: true` must not turn a dry run into a real stop).
 */
export const AdminCommand = z.discriminatedUnion("command", [
  z.strictObject({ command: z.literal("status"), ...unitFilter }),
  z.strictObject({ command: z.literal("stop-env"), environment: environmentName, dryRun: z.optional(z.boolean()), ...unitFilter }),
  z.strictObject({ command: z.literal("restore"), environment: environmentName, dryRun: z.optional(z.boolean()), ...unitFilter }),
  z.strictObject({ command: z.literal("emergency-stop"), dryRun: z.optional(z.boolean()), ...unitFilter }),
  z.object({
    command: z.literal("reset-circuit"),
    instanceType: z.string().check(z.maxLength(64, "must be at most 64 characters"), z.regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, 'must be an EC2 instance type such as "m5.large"')),
    availabilityZone: z.optional(
      z
        .string()
        .check(
          z.maxLength(32, "must be at most 32 characters"),
          z.regex(/^[a-z]{2}(-[a-z0-9]+)+-\d+[a-z]$|^[a-z]{2}(-[a-z0-9]+)+-\d+-[a-z0-9-]+$/, 'must be an availability zone such as "us-east-1a"'),
        ),
    ),
  }),
  z.strictObject({ command: z.literal("report-now"), date: z.optional(calendarDay) }),
]);
export type AdminCommand = z.infer<typeof AdminCommand>;

// --- Records one capability writes and another reads ---

/** Key prefix of the waste findings table's finding items (`finding#<kind>#<resourceId>`); its other items are bookkeeping. */
export const FINDING_KEY_PREFIX = "finding#";

/** The findings table's key of a finding (its id is `<kind>#<resourceId>`). */
export const findingKey = (findingId: string): string => `${FINDING_KEY_PREFIX}${findingId}`;

/** A finding item of the waste findings table, as a reader of that table decodes it. */
export const FindingItem = z.looseObject({
  kind: z.string().check(z.minLength(1)),
  resourceId: z.string().check(z.minLength(1)),
  monthlyUsd: z.number().check(z.nonnegative()),
  status: z.optional(z.string()),
  environment: z.optional(z.string()),
  region: z.optional(z.string()),
});
export type FindingItem = z.infer<typeof FindingItem>;

/** The spot breaker table's key (its `pk`): one circuit per instance type, or per type and AZ (`m5.large@us-east-1a`). */
export function breakerKey(instanceType: string, availabilityZone: string | undefined, perAz: boolean): string {
  return perAz && availabilityZone ? `${instanceType}@${availabilityZone}` : instanceType;
}

/** The inverse of breakerKey, for readers of the table. */
export function parseBreakerKey(key: string): { instanceType: string; availabilityZone?: string } {
  const at = key.indexOf("@");
  return at < 0 ? { instanceType: key } : { instanceType: key.slice(0, at), availabilityZone: key.slice(at + 1) };
}

/** An item of the spot breaker table, as a reader decodes it (the store keeps more: the log, the probe). */
export const BreakerItem = z.object({
  pk: z.string().check(z.minLength(1)),
  state: z.enum(["closed", "open", "half-open"]),
  interruptions: z.optional(z.int().check(z.nonnegative())),
});
export type BreakerItem = z.infer<typeof BreakerItem>;

/**
 * An action record of the failsafe's audit table (`type` "action"): `time` in epoch ms, the
 * action's summary in `detail`. Decision, command and restore records are not actions.
 */
export const AuditActionItem = z.object({
  type: z.literal("action"),
  time: z.number(),
  detail: z.object({ environment: z.string().check(z.minLength(1)), kind: z.string().check(z.minLength(1)), id: z.string().check(z.minLength(1)), outcome: z.string().check(z.minLength(1)) }),
});
export type AuditActionItem = z.infer<typeof AuditActionItem>;

/** Handler names: each is `runtime/handlers/<name>.ts` and becomes one GuardFunction. */
export const HANDLERS = [
  "notifySlack",
  "failsafe",
  "spotEvents",
  "spotAdvice",
  "asgOptimizer",
  "wasteScanner",
  "securityEnforcer",
  "costReport",
  "nodeOptimizer",
] as const;
export type HandlerName = (typeof HANDLERS)[number];
