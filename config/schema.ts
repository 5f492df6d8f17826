/**
 * The stack-config schema of costguard: every key under the `costguard:` namespace, with its
 * type, default and description. This is the single source of truth: `read.ts` validates
 * against it, docs/configuration.md's config table and Pulumi.yaml's declarations are checked against it
 * by tests. No @pulumi imports here, so tools can load it cheaply.
 */
import { z } from "zod";
import { DatabaseSettings } from "./databaseSettings";
import { eventBridgeScheduleProblem } from "./scheduleExpression";
import { ServiceSettings } from "./serviceSettings";
import { AWS_REGIONS } from "./stackConfigKeys";

export { FARGATE_TASK_SIZES, ServiceSettings } from "./serviceSettings";

/**
 * Sane maxima: a value above them is a typo or a unit mistake (a failsafe limit of $1e9/h never
 * fires), not a setting. docs/configuration.md's config table lists every bound.
 */
export const MAX_HOURLY_USD = 10_000;
export const MAX_MONTHLY_USD = 1_000_000;
const usd = (what: string, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .positive(`must be a positive number`)
    .max(max, `must be at most ${max.toLocaleString("en-US")} (a larger value is a typo or a unit mistake)`);
const percent = z.number().min(0, "must be 0 or more").max(1000, "must be at most 1000 (percent)");
const minutes = z.number().int("must be a whole number of minutes").min(1, "must be at least 1 minute").max(24 * 60, "must be at most 1440 minutes (one day)");
const count = (max: number) => z.number().int().min(1).max(max);
/** EventBridge schedule expressions, checked with EventBridge's own rules (scheduleExpression.ts). */
export const scheduleExpression = z.string().superRefine((v, ctx) => {
  const problem = eventBridgeScheduleProblem(v);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** CloudWatch Logs' retention periods in days (PutRetentionPolicy accepts exactly these). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** SQS queue names: 1-80 letters, digits, - and _, FIFO queues ending in .fifo. */
const sqsQueueName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,75}(\.fifo)?$|^[A-Za-z0-9_-]{76,80}$/, "must be an SQS queue name: 1-80 letters, digits, - or _ (a FIFO queue's ends in .fifo), not a URL or ARN");
/**
 * Auto Scaling group names as IAM resources take them: a wildcard would let the function change
 * every group of the account, so names are listed one by one.
 */
export const autoScalingGroupName = z
  .string()
  .min(1, "must name an Auto Scaling group")
  .max(255, "must be at most 255 characters (an Auto Scaling group name)")
  .refine((v) => !/[*?]/.test(v), "must name one Auto Scaling group, not a pattern: a wildcard would let costguard change every group in the account")
  .refine((v) => !/^arn:/.test(v) && !v.includes(":") && [...v].every((ch) => ch >= " "), "must be an Auto Scaling group name, not an ARN");

const awsRegion = z.enum(AWS_REGIONS, { error: (i) => `must be an AWS region such as us-east-1 (got ${JSON.stringify(i.input)})` });
const accountId = z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id (quoted in YAML, so leading zeros stay)");

export const EnvironmentSettings = z.strictObject({
  maxHourlyUsd: usd("maxHourlyUsd", MAX_HOURLY_USD).describe("Estimated $/h above which the environment is in breach"),
  spikePercent: percent.describe("Rise of the burn rate over the window, in % of the window's lowest sample"),
  windowMinutes: minutes.describe("Spike window"),
  response: z.enum(["stop", "notify"]).describe("stop: stop the environment's workloads; notify: alert only"),
  priority: z.number().int().min(1).max(100).describe("Lower is stopped first when several environments breach"),
  dryRun: z.boolean().describe("Decide, record and notify, but change nothing"),
  unstoppableSpot: z
    .enum(["report", "terminate"])
    .optional()
    .describe("Running spot instances of a one-time request, which EC2 cannot stop: report them once (default) or let the failsafe terminate them"),
  expectedRegions: z
    .array(awsRegion)
    .min(1)
    .optional()
    .describe("Regions this environment is expected to run in; spend elsewhere is called out in the failsafe's alert (default: any region)"),
});
export type EnvironmentSettings = z.infer<typeof EnvironmentSettings>;

/** The default environments. A stack may override any field of these and add environments of its own. */
export const DEFAULT_ENVIRONMENTS: Record<string, EnvironmentSettings> = {
  dev: { maxHourlyUsd: 8, spikePercent: 3.0, windowMinutes: 20, response: "stop", priority: 1, dryRun: false },
  staging: { maxHourlyUsd: 5, spikePercent: 1.5, windowMinutes: 30, response: "stop", priority: 2, dryRun: false },
  prod: { maxHourlyUsd: 2, spikePercent: 0.5, windowMinutes: 60, response: "notify", priority: 3, dryRun: false },
};

export const NodeOptimizerSettings = z
  .strictObject({
    clusterName: z.string().min(1).describe("Name of the EKS cluster (public API endpoint)"),
    autoScalingGroups: z.array(autoScalingGroupName).max(50).default([]).describe("Node groups' Auto Scaling groups the rebalance may change (empty: drain only)"),
    rebalance: z.boolean().default(true).describe("Run the scheduled on-demand → spot rebalance"),
    rebalanceSchedule: scheduleExpression.default("rate(1 hour)").describe("When the on-demand → spot rebalance runs"),
    drainDeadlineSeconds: z.number().int().min(10).max(110, "must leave time within the 2-minute spot notice (max 110)").default(90).describe("Seconds a node's drain may take after a spot interruption warning (within the 2-minute notice)"),
    nodeReadyTimeoutSeconds: z.number().int().min(60, "must be at least 60 seconds").max(600, "must be at most 600 seconds").default(420).describe("Rebalance: how long a new node may take to be Ready"),
    rebalanceDrainSeconds: z.number().int().min(30, "must be at least 30 seconds").max(300, "must be at most 300 seconds").default(240).describe("Rebalance: how long the old node's drain may take"),
    kubernetesGroup: z.string().regex(/^[a-z0-9]([-a-z0-9:.]*[a-z0-9])?$/, "must be a Kubernetes group name (lower case, digits, - : .)").refine((g) => !g.startsWith("system:"), "must not start with system: (reserved by Kubernetes)").default("costguard-node-optimizer").describe("Kubernetes group the function's role is mapped to by an EKS access entry, bound to a ClusterRole over nodes, pods and evictions only"),
    drainOnRebalanceRecommendation: z.boolean().default(false).describe("Also cordon and drain a node on an EC2 rebalance recommendation (a hint), not only on the interruption warning"),
  })
  // One run waits for a node and drains another within Lambda's 15-minute limit.
  .refine((s) => s.nodeReadyTimeoutSeconds + s.rebalanceDrainSeconds <= 780, {
    message: "plus rebalanceDrainSeconds must be at most 780 in total (one run must fit Lambda's 15-minute limit)",
    path: ["nodeReadyTimeoutSeconds"],
  });
export type NodeOptimizerSettings = z.infer<typeof NodeOptimizerSettings>;

/** A required key's message when it is absent ("is required: why, and where to find it"); the type's when it is wrong. */
const required = (why: string) => (issue: { input: unknown; expected?: string }) => (issue.input === undefined ? `is required: ${why}` : `must be ${issue.expected === "array" ? "a list" : `a ${issue.expected}`}`);

export const OrganizationSettings = z
  .strictObject({
    memberRoleName: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, "must be an IAM role name (1-64 letters, digits and +=,.@_-)")
      .default("costguard-member")
      .describe("Name of the role the MemberAccess StackSet creates in every member account"),
    accounts: z
      .union([z.literal("all"), z.array(accountId).min(1).max(5000)], { error: 'must be "all" or a list of 12-digit account ids' })
      .default("all")
      .describe('Accounts to cover: "all" (every active account of the organisation) or a list'),
    excludeAccounts: z.array(accountId).max(5000).default([]).describe("Accounts never covered (a sandbox, a break-glass account)"),
    externalId: z
      .string({ error: required("the member role trusts the hub's functions only with this external id (sts:ExternalId): choose a random string, e.g. `openssl rand -hex 16`") })
      .regex(/^[\w+=,.@:/-]{2,1224}$/, "must be 2-1224 letters, digits and +=,.@:/-_ (an STS external id)")
      .describe("External id the member role requires of the hub's functions (sts:ExternalId)"),
    organizationId: z
      .string({ error: required("the member role trusts principals of this organisation only (aws:PrincipalOrgID): `aws organizations describe-organization --query Organization.Id`") })
      .regex(/^o-[a-z0-9]{10,32}$/, "must be an organisation id such as o-a1b2c3d4e5").describe("The organisation's id: the member role trusts only principals of it (aws:PrincipalOrgID)"),
    deploymentTargets: z
      .array(z.string().regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/, "must be the organisation's root id (r-…) or an OU id (ou-…)"), {
        error: required("the organisation root (r-…) or the OUs (ou-…) the member role is deployed to: `aws organizations list-roots --query Roots[0].Id`"),
      })
      .min(1, "must list the root or at least one OU")
      .describe("Organisation root or OUs the MemberAccess StackSet deploys to (new accounts in them are covered automatically)"),
    callAs: z.enum(["SELF", "DELEGATED_ADMIN"]).default("SELF").describe("SELF in the management account, DELEGATED_ADMIN in a delegated StackSets administrator account"),
    concurrency: z.number().int().min(1).max(200).default(100).describe("Units (account × region) one function reads at the same time (API rate limits are per account and region)"),
  })
  .describe("Organisation mode: every account of the organisation, through a member role");
