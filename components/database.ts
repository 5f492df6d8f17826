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
import { databaseIdentifier, initialDatabaseName, type DatabaseSettings } from "./databaseSettings";

export { databaseVariables } from "./databaseSettings";

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

export interface CostAwareDatabaseArgs {
  /** The database as declared in stack config (`costguard:databases`), already validated. */
  database: DatabaseSettings;
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
  /** Escape hatch: change the RDS instance arguments (parameter group, maintenance window) before use. */
  transform?: { instance?: (args: aws.rds.InstanceArgs) => aws.rds.InstanceArgs };
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
    const region = aws.getRegionOutput({}, parent).region;
    const identity = aws.getCallerIdentityOutput({}, parent);
    const partition = aws.getPartitionOutput({}, parent).partition;
    const instanceArn = pulumi.interpolate`arn:${partition}:rds:${region}:${identity.accountId}:db:${this.identifier}`;

    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      { name: this.identifier, description: `costguard ${args.stack}: subnets of database ${d.name}`, subnetIds: args.subnetIds },
      parent,
    );
    // No inline ingress: each service that declares the database adds its own rule (a separate
    // resource), so the two never fight. No egress: a database opens no connections.
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { name: `${this.identifier}-db`, description: `costguard ${args.stack}: PostgreSQL ${d.name}, from its services only`, vpcId: args.vpcId, egress: [] },
      parent,
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
    this.instance = new aws.rds.Instance(`${name}-instance`, args.transform?.instance?.(instanceArgs) ?? instanceArgs, parent);
    this.address = this.instance.address;
    this.masterUserSecretArn = this.instance.masterUserSecrets.apply((secrets) => secrets?.[0]?.secretArn ?? "");

    this.alarms(name, args);
    this.schedules(name, args, { instanceArn, accountId: identity.accountId, partition });

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
  private alarms(name: string, args: CostAwareDatabaseArgs): void {
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
        `${name}-${s.key}-alarm`,
        {
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
        },
        { parent: this },
      );
    }
  }

  /**
   * Declared stopped: the state, and a daily stop (RDS restarts an instance after 7 days stopped).
   * Outside production on the working-hours schedule: stop and start with EventBridge Scheduler's
   * RDS targets. Either way a role that may call exactly those actions on exactly this instance.
   */
  private schedules(name: string, args: CostAwareDatabaseArgs, scope: { instanceArn: pulumi.Output<string>; accountId: pulumi.Output<string>; partition: pulumi.Output<string> }): void {
    const d = args.database;
    const parent = { parent: this };
    const onSchedule = !d.stopped && !args.isProduction && (d.scaleToZero.enabled ?? true);
    if (d.stopped) {
      // The identifier as text (known at preview, so the estimator sees the declared state).
      new aws.rds.InstanceDesiredState(`${name}-state`, { identifier: this.identifier, state: "stopped" }, { parent: this, dependsOn: [this.instance] });
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

    const role = new aws.iam.Role(
      `${name}-scheduler`,
      {
        description: `costguard ${args.stack}: EventBridge Scheduler stops${onSchedule ? " and starts" : ""} database ${d.name}`,
        assumeRolePolicy: scope.accountId.apply((account) =>
          JSON.stringify({
            Version: "2012-10-17",
            // Only schedules of this account may take the role (confused-deputy protection).
            Statement: [{ Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": account } } }],
          }),
        ),
      },
      parent,
    );
    const actions = wanted.map((w) => `rds:${w.action[0]!.toUpperCase()}${w.action.slice(1)}`).sort();
    new aws.iam.RolePolicy(
      `${name}-scheduler-policy`,
      { role: role.id, policy: scope.instanceArn.apply((arn) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "StopStartThisDatabase", Effect: "Allow", Action: actions, Resource: arn }] })) },
      parent,
    );
    for (const w of wanted) {
      new aws.scheduler.Schedule(
        `${name}-${w.key}`,
        {
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
        },
        { parent: this, dependsOn: [this.instance] },
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
