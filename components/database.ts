/**
 * A cost-aware PostgreSQL on RDS for the stack's services: the cheapest safe defaults
 * (db.t4g.micro, 20 GB gp3, single-AZ outside production, encrypted, 7 days of backups, no
 * Performance Insights, never public), the master password generated and kept by RDS in Secrets
 * Manager (it never passes through config, state or the plan), a security group that admits
 * PostgreSQL only from the services that declare the database, alarms on CPU credits, free
 * storage and connections, and stop/start outside working hours with EventBridge Scheduler.
 *
 * RDS starts a stopped instance by itself after 7 days. A database declared stopped therefore
 * gets a daily stop schedule as well as its declared state; one on the working-hours schedule is
 * never stopped longer than a weekend, and a restart RDS forces is undone at the next stop time.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { databaseIdentifier, initialDatabaseName } from "./databaseNames";
import { accountScope } from "./iam";
import { transformed, type Transform } from "./transform";

export { databaseVariables } from "./databaseNames";

const POSTGRES_PORT = 5432;

/** What a service needs to use a database: where it is, who may reach it, where its password is. */
export interface DatabaseAttachment {
  /** The database's name in config (`databases[].name`). */
  name: string;
  address: pulumi.Output<string>;
  port: number;
  /** The PostgreSQL database created with the instance. */
  databaseName: string;
  /** Security group of the instance: a service adds its ingress rule to it. */
  securityGroupId: pulumi.Output<string>;
  /** ARN of the RDS-managed master user secret (JSON with `username` and `password`). */
  secretArn: pulumi.Output<string>;
}

/** One PostgreSQL database: what `costguard:databases` declares, its defaults applied. */
export interface DatabaseSpec {
  /** Lower-case letters, digits and single dashes; the RDS identifier is `costguard-<stack>-<name>`. */
  name: string;
  /** PostgreSQL major version ("17": RDS picks and upgrades the minor) or major.minor. */
  engineVersion: string;
  /** RDS instance class, e.g. db.t4g.micro. */
  instanceClass: string;
  allocatedStorageGb: number;
  /** Storage autoscaling up to this size; unset: off (RDS storage never shrinks). */
  maxAllocatedStorageGb?: number;
  /** Default: true in production, false elsewhere. */
  multiAz?: boolean;
  backupRetentionDays: number;
  /** The database created with the instance (default: the name with dashes as underscores). */
  databaseName?: string;
  /** Master user name; RDS generates the password and keeps it in Secrets Manager. */
  username: string;
  /** Declared stopped: storage and backups still bill, instance hours do not. */
  stopped: boolean;
  /** Stop outside working hours (EventBridge Scheduler); default on outside production. */
  scaleToZero: { enabled?: boolean; stopSchedule: string; startSchedule: string; timezone: string };
  /** CPU credit, free storage and connection alarms; default on unless the database is declared stopped. */
  alarms: { enabled?: boolean; cpuCreditBalanceBelow: number; freeStoragePercentBelow: number; connectionsAbove: number };
}

export interface CostAwareDatabaseTransform {
  subnetGroup?: Transform<aws.rds.SubnetGroupArgs>;
  securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
  instance?: Transform<aws.rds.InstanceArgs>;
  /** Every alarm (the name tells which). */
  alarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
  /** The declared stopped state, when `stopped`. */
  desiredState?: Transform<aws.rds.InstanceDesiredStateArgs>;
  /** The EventBridge Scheduler role that stops and starts the instance, and its policy. */
  role?: Transform<aws.iam.RoleArgs>;
  policy?: Transform<aws.iam.RolePolicyArgs>;
  /** The stop/start schedules. */
  schedule?: Transform<aws.scheduler.ScheduleArgs>;
}

export interface CostAwareDatabaseArgs {
  /** The database: engine, size, backups, schedule, alarms. */
  database: DatabaseSpec;
  /** Stack name, used in names. */
  stack: string;
  /** True in production: multi-AZ by default, deletion protection, a final snapshot, no schedule. */
  isProduction: boolean;
  /** VPC of the database (the services' network, or the database's own `vpc`). */
  vpcId: pulumi.Input<string>;
  /** Subnets of the DB subnet group: two AZs at least; isolated subnets are enough (RDS needs no NAT). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** SNS topic the alarms notify. */
  alertTopicArn: pulumi.Input<string>;
  transform?: CostAwareDatabaseTransform;
}

export class CostAwareDatabase extends pulumi.ComponentResource {
  /** The RDS DB instance identifier (`costguard-<stack>-<name>`). */
  public readonly identifier: string;
  public readonly address: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly masterUserSecretArn: pulumi.Output<string>;
  public readonly attachment: DatabaseAttachment;
  public readonly instance: aws.rds.Instance;