export type OrganizationSettings = z.infer<typeof OrganizationSettings>;

/**
 * The whole schema. Keys are the stack-config keys without the `costguard:` prefix.
 * Objects are merged over their defaults field by field, so a stack sets only what differs.
 */
export const GuardConfigSchema = z.strictObject({
  project: z.string().min(1).default("costguard").describe("Value of the Project tag on every resource"),
  environment: z.string().min(1).optional().describe("Value of the Environment tag on costguard's own resources (default: the stack name)"),
  alertEmails: z.array(z.email("must be an e-mail address")).max(10, "AWS Budgets allows at most 10 e-mail subscribers").default([]).describe("E-mail addresses subscribed to the alert topic and budgets"),
  encryptAlerts: z.boolean().default(true).describe("Encrypt the alert topic with a customer-managed KMS key ($1/month)"),
  logRetentionDays: z
    .number()
    .int()
    .refine((v) => LOG_RETENTION_DAYS.includes(v), `must be one of CloudWatch Logs' retention periods: ${LOG_RETENTION_DAYS.join(", ")}`)
    .default(14)
    .describe("Retention of every log group costguard creates"),
  lambdaArchitecture: z.enum(["arm64", "x86_64"]).default("arm64").describe("Architecture of the guard functions"),
  monthlyBudgetUsd: usd("monthlyBudgetUsd", MAX_MONTHLY_USD).default(1).describe("Monthly cost budget of the account"),
  environmentBudgetsUsd: z.record(z.string(), usd("budget", MAX_MONTHLY_USD)).default({}).describe("Optional monthly budgets per Environment tag value"),
  anomalyThresholdUsd: usd("anomalyThresholdUsd", 100_000).default(10).describe("Minimum impact ($) of a cost anomaly worth an alert"),
  createAnomalyMonitor: z
    .boolean()
    .optional()
    .describe("Create the account's AWS-services Cost Anomaly Detection monitor (default true unless anomalyMonitorArn is set; AWS allows one such monitor per account)"),
  anomalyMonitorArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:ce::\d{12}:anomalymonitor\/[0-9a-f-]{36}$/, "must be the ARN of a Cost Anomaly Detection monitor, such as arn:aws:ce::123456789012:anomalymonitor/0a1b2c3d-4e5f-6789-abcd-ef0123456789")
    .optional()
    .describe("Subscribe the alert topic to this existing anomaly monitor instead of creating one (another stack's, or one the account already has)"),
  activateCostAllocationTag: z
    .boolean()
    .default(false)
    .describe("Activate the Environment tag as a cost-allocation tag (management or standalone account only), so per-environment budgets and reports see costs"),
  // Each entry is validated after merging over DEFAULT_ENVIRONMENTS (config.ts), so that a
  // new environment must give every field while a known one may give only what differs.
  environments: z
    .record(z.string(), z.record(z.string(), z.unknown(), { error: "must be an object of environment settings" }))
    .default({})
    .describe("Per-environment thresholds and response, merged over the defaults"),
  failsafe: z
    .strictObject({
      enabled: z.boolean().default(true).describe("Deploy the burn-rate check and the failsafe"),
      schedule: scheduleExpression.default("rate(2 minutes)").describe("How often the burn rate is checked"),
      maxActionsPerRun: z.number().int().min(1).max(500).default(20).describe("Cap on stop actions per run"),
      globalMaxHourlyUsd: usd("globalMaxHourlyUsd", MAX_HOURLY_USD).default(25).describe("Estimated $/h of the whole account above which it is in breach"),
      globalSpikePercent: percent.default(1.0).describe("Rise of the account's burn rate over the window, in % of the window's lowest sample, that is a spike"),
      globalWindowMinutes: minutes.default(60).describe("Spike window of the account-wide burn rate"),
      untaggedMaxHourlyUsd: usd("untaggedMaxHourlyUsd", MAX_HOURLY_USD).default(5).describe("Estimated $/h of resources without an Environment tag above which they are in breach"),
      stopUntagged: z.boolean().default(true).describe("On an untagged breach, stop untagged stand-alone instances"),
      sampleRetentionHours: z.number().int().min(2).max(24 * 31).default(48).describe("Hours burn-rate samples are kept (TTL)"),
    })
    .prefault({})
    .describe("Burn-rate check and graduated failsafe"),
  spot: z
    .strictObject({
      enabled: z.boolean().default(true).describe("Deploy spot interruption handling, the circuit breakers and the advice API"),
      breakerThreshold: count(100).default(3).describe("Interruptions of an instance type within breakerWindowMinutes that open its circuit (advice: on-demand)"),
      breakerWindowMinutes: minutes.default(15).describe("Window in which interruptions are counted"),
      breakerCooldownMinutes: minutes.default(30).describe("Minutes an open circuit waits before a half-open probe; doubled each time a probe is interrupted"),
      breakerMaxCooldownMinutes: minutes.default(240).describe("Cap of the doubled cooldown"),
      breakerQuietMinutes: minutes.default(30).describe("Minutes without interruption after the half-open probe launched that close the circuit"),
      breakerProbeClaimMinutes: minutes.default(20).describe("Minutes a claimed half-open probe may go unconfirmed before the next launcher probes instead"),
      breakerPerAz: z.boolean().default(false).describe("One circuit per instance type and Availability Zone (by AZ ID) instead of per instance type"),
      poolPoisonDays: z.number().int().min(1).max(365).default(15).describe("Days an interruption in a poisoning environment marks its pool (type + AZ) as risky"),
      poisoningEnvironments: z.array(z.string()).max(20).default(["prod"]).describe("Environment tag values whose interruptions poison a pool"),
      optimizerEnabled: z.boolean().default(true).describe("Run the ASG optimizer: on-demand instances of opted-in Auto Scaling groups replaced by spot, capacity never dropping"),
      optimizerSchedule: scheduleExpression.default("rate(30 minutes)").describe("How often the ASG optimizer runs"),
      minOnDemandDefault: z.number().int().min(0).max(1000).default(1).describe("On-demand instances an opted-in group keeps when it has no costguard:min-on-demand tag"),
      optimizerLaunchTemplates: z
        .array(z.string().regex(/^arn:aws[a-z-]*:ec2:[a-z0-9-]+:\d{12}:launch-template\/lt-[0-9a-f]+$/, "must be a launch template ARN such as arn:aws:ec2:us-east-1:123456789012:launch-template/lt-0abc"))
        .max(100)
        .default([])
        .describe("Launch templates the ASG optimizer may launch from; empty: those tagged costguard:spot-optimize=true"),
      optimizerInstanceRoles: z
        .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN such as arn:aws:iam::123456789012:role/web-instance"))
        .max(100)
        .default([])
        .describe("Instance roles the ASG optimizer may pass to EC2; empty: those tagged costguard:spot-optimize=true"),
      optimizerKmsKeys: z
        .array(z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/, "must be a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-..."))
        .max(100)
        .default([])
        .describe("Customer-managed KMS keys of the groups' encrypted volumes, used only through EC2; empty: any key of the account and region, through EC2 only"),
    })
    .refine((s) => s.breakerMaxCooldownMinutes >= s.breakerCooldownMinutes, {
      path: ["breakerMaxCooldownMinutes"],
      message: "must be at least breakerCooldownMinutes (the cap of the doubled cooldown)",
    })
    .prefault({})
    .describe("Spot interruption handling, circuit breaker, pool risk and ASG optimizer"),
  wasteScanner: z
    .strictObject({
      enabled: z.boolean().default(true).describe("Deploy the daily waste scan"),
      schedule: scheduleExpression.default("cron(0 6 * * ? *)").describe("When the daily scan runs"),
      unattachedVolumeDays: z.number().int().min(0).max(365).default(7).describe("Days a volume must be seen unattached before it is waste"),
      snapshotAgeDays: z.number().int().min(1).max(3653).default(30).describe("Age in days above which a snapshot no own AMI or launch template uses is waste"),
      stoppedInstanceDays: z.number().int().min(1).max(365).default(14).describe("Days an instance must be stopped before its EBS cost is waste"),
      cleanup: z.enum(["off", "dry-run", "apply"]).default("off").describe("Clean-up of findings: off, dry-run (report only) or apply"),
      cleanupGraceDays: z.number().int().min(1).max(90).default(7).describe("Days between tagging a finding costguard:cleanup-due and acting on it"),
      cleanupMaxActionsPerRun: z.number().int().min(1).max(500).default(20).describe("Cap on clean-up actions per run"),
    })
    .prefault({})
    .describe("Daily waste scan and its optional clean-up"),
  enforcer: z
    .strictObject({
      enabled: z.boolean().default(true).describe("Deploy the enforcer"),
      schedule: scheduleExpression.default("rate(1 hour)").describe("When the enforcer runs"),
      authorizationTags: z
        .array(z.string().min(1).regex(/^[^=]+(=.*)?$/, 'must be "Key=Value" or "Key"'))
        .min(1, "must list at least one tag")
        .default(["ManagedBy=costguard", "aws:autoscaling:groupName", "eks:cluster-name"])
        .describe("A running instance is authorised when it carries one of these tags (Key=Value or Key)"),
      mode: z.enum(["audit", "stop", "terminate"]).default("audit").describe("After the grace period: audit (flag only), stop or terminate"),
      graceHours: z.number().min(0).max(720, "must be at most 720 hours (30 days)").default(24).describe("Hours between flagging an unauthorised instance and acting on it"),
      maxActionsPerRun: z.number().int().min(1).max(500).default(20).describe("Cap on stop/terminate actions per run"),
    })
    .prefault({})
    .describe("Enforcer for unauthorised running instances"),
  report: z
    .strictObject({
      enabled: z.boolean().default(true).describe("Deploy the daily cost report"),
      schedule: scheduleExpression.default("cron(0 9 * * ? *)").describe("When the daily report runs (UTC)"),
      retentionDays: z.number().int().min(1).max(3653).default(400).describe("Days a stored report is kept in the bucket"),
      maxCostExplorerRequests: z
        .number()
        .int()
        .min(1, "must be at least 1 (the daily cost series)")
        .max(5, "must be at most 5: the report makes at most 5 Cost Explorer requests ($0.01 each) per run")
        .default(5)
        .describe("Cost Explorer requests per run ($0.01 each): 1 = series only, 2 = + by environment, 3 = + forecast; more only absorb pagination"),
    })
    .prefault({})
    .describe("Daily cost report"),
  dashboard: z
    .strictObject({
      watchedQueues: z.array(sqsQueueName).max(50).default([]).describe("SQS queue names whose depth and age the dashboard shows"),
    })
    .prefault({})
    .describe("CloudWatch dashboard"),
  alarms: z
    .strictObject({
      oldestMessageAgeSeconds: z.number().positive().max(1_209_600, "must be at most 1209600 seconds (14 days, SQS's longest retention)").default(300).describe("Age (s) of a watched queue's oldest message that raises the queue alarm"),
      apiErrorsPer5Minutes: z.number().positive().max(100_000).default(5).describe("Errors of the spot advice API in 5 minutes that raise its alarm"),
      spotInterruptionRatePercent: z.number().positive().max(100).default(20).describe("Spot interruptions over 15 minutes, in % of the running spot instances, that raise the interruption-rate alarm"),
      poolUtilisation: z.number().positive().max(1).default(0.95).describe("Share (0 to 1) of the account's Lambda concurrency in use that raises the pool-utilisation alarm"),
      deadLetterMessages: z.number().positive().max(100_000).default(10).describe("Messages in the guard's dead-letter queue that raise its alarm"),
      serviceCpuPercent: z.number().positive().max(100).default(80).describe("Average CPU (%) of a Fargate service over 2 × 5 minutes that raises its CPU alarm"),
      serviceMemoryPercent: z.number().positive().max(100).default(80).describe("Average memory (%) of a Fargate service over 2 × 5 minutes that raises its memory alarm"),
      lambdaConcurrencyLimit: z
        .number()
        .int()
        .positive()
        .max(1_000_000)
        .optional()
        .describe("Divide Lambda concurrency by this number instead of the account's quota as Service Quotas reports it (SERVICE_QUOTA): only where that quota is not available"),
      guardErrorsScope: z
        .enum(["functions", "account"])
        .default("functions")
        .describe("functions: the guard-errors alarm reads each function's Errors (one billed alarm metric each); account: one account-wide metric"),
    })
    .prefault({})
    .describe("Alarm thresholds"),
  regions: z
    .union([z.literal("all"), z.array(awsRegion).min(1).max(AWS_REGIONS.length)], { error: 'must be "all" or a list of AWS regions' })
    .optional()
    .describe('Regions the failsafe, waste scanner and enforcer cover: "all" (every region enabled in the account) or a list (default: the stack\'s region)'),
  organization: OrganizationSettings.optional(),
  services: z.array(ServiceSettings).default([]).describe("Cost-aware Fargate services to run"),
  databases: z.array(DatabaseSettings).max(20).default([]).describe("Cost-aware PostgreSQL databases on RDS for the services (services[].databases names them)"),
  nodeOptimizer: NodeOptimizerSettings.optional().describe("EKS cluster whose nodes the node optimizer drains and rebalances to spot"),
  sshAllowedCidr: z.cidrv4("must be an IPv4 CIDR such as 203.0.113.0/24").optional().describe("CIDR allowed SSH to debug instances outside production; production uses SSM Session Manager only"),
  slackWebhookHosts: z
    .array(z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, "must be a host name such as hooks.slack.com"))
    .min(1, "must list at least one host")
    .max(10)
    .default(["hooks.slack.com"])
    .describe("Hosts the Slack webhook URL may point at (a Slack-compatible relay, or a test server)"),
});
export type GuardConfigInput = z.input<typeof GuardConfigSchema>;
export type GuardConfigParsed = z.output<typeof GuardConfigSchema>;
