/**
 * Bad (and borderline good) stack and policy configs, as a user who makes mistakes writes them.
 * Each case says what the plan must do: exit 2 with a message containing `says`, or exit 0
 * (accepted, possibly with a warning that states why).
 */

export interface StackCase {
  name: string;
  /** `ns:key` → value as written in Pulumi.<stack>.yaml (objects allowed). `aws:region` defaults to us-east-1; null removes it. */
  config: Record<string, unknown>;
  stack?: string;
  /** Keys stored as secrets (`secure:`). */
  secrets?: string[];
  exit: 0 | 2;
  /** A substring (or pattern) of the one-line message; for exit 0, of a warning when given. */
  says?: string | RegExp;
  /** Text that must never appear in any message (a secret). */
  never?: string;
}

const svc = (extra: Record<string, unknown>) => [{ name: "web", image: "nginx:stable", port: 80, ...extra }];
/** A valid organisation section, with fields replaced (undefined removes one). */
const org = (over: Record<string, unknown> = {}) =>
  Object.fromEntries(Object.entries({ externalId: "costguard-ext-1", organizationId: "o-a1b2c3d4e5", deploymentTargets: ["r-ab12"], ...over }).filter(([, v]) => v !== undefined));
const hook = "https://hooks.slack.com/services/T0SECRET/B0SECRET/s3cr3tW3bh00k";