  constructor(name: string, args: CostAwareDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:database:CostAwareDatabase", name, {}, opts);
    const parent = { parent: this };
    const d = args.database;
    const prod = args.isProduction;
    this.identifier = databaseIdentifier(args.stack, d.name);
    const t = args.transform;
    const { partition, region, accountId } = accountScope(this);
    const instanceArn = pulumi.interpolate`arn:${partition}:rds:${region}:${accountId}:db:${this.identifier}`;

    const subnetGroup = new aws.rds.SubnetGroup(
      ...transformed(t?.subnetGroup, `${name}-subnets`, { name: this.identifier, description: `costguard ${args.stack}: subnets of database ${d.name}`, subnetIds: args.subnetIds }, parent),
    );
    // No inline ingress: each service that declares the database adds its own rule (a separate
    // resource), so the two never fight. No egress: a database opens no connections.
    const securityGroup = new aws.ec2.SecurityGroup(
      ...transformed(t?.securityGroup, `${name}-sg`, { name: `${this.identifier}-db`, description: `costguard ${args.stack}: PostgreSQL ${d.name}, from its services only`, vpcId: args.vpcId, egress: [] }, parent),
    );
    this.securityGroupId = securityGroup.id;

    const instanceArgs: aws.rds.InstanceArgs = {
      identifier: this.identifier,
      engine: "postgres",
      engineVersion: d.engineVersion,
      // A new major version is a deliberate config change; minor versions follow RDS.
      allowMajorVersionUpgrade: true,
      autoMinorVersionUpgrade: true,
      // At the end of standard support RDS upgrades instead of billing Extended Support per vCPU-hour.
      engineLifecycleSupport: "open-source-rds-extended-support-disabled",
      instanceClass: d.instanceClass,
      allocatedStorage: d.allocatedStorageGb,
      maxAllocatedStorage: d.maxAllocatedStorageGb,
      storageType: "gp3",
      storageEncrypted: true,
      multiAz: d.multiAz ?? prod,
      dbName: initialDatabaseName(d),
      username: d.username,
      // RDS generates the password and keeps it in Secrets Manager: it never passes through here.
      manageMasterUserPassword: true,
      port: POSTGRES_PORT,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [securityGroup.id],
      publiclyAccessible: false,
      backupRetentionPeriod: d.backupRetentionDays,
      // Performance Insights and Enhanced Monitoring bill beyond their free levels; off.
      performanceInsightsEnabled: false,
      monitoringInterval: 0,
      deletionProtection: prod,
      skipFinalSnapshot: !prod,
      finalSnapshotIdentifier: prod ? `${this.identifier}-final` : undefined,
      deleteAutomatedBackups: !prod,
      // Snapshots carry the Environment tag, so their storage is attributed too.
      copyTagsToSnapshot: true,
      // Production changes wait for the maintenance window.
      applyImmediately: !prod,
    };
    this.instance = new aws.rds.Instance(...transformed(t?.instance, `${name}-instance`, instanceArgs, parent));
    this.address = this.instance.address;
    this.masterUserSecretArn = this.instance.masterUserSecrets.apply((secrets) => secrets?.[0]?.secretArn ?? "");

    this.createAlarms(name, args);
    this.createSchedules(name, args, { instanceArn, accountId, partition });

    this.attachment = {
      name: d.name,
      address: this.address,
      port: POSTGRES_PORT,
      databaseName: initialDatabaseName(d),
      securityGroupId: this.securityGroupId,
      secretArn: this.masterUserSecretArn,
    };
    this.registerOutputs({ identifier: this.identifier, address: this.address, securityGroupId: this.securityGroupId, masterUserSecretArn: this.masterUserSecretArn });
  }

  /** CPU credits (burstable classes), free storage and connections; none on a database declared stopped. */
  private createAlarms(name: string, args: CostAwareDatabaseArgs): void {
    const d = args.database;
    if (!(d.alarms.enabled ?? !d.stopped)) return;
    const specs = [
      // RDS runs db.t3/db.t4g in unlimited mode: with no credits left, surplus vCPU-hours are billed.
      ...(d.instanceClass.startsWith("db.t")
        ? [{ key: "cpu-credits", metric: "CPUCreditBalance", op: "LessThanThreshold", threshold: d.alarms.cpuCreditBalanceBelow, periods: 3, what: `CPU credit balance below ${d.alarms.cpuCreditBalanceBelow}` }]
        : []),
      {
        key: "free-storage",
        metric: "FreeStorageSpace",
        op: "LessThanThreshold",
        threshold: Math.round(((d.allocatedStorageGb * d.alarms.freeStoragePercentBelow) / 100) * 1024 ** 3),
        periods: 2,
        what: `free storage below ${d.alarms.freeStoragePercentBelow}% of ${d.allocatedStorageGb} GB`,
      },
      { key: "connections", metric: "DatabaseConnections", op: "GreaterThanThreshold", threshold: d.alarms.connectionsAbove, periods: 2, what: `more than ${d.alarms.connectionsAbove} connections` },
    ];
    for (const s of specs) {
      new aws.cloudwatch.MetricAlarm(
        ...transformed(args.transform?.alarm, `${name}-${s.key}-alarm`, {
          name: `${args.stack}-costguard-database-${d.name}-${s.key}`,
          alarmDescription: `costguard ${args.stack}: database ${d.name}: ${s.what} for ${s.periods * 5} minutes`,
          namespace: "AWS/RDS",
          metricName: s.metric,
          dimensions: { DBInstanceIdentifier: this.identifier },
          statistic: "Average",
          period: 300,
          evaluationPeriods: s.periods,
          threshold: s.threshold,
          comparisonOperator: s.op,
          // Stopped at night there is no data: that is not an alarm.
          treatMissingData: "notBreaching",
          alarmActions: [args.alertTopicArn],
          okActions: [args.alertTopicArn],
        }, { parent: this }),
      );
    }
  }

  /**
   * Declared stopped: the state, and a daily stop (RDS restarts an instance after 7 days stopped).
   * Outside production on the working-hours schedule: stop and start with EventBridge Scheduler's
   * RDS targets. Either way a role that may call exactly those actions on exactly this instance.
   */
  private createSchedules(name: string, args: CostAwareDatabaseArgs, scope: { instanceArn: pulumi.Output<string>; accountId: pulumi.Output<string>; partition: pulumi.Output<string> }): void {
    const d = args.database;
    const parent = { parent: this };
    const onSchedule = !d.stopped && !args.isProduction && (d.scaleToZero.enabled ?? true);
    if (d.stopped) {
      // The identifier as text (known at preview, so the estimator sees the declared state).
      new aws.rds.InstanceDesiredState(...transformed(args.transform?.desiredState, `${name}-state`, { identifier: this.identifier, state: "stopped" }, { parent: this, dependsOn: [this.instance] }));
    }
    const wanted: { key: string; action: "stopDBInstance" | "startDBInstance"; expression: string; timezone?: string }[] = d.stopped
      ? [{ key: "keep-stopped", action: "stopDBInstance", expression: "rate(1 day)" }]
      : onSchedule
        ? [
            { key: "stop", action: "stopDBInstance", expression: d.scaleToZero.stopSchedule, timezone: d.scaleToZero.timezone },
            { key: "start", action: "startDBInstance", expression: d.scaleToZero.startSchedule, timezone: d.scaleToZero.timezone },
          ]
        : [];
    if (!wanted.length) return;

    const t = args.transform;
    const role = new aws.iam.Role(
      ...transformed(t?.role, `${name}-scheduler`, {
        description: `costguard ${args.stack}: EventBridge Scheduler stops${onSchedule ? " and starts" : ""} database ${d.name}`,
        assumeRolePolicy: scope.accountId.apply((account) =>
          JSON.stringify({
            Version: "2012-10-17",
            // Only schedules of this account may take the role (confused-deputy protection).
            Statement: [{ Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": account } } }],
          }),
        ),
      }, parent),
    );
    const actions = wanted.map((w) => `rds:${w.action[0]!.toUpperCase()}${w.action.slice(1)}`).sort();
    new aws.iam.RolePolicy(
      ...transformed(
        t?.policy,
        `${name}-scheduler-policy`,
        { role: role.id, policy: scope.instanceArn.apply((arn) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "StopStartThisDatabase", Effect: "Allow", Action: actions, Resource: arn }] })) },
        parent,
      ),
    );
    for (const w of wanted) {
      new aws.scheduler.Schedule(
        ...transformed(t?.schedule, `${name}-${w.key}`, {
          name: scheduleName(this.identifier, w.key),
          description: `costguard ${args.stack}: ${w.key === "keep-stopped" ? "keep database stopped (RDS restarts it after 7 days)" : `${w.key} database`} ${d.name}`,
          scheduleExpression: w.expression,
          scheduleExpressionTimezone: w.timezone,
          flexibleTimeWindow: { mode: "OFF" },
          target: {
            // Universal target: the RDS API call itself; Scheduler's JSON takes the SDK's member names.
            arn: pulumi.interpolate`arn:${scope.partition}:scheduler:::aws-sdk:rds:${w.action}`,
            roleArn: role.arn,
            input: JSON.stringify({ DbInstanceIdentifier: this.identifier }),
            // Stopping a stopped instance fails harmlessly; a real failure is retried within the hour.
            retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
          },
        }, { parent: this, dependsOn: [this.instance] }),
      );
    }
  }
}

/** Scheduler names are at most 64 characters: a long identifier is shortened with a hash kept unique. */
export function scheduleName(identifier: string, key: string): string {
  const full = `${identifier}-${key}`;
  if (full.length <= 64) return full;
  let h = 2166136261;
  for (const c of identifier) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  const hash = (h >>> 0).toString(36).slice(0, 6);
  return `${identifier.slice(0, 64 - key.length - hash.length - 2)}-${hash}-${key}`;
}