export const STACK_CASES: StackCase[] = [
  // Schedules: EventBridge's own rules.
  { name: "rate of zero", config: { "costguard:failsafe": { schedule: "rate(0 minutes)" } }, exit: 2, says: 'costguard:failsafe.schedule is not a valid EventBridge schedule: rate() must have a positive whole number as its value (got "0")' },
  { name: "plural value, singular unit", config: { "costguard:failsafe": { schedule: "rate(5 minute)" } }, exit: 2, says: "must use the plural unit with 5: rate(5 minutes)" },
  { name: "value 1, plural unit", config: { "costguard:enforcer": { schedule: "rate(1 hours)" } }, exit: 2, says: "costguard:enforcer.schedule is not a valid EventBridge schedule: rate() must use the singular unit with 1: rate(1 hour)" },
  { name: "rate in weeks", config: { "costguard:report": { schedule: "rate(2 weeks)" } }, exit: 2, says: 'must have a unit of minute(s), hour(s) or day(s) (got "weeks")' },
  { name: "fractional rate", config: { "costguard:spot": { optimizerSchedule: "rate(1.5 hours)" } }, exit: 2, says: "costguard:spot.optimizerSchedule is not a valid EventBridge schedule: rate() must have a positive whole number" },
  { name: "cron with five fields", config: { "costguard:wasteScanner": { schedule: "cron(0 9 * * ?)" } }, exit: 2, says: "cron() must have six fields (minutes hours day-of-month month day-of-week year), not 5" },
  { name: "cron with ? in both day fields", config: { "costguard:report": { schedule: "cron(0 9 ? * ? *)" } }, exit: 2, says: 'must have "?" in exactly one of day-of-month and day-of-week (got "?" and "?")' },
  { name: "cron with ? in neither day field", config: { "costguard:report": { schedule: "cron(0 9 * * MON *)" } }, exit: 2, says: 'must have "?" in exactly one of day-of-month and day-of-week (got "*" and "MON")' },
  { name: "cron minute 60", config: { "costguard:report": { schedule: "cron(60 9 * * ? *)" } }, exit: 2, says: 'its minutes field "60" must use values in 0-59' },
  { name: "cron hour 24", config: { "costguard:report": { schedule: "cron(0 24 * * ? *)" } }, exit: 2, says: 'its hours field "24" must use values in 0-23' },
  { name: "cron month 13", config: { "costguard:report": { schedule: "cron(0 9 1 13 ? *)" } }, exit: 2, says: 'its month field "13" must use values in 1-12 or JAN-DEC' },
  { name: "cron day-of-week 8", config: { "costguard:report": { schedule: "cron(0 9 ? * 8 *)" } }, exit: 2, says: 'its day-of-week field "8" must use values in 1-7 or SUN-SAT' },
  { name: "cron year before 1970", config: { "costguard:report": { schedule: "cron(0 9 * * ? 1969)" } }, exit: 2, says: 'its year field "1969" must use values in 1970-2199' },
  { name: "cron sixth Monday", config: { "costguard:report": { schedule: "cron(0 9 ? * MON#6 *)" } }, exit: 2, says: "must be day#n with a day of the week and n from 1 to 5" },
  { name: "cron ? in minutes", config: { "costguard:report": { schedule: "cron(? 9 * * ? *)" } }, exit: 2, says: 'its minutes field cannot be "?"' },
  { name: "cron misspelt day", config: { "costguard:report": { schedule: "cron(0 9 ? * MONDAY *)" } }, exit: 2, says: 'its day-of-week field "MONDAY" must use values in 1-7 or SUN-SAT' },
  { name: "prose schedule", config: { "costguard:failsafe": { schedule: "every 2 minutes" } }, exit: 2, says: "costguard:failsafe.schedule must be an EventBridge schedule: rate(value unit) or cron(six fields)" },
  { name: "scale-to-zero with a singular plural", config: { "costguard:services": svc({ scaleToZero: { stopSchedule: "rate(5 minute)" } }) }, exit: 2, says: "costguard:services.0.scaleToZero.stopSchedule is not a valid Application Auto Scaling schedule: rate() must use the plural unit" },
  { name: "scale-to-zero at() on 30 February", config: { "costguard:services": svc({ scaleToZero: { startSchedule: "at(2027-02-30T08:00:00)" } }) }, exit: 2, says: "at(2027-02-30T08:00:00) is not a real date and time" },
  { name: "scale-to-zero cron without ?", config: { "costguard:services": svc({ scaleToZero: { stopSchedule: "cron(0 18 * * MON-FRI *)" } }) }, exit: 2, says: 'costguard:services.0.scaleToZero.stopSchedule is not a valid Application Auto Scaling schedule: cron() must have "?" in exactly one' },

  { name: "valid schedules of every form", config: { "costguard:failsafe": { schedule: "rate(1 minute)" }, "costguard:report": { schedule: "cron(0/15 8-18 ? * MON-FRI *)" }, "costguard:wasteScanner": { schedule: "cron(0 6 L * ? 2026-2030)" }, "costguard:enforcer": { schedule: "cron(30 2 ? JAN,JUL 6L *)" }, "costguard:spot": { optimizerSchedule: "cron(*/10 * 15W * ? *)" } }, exit: 0 },
  { name: "valid scale-to-zero schedules", config: { "costguard:services": svc({ scaleToZero: { stopSchedule: "cron(0 18 ? * 2#1 *)", startSchedule: "at(2027-01-04T08:00:00)" } }) }, exit: 0 },

  // Keys in no known namespace, or misspelt.
  { name: "namespace typo", config: { "costgaurd:failsafe": { enabled: false } }, exit: 2, says: 'costgaurd:failsafe is in namespace "costgaurd", which nothing reads: did you mean costguard:failsafe?' },
  { name: "aws key typo", config: { "aws:regoin": "us-east-1" }, exit: 2, says: "aws:regoin is not an AWS provider setting: did you mean aws:region?" },
  { name: "top-level key typo", config: { "costguard:montlyBudgetUsd": 5 }, exit: 2, says: 'unknown key "montlyBudgetUsd" ("montlyBudgetUsd": did you mean "monthlyBudgetUsd"?)' },
  { name: "nested key typo", config: { "costguard:failsafe": { maxActionsPerRn: 3 } }, exit: 2, says: 'costguard:failsafe has unknown key "maxActionsPerRn" ("maxActionsPerRn": did you mean "maxActionsPerRun"?): check the spelling against docs/configuration.md' },
  { name: "spot has no autoScalingGroups (a wildcard there is refused too)", config: { "costguard:spot": { autoScalingGroups: ["*"] } }, exit: 2, says: 'costguard:spot has unknown key "autoScalingGroups"' },

  // Regions.
  { name: "region on the moon", config: { "aws:region": "moon-west-1" }, exit: 2, says: 'aws:region must be an AWS region such as us-east-1 (got "moon-west-1")' },
  { name: "region typo", config: { "aws:region": "us-east-l" }, exit: 2, says: "did you mean us-east-1?" },
  { name: "no region", config: { "aws:region": null }, exit: 2, says: "aws:region is not set: run `pulumi config set aws:region <region>`" },
  { name: "real region without catalog prices", config: { "aws:region": "eu-central-1" }, exit: 0, says: "aws:region eu-central-1 is an AWS region the pricing catalog has no prices for" },

  // Absurd values: every amount has a sane maximum.
  { name: "monthly budget of 1e12", config: { "costguard:monthlyBudgetUsd": 1e12 }, exit: 2, says: "costguard:monthlyBudgetUsd must be at most 1,000,000" },
  { name: "maxHourlyUsd 1e9", config: { "costguard:environments": { dev: { maxHourlyUsd: 1e9 } } }, exit: 2, says: "costguard:environments.dev.maxHourlyUsd must be at most 10,000" },
  { name: "global max 1e9", config: { "costguard:failsafe": { globalMaxHourlyUsd: 1e9 } }, exit: 2, says: "costguard:failsafe.globalMaxHourlyUsd must be at most 10,000" },
  { name: "untagged max 1e9", config: { "costguard:failsafe": { untaggedMaxHourlyUsd: 1e9 } }, exit: 2, says: "costguard:failsafe.untaggedMaxHourlyUsd must be at most 10,000" },
  { name: "environment budget 1e12", config: { "costguard:environmentBudgetsUsd": { dev: 1e12 } }, exit: 2, says: "costguard:environmentBudgetsUsd.dev must be at most 1,000,000" },
  { name: "anomaly threshold 1e9", config: { "costguard:anomalyThresholdUsd": 1e9 }, exit: 2, says: "costguard:anomalyThresholdUsd must be at most 100,000" },
  { name: "1000 actions per run", config: { "costguard:failsafe": { maxActionsPerRun: 1000 } }, exit: 2, says: "costguard:failsafe.maxActionsPerRun must be at most 500 (got 1000)" },
  { name: "no actions per run", config: { "costguard:failsafe": { maxActionsPerRun: 0 } }, exit: 2, says: "costguard:failsafe.maxActionsPerRun must be at least 1 (got 0)" },
  { name: "window of 2000 minutes", config: { "costguard:environments": { dev: { windowMinutes: 2000 } } }, exit: 2, says: "costguard:environments.dev.windowMinutes must be at most 1440 minutes" },
  { name: "grace of 10000 hours", config: { "costguard:enforcer": { graceHours: 10000 } }, exit: 2, says: "costguard:enforcer.graceHours must be at most 720 hours" },
  { name: "queue age 1e9 s", config: { "costguard:alarms": { oldestMessageAgeSeconds: 1e9 } }, exit: 2, says: "costguard:alarms.oldestMessageAgeSeconds must be at most 1209600 seconds" },
  { name: "report kept 100000 days", config: { "costguard:report": { retentionDays: 100000 } }, exit: 2, says: "costguard:report.retentionDays must be at most 3653 (got 100000)" },
  { name: "clean-up grace of a year", config: { "costguard:wasteScanner": { cleanupGraceDays: 365 } }, exit: 2, says: "costguard:wasteScanner.cleanupGraceDays must be at most 90 (got 365)" },
  { name: "breaker threshold 1000", config: { "costguard:spot": { breakerThreshold: 1000 } }, exit: 2, says: "costguard:spot.breakerThreshold must be at most 100 (got 1000)" },
  { name: "priority 0", config: { "costguard:environments": { dev: { priority: 0 } } }, exit: 2, says: "costguard:environments.dev.priority must be at least 1 (got 0)" },
  { name: "budget in words", config: { "costguard:environments": { dev: { maxHourlyUsd: "eight" } } }, exit: 2, says: 'costguard:environments.dev.maxHourlyUsd must be a number (got "eight")' },
  { name: "new environment without its fields", config: { "costguard:environments": { qa: { maxHourlyUsd: 3 } } }, exit: 2, says: "costguard:environments.qa.spikePercent must be a number (got nothing)" },

  // Names AWS refuses, and wildcards.
  { name: "queue URL instead of name", config: { "costguard:dashboard": { watchedQueues: ["https://sqs.us-east-1.amazonaws.com/123456789012/jobs"] } }, exit: 2, says: "costguard:dashboard.watchedQueues.0 must be an SQS queue name: 1-80 letters, digits, - or _" },
  { name: "queue name with a space", config: { "costguard:dashboard": { watchedQueues: ["my jobs"] } }, exit: 2, says: 'costguard:dashboard.watchedQueues.0 must be an SQS queue name' },
  { name: "queue name of 81 characters", config: { "costguard:dashboard": { watchedQueues: ["q".repeat(81)] } }, exit: 2, says: "costguard:dashboard.watchedQueues.0 must be an SQS queue name" },
  { name: "node group wildcard", config: { "costguard:nodeOptimizer": { clusterName: "prod", autoScalingGroups: ["*"] } }, exit: 2, says: "costguard:nodeOptimizer.autoScalingGroups.0 must name one Auto Scaling group, not a pattern" },
  { name: "node group ARN", config: { "costguard:nodeOptimizer": { clusterName: "prod", autoScalingGroups: ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/ng"] } }, exit: 2, says: "must be an Auto Scaling group name, not an ARN" },

  // Production rules.
  { name: "terminate at once in prod", stack: "prod", config: { "costguard:enforcer": { mode: "terminate", graceHours: 0 } }, exit: 2, says: 'costguard:enforcer.graceHours must be at least 1 with mode "terminate" in production (got 0)' },
  { name: "terminate at once outside prod", config: { "costguard:enforcer": { mode: "terminate", graceHours: 0 } }, exit: 0 },
  { name: "SSH in prod, even narrow", stack: "prod", config: { "costguard:sshAllowedCidr": "203.0.113.0/24" }, exit: 2, says: "costguard:sshAllowedCidr must not be set in production" },
  { name: "SSH from anywhere in prod", stack: "prod", config: { "costguard:sshAllowedCidr": "0.0.0.0/0" }, exit: 2, says: "use SSM Session Manager" },
  { name: "SSH from a narrow CIDR in dev", config: { "costguard:sshAllowedCidr": "203.0.113.0/24" }, exit: 0 },

  // The Slack webhook: a secret of the right shape, never echoed.
  { name: "webhook stored in plain text", config: { "costguard:slackWebhookUrl": hook }, exit: 2, says: "costguard:slackWebhookUrl must be stored as a secret", never: "s3cr3tW3bh00k" },
  { name: "bare https://", config: { "costguard:slackWebhookUrl": "https://" }, secrets: ["costguard:slackWebhookUrl"], exit: 2, says: "costguard:slackWebhookUrl must be an https:// incoming-webhook URL" },
  { name: "webhook on port 99999", config: { "costguard:slackWebhookUrl": "https://hooks.slack.com:99999/services/T0SECRET/B0SECRET/s3cr3tW3bh00k" }, secrets: ["costguard:slackWebhookUrl"], exit: 2, says: "not a valid URL", never: "s3cr3tW3bh00k" },
  { name: "webhook on another host", config: { "costguard:slackWebhookUrl": "https://example.com/hooks/s3cr3tW3bh00k" }, secrets: ["costguard:slackWebhookUrl"], exit: 2, says: "must point at one of hooks.slack.com (got a URL for example.com", never: "s3cr3tW3bh00k" },
  { name: "webhook over http", config: { "costguard:slackWebhookUrl": "http://hooks.slack.com/services/T0SECRET/B0SECRET/s3cr3tW3bh00k" }, secrets: ["costguard:slackWebhookUrl"], exit: 2, says: "must be an https:// URL (got a http:// URL", never: "s3cr3tW3bh00k" },
  { name: "webhook without its path", config: { "costguard:slackWebhookUrl": "https://hooks.slack.com/" }, secrets: ["costguard:slackWebhookUrl"], exit: 2, says: "must be a Slack incoming-webhook URL: https://hooks.slack.com/services/T…/B…/…" },
  { name: "webhook on an allow-listed relay", config: { "costguard:slackWebhookUrl": "https://relay.example.com/slack/s3cr3t", "costguard:slackWebhookHosts": ["relay.example.com"] }, secrets: ["costguard:slackWebhookUrl"], exit: 0 },
  { name: "allow-list entry that is not a host", config: { "costguard:slackWebhookHosts": ["https://relay.example.com"] }, exit: 2, says: "costguard:slackWebhookHosts.0 must be a host name such as hooks.slack.com" },

  // CloudWatch Logs retention: exactly the values CloudWatch accepts.
  { name: "retention 400 days", config: { "costguard:logRetentionDays": 400 }, exit: 0 },
  { name: "retention 3653 days", config: { "costguard:logRetentionDays": 3653 }, exit: 0 },
  { name: "retention 13 days", config: { "costguard:logRetentionDays": 13 }, exit: 2, says: "costguard:logRetentionDays must be one of CloudWatch Logs' retention periods: 1, 3, 5" },
  { name: "retention 0 (never expire) is not a period", config: { "costguard:logRetentionDays": 0 }, exit: 2, says: "(got 0)" },

  // Secrets in a service's environment: named by key and type only, never echoed.
  { name: "secrets as a string", config: { "costguard:services": svc({ secrets: "DB_PASSWORD=hunter2" }) }, exit: 2, says: "costguard:services.0.secrets must be an object (got a string, not shown in case it is secret)", never: "hunter2" },
  { name: "environment as a list", config: { "costguard:services": svc({ environment: ["DB_PASSWORD=hunter2"] }) }, exit: 2, says: "costguard:services.0.environment must be an object (got an array, not shown", never: "hunter2" },
  { name: "environment value not a string", config: { "costguard:services": svc({ environment: { DB_PASSWORD: 12345678 } }) }, exit: 2, says: "costguard:services.0.environment.DB_PASSWORD must be a string (got a number, not shown", never: "12345678" },
  { name: "secret reference that is a value", config: { "costguard:services": svc({ secrets: { DB_PASSWORD: "hunter2" } }) }, exit: 2, says: "costguard:services.0.secrets.DB_PASSWORD must reference a secret, not hold one", never: "hunter2" },
  { name: "DB_PASS in plain environment", config: { "costguard:services": svc({ environment: { DB_PASS: "hunter2" } }) }, exit: 2, says: "costguard:services.0.environment.DB_PASS looks like a secret (its name says it holds a secret", never: "hunter2" },
  { name: "MYSQL_PWD in plain environment", config: { "costguard:services": svc({ environment: { MYSQL_PWD: "hunter2" } }) }, exit: 2, says: "environment.MYSQL_PWD looks like a secret", never: "hunter2" },
  { name: "ENCRYPTION_KEY in plain environment", config: { "costguard:services": svc({ environment: { ENCRYPTION_KEY: "0123456789abcdef" } }) }, exit: 2, says: "environment.ENCRYPTION_KEY looks like a secret", never: "0123456789abcdef" },
  { name: "SENTRY_TOKEN in plain environment", config: { "costguard:services": svc({ environment: { SENTRY_TOKEN: "abc123" } }) }, exit: 2, says: "environment.SENTRY_TOKEN looks like a secret", never: "abc123" },
  { name: "CREDENTIALS in plain environment", config: { "costguard:services": svc({ environment: { CREDENTIALS: "user:hunter2" } }) }, exit: 2, says: "environment.CREDENTIALS looks like a secret", never: "hunter2" },
  { name: "database URL with its password", config: { "costguard:services": svc({ environment: { DATABASE_URL: "postgres://app:hunter2@db.internal:5432/app" } }) }, exit: 2, says: "environment.DATABASE_URL looks like a secret (its value looks like a URL with a password in it)", never: "hunter2" },
  { name: "services as a string", config: { "costguard:services": "web=DB_PASSWORD:hunter2" }, exit: 2, says: "costguard:services must be an array (got a string, not shown", never: "hunter2" },
  { name: "ordinary environment values", config: { "costguard:services": svc({ environment: { PWD: "/srv", LOG_LEVEL: "debug", PARTITION_KEY: "pk", PASS_THROUGH: "true", TOKEN_TTL: "3600" } }) }, exit: 0 },

  // Databases: names refer, the password never appears, RDS's own limits.
  { name: "service names an unknown database", config: { "costguard:databases": [{ name: "app" }], "costguard:services": svc({ databases: ["ap"] }) }, exit: 2, says: 'costguard:services.0.databases names "ap", which is not a database of costguard:databases (service "web"; known: app)' },
  { name: "service names a database when none is declared", config: { "costguard:services": svc({ databases: ["app"] }) }, exit: 2, says: 'costguard:services.0.databases names "app", which is not a database of costguard:databases (service "web"; known: none)' },
  { name: "database named twice by one service", config: { "costguard:databases": [{ name: "app" }], "costguard:services": svc({ databases: ["app", "app"] }) }, exit: 2, says: 'costguard:services.0.databases names "app" twice' },
  { name: "two databases with one name", config: { "costguard:databases": [{ name: "app" }, { name: "app", instanceClass: "db.t4g.small" }] }, exit: 2, says: 'costguard:databases has two databases named "app": names must be unique' },
  { name: "database password in config", config: { "costguard:databases": [{ name: "app", password: "hunter2" }] }, exit: 2, says: 'costguard:databases.0 has unknown key "password": RDS generates the master password and keeps it in Secrets Manager (manageMasterUserPassword); remove it', never: "hunter2" },
  { name: "database masterPassword in config", config: { "costguard:databases": [{ name: "app", masterPassword: "hunter2" }] }, exit: 2, says: 'has unknown key "masterPassword": RDS generates the master password', never: "hunter2" },
  { name: "database storage below gp3's minimum", config: { "costguard:databases": [{ name: "app", allocatedStorageGb: 10 }] }, exit: 2, says: "costguard:databases.0.allocatedStorageGb must be at least 20 GB (gp3's minimum on RDS) (got 10)" },
  { name: "database class without db. prefix", config: { "costguard:databases": [{ name: "app", instanceClass: "t4g.micro" }] }, exit: 2, says: 'costguard:databases.0.instanceClass must be an RDS instance class such as "db.t4g.micro" (got "t4g.micro")' },
  { name: "database name with two dashes", config: { "costguard:databases": [{ name: "my--db" }] }, exit: 2, says: "costguard:databases.0.name must be lower-case letters, digits and single dashes, starting with a letter and not ending with a dash (max 31)" },
  { name: "database autoscaling limit below its storage", config: { "costguard:databases": [{ name: "app", allocatedStorageGb: 100, maxAllocatedStorageGb: 50 }] }, exit: 2, says: "costguard:databases.0.maxAllocatedStorageGb must be more than allocatedStorageGb, 100: storage autoscaling grows up to it (got 50)" },
  { name: "database schedule with a singular plural", config: { "costguard:databases": [{ name: "app", scaleToZero: { stopSchedule: "rate(5 minute)" } }] }, exit: 2, says: "costguard:databases.0.scaleToZero.stopSchedule is not a valid EventBridge Scheduler schedule: rate() must use the plural unit" },
  { name: "database stopped and scheduled to start", config: { "costguard:databases": [{ name: "app", stopped: true, scaleToZero: { enabled: true } }] }, exit: 2, says: 'costguard:databases.0.scaleToZero.enabled must not be true when stopped is true (database "app"): a stopped database has no start schedule' },
  { name: "database scale-to-zero in prod", stack: "prod", config: { "costguard:databases": [{ name: "app", scaleToZero: { enabled: true } }] }, exit: 2, says: 'costguard:databases.0.scaleToZero.enabled must not be true in prod (database "app")' },
  { name: "service environment clashes with its database's variables", config: { "costguard:databases": [{ name: "app" }], "costguard:services": svc({ databases: ["app"], environment: { PGHOST: "localhost" } }) }, exit: 2, says: 'costguard:services.0.environment.PGHOST is also set by database "app": give it in one place only' },
  { name: "service in another VPC than its database", config: { "costguard:databases": [{ name: "app" }], "costguard:services": svc({ databases: ["app"], vpc: { vpcId: "vpc-0abc", subnetIds: ["subnet-0abc"] } }) }, exit: 2, says: 'costguard:services.0.databases names "app", which runs in costguard\'s service network while service "web" runs in vpc-0abc: a database is reachable from its own VPC only' },
  { name: "database in an existing VPC with one subnet", config: { "costguard:databases": [{ name: "app", vpc: { vpcId: "vpc-0abc", subnetIds: ["subnet-0abc"] } }] }, exit: 2, says: "costguard:databases.0.vpc.subnetIds must list at least 2 subnets in different Availability Zones (an RDS DB subnet group needs two)" },
  { name: "a database and the service that uses it", config: { "costguard:databases": [{ name: "app", stopped: true }], "costguard:services": svc({ databases: ["app"] }) }, exit: 0 },
  { name: "a database and a service in the same existing VPC", config: { "costguard:databases": [{ name: "app", vpc: { vpcId: "vpc-0abc", subnetIds: ["subnet-0a", "subnet-0b"] } }], "costguard:services": svc({ databases: ["app"], vpc: { vpcId: "vpc-0abc", subnetIds: ["subnet-0c"] } }) }, exit: 0 },

  // Organisation mode: the member role's trust needs the organisation, the external id and where to deploy it.
  { name: "organisation mode, valid", config: { "costguard:regions": ["us-east-1", "eu-west-1"], "costguard:organization": org() }, exit: 0 },
  { name: "organisation id not o-…", config: { "costguard:organization": org({ organizationId: "123456789012" }) }, exit: 2, says: 'costguard:organization.organizationId must be an organisation id such as o-a1b2c3d4e5 (got "123456789012")' },
  { name: "organisation without externalId", config: { "costguard:organization": org({ externalId: undefined }) }, exit: 2, says: "costguard:organization.externalId is required: the member role trusts the hub's functions only with this external id" },
  { name: "organisation without deploymentTargets", config: { "costguard:organization": org({ deploymentTargets: undefined }) }, exit: 2, says: "costguard:organization.deploymentTargets is required: the organisation root (r-…) or the OUs (ou-…) the member role is deployed to" },
  { name: "organisation without organizationId", config: { "costguard:organization": org({ organizationId: undefined }) }, exit: 2, says: "costguard:organization.organizationId is required" },
  { name: "organisation mode with the failsafe off", config: { "costguard:organization": org(), "costguard:failsafe": { enabled: false } }, exit: 2, says: "costguard:organization needs the failsafe (costguard:failsafe.enabled is false): the organisation sweep runs through the failsafe function" },
  { name: "account listed twice", config: { "costguard:organization": org({ accounts: ["111111111111", "111111111111"] }) }, exit: 2, says: 'costguard:organization.accounts lists "111111111111" twice' },
  { name: "account both covered and excluded", config: { "costguard:organization": org({ accounts: ["111111111111", "222222222222"], excludeAccounts: ["222222222222"] }) }, exit: 2, says: 'costguard:organization.excludeAccounts names "222222222222", which costguard:organization.accounts lists: keep it in one of them' },
  { name: "region listed twice", config: { "costguard:regions": ["us-east-1", "us-east-1"] }, exit: 2, says: 'costguard:regions lists "us-east-1" twice' },
  { name: "expected region not covered", config: { "costguard:regions": ["us-east-1"], "costguard:environments": { dev: { expectedRegions: ["eu-west-1"] } } }, exit: 2, says: 'costguard:environments.dev.expectedRegions names "eu-west-1", which costguard:regions does not cover (covered: us-east-1)' },

  // Other shapes.
  { name: "duplicate e-mail subscriber", config: { "costguard:alertEmails": ["ops@example.com", "OPS@example.com"] }, exit: 2, says: 'costguard:alertEmails lists "ops@example.com" twice' },
  { name: "structured key given as text", config: { "costguard:failsafe": "on" }, exit: 2, says: 'costguard:failsafe must be an object (got "on")' },
  { name: "an empty config is valid", config: {}, exit: 0 },
];

export interface PolicyCase {
  name: string;
  /** The file's text (JSON or not). */
  text: string;
  exit: 0 | 2;
  says?: string;
}

export const POLICY_CASES: PolicyCase[] = [
  { name: "misspelt level", text: '{ "no-plain-secrets": "mandatroy" }', exit: 2, says: '"no-plain-secrets" has enforcement level "mandatroy", which is not one of advisory, mandatory, remediate, disabled (did you mean "mandatory"?)' },
  { name: "level off", text: '{ "ebs-gp3": "off" }', exit: 2, says: '"ebs-gp3" has enforcement level "off", which is not one of advisory, mandatory, remediate, disabled' },
  { name: "misspelt level in an object", text: '{ "stack-cost-cap": { "enforcementLevel": "mandatroy", "maxMonthlyUsd": 1 } }', exit: 2, says: '"stack-cost-cap" has enforcement level "mandatroy"' },
  { name: "level all off", text: '{ "all": "off" }', exit: 2, says: '"all" has enforcement level "off"' },
  { name: "unknown policy", text: '{ "no-plain-secret": "mandatory" }', exit: 2, says: '"no-plain-secret" is not a policy of this pack (did you mean "no-plain-secrets"?)' },
  { name: "unknown setting", text: '{ "stack-cost-cap": { "maxMonthlyUSD": 5 } }', exit: 2, says: '"stack-cost-cap".maxMonthlyUSD is not a setting of stack-cost-cap (did you mean "maxMonthlyUsd"?)' },
  { name: "setting on a policy without settings", text: '{ "ebs-gp3": { "enforcementLevel": "mandatory", "sizes": [1] } }', exit: 2, says: '"ebs-gp3".sizes is not a setting of ebs-gp3; it has no settings' },
  { name: "number as text", text: '{ "stack-cost-cap": { "maxMonthlyUsd": "5" } }', exit: 2, says: '"stack-cost-cap".maxMonthlyUsd must be a number (got "5")' },
  { name: "list of numbers for tags", text: '{ "required-tags": { "requiredTags": ["Environment", 7] } }', exit: 2, says: '"required-tags".requiredTags[1] must be a string (got 7)' },
  { name: "integer setting given a fraction", text: '{ "log-group-retention": { "defaultRetentionDays": 7.5 } }', exit: 2, says: '"log-group-retention".defaultRetentionDays must be an integer (got 7.5)' },
  { name: "not JSON", text: "{ no-plain-secrets: mandatory }", exit: 2, says: "is not valid JSON" },
  { name: "a list, not an object", text: '["no-plain-secrets"]', exit: 2, says: "must be a JSON object of policy name" },
  { name: "a number as a policy's value", text: '{ "ebs-gp3": 3 }', exit: 2, says: '"ebs-gp3" must be an enforcement level (string) or an object of settings (got 3)' },
  { name: "environments not a list", text: '{ "environments": "prod-env" }', exit: 2, says: '"environments" must be an array of ESC environment names' },
  { name: "empty file is no config", text: "", exit: 0 },
  { name: "every level at once", text: '{ "all": "advisory", "environments": ["org/policy-env"] }', exit: 0 },
];
