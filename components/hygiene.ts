/**
 * Hygiene (SPEC S6): the daily WasteScanner and the hourly SecurityEnforcer.
 *
 * Each role holds destructive permissions only when its configured mode needs them, and
 * conditioned on costguard's own tags, so even a bug cannot reach further than the config:
 * the enforcer may stop/terminate only instances carrying `costguard:unauthorized-since` and
 * may write only that tag; the scanner may delete/release only resources carrying
 * `costguard:cleanup-due`; neither may touch `costguard:protect=true`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, TAGS } from "../runtime/contract";
import { guardTable } from "./guardTable";
import { GuardFunction, type PolicyStatement, type FunctionDefaults, type AlertReporting } from "./guardFunction";

type Statement = PolicyStatement;

interface HygieneCommonArgs extends FunctionDefaults, AlertReporting {
  /** EventBridge schedule expression of the runs. */
  schedule: string;
}

/** ARN prefix of this account's EC2 resources in the stack's region. */
export interface Ec2Scope {
  partition: pulumi.Input<string>;
  region: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
}

function ec2Arn(scope: Ec2Scope, resource: string): pulumi.Output<string> {
  return pulumi.interpolate`arn:${scope.partition}:ec2:${scope.region}:${scope.accountId}:${resource}/*`;
}

const notProtected = { [`aws:ResourceTag/${TAGS.protect}`]: "true" };

/** Only these tag keys, and at least one (DeleteTags without keys would remove every tag). */
function onlyTagKeys(...keys: string[]) {
  return { "ForAllValues:StringEquals": { "aws:TagKeys": keys }, Null: { "aws:TagKeys": "false" }, StringNotEquals: notProtected };
}

function carrying(tag: string) {
  return { Null: { [`aws:ResourceTag/${tag}`]: "false" }, StringNotEquals: notProtected };
}

export type CleanupMode = "off" | "dry-run" | "apply";
export type EnforcerMode = "audit" | "stop" | "terminate";

/** The scanner's IAM statements: read-only unless clean-up is `apply`. */
export function wasteScannerStatements(tableArn: pulumi.Input<string>, cleanup: CleanupMode, scope: Ec2Scope): Statement[] {
  const statements: Statement[] = [
    {
      Sid: "ReadInventory",
      Effect: "Allow",
      // EC2 Describe* calls support no resource-level permissions.
      Action: ["ec2:DescribeAddresses", "ec2:DescribeVolumes", "ec2:DescribeSnapshots", "ec2:DescribeImages", "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions", "ec2:DescribeInstances"],
      Resource: "*",
    },
    { Sid: "FindingsTable", Effect: "Allow", Action: ["dynamodb:Scan", "dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], Resource: tableArn },
  ];
  if (cleanup !== "apply") return statements;
  const volumes = ec2Arn(scope, "volume");
  const snapshots = pulumi.interpolate`arn:${scope.partition}:ec2:${scope.region}::snapshot/*`;
  const addresses = ec2Arn(scope, "elastic-ip");
  statements.push(
    { Sid: "MarkForCleanup", Effect: "Allow", Action: ["ec2:CreateTags", "ec2:DeleteTags"], Resource: [volumes, snapshots, addresses], Condition: onlyTagKeys(TAGS.cleanupDue) },
    { Sid: "ReleaseMarkedAddresses", Effect: "Allow", Action: "ec2:ReleaseAddress", Resource: addresses, Condition: carrying(TAGS.cleanupDue) },
    { Sid: "DeleteMarkedVolumes", Effect: "Allow", Action: "ec2:DeleteVolume", Resource: volumes, Condition: carrying(TAGS.cleanupDue) },
    { Sid: "DeleteMarkedSnapshots", Effect: "Allow", Action: "ec2:DeleteSnapshot", Resource: snapshots, Condition: carrying(TAGS.cleanupDue) },
    { Sid: "BackUpMarkedVolumes", Effect: "Allow", Action: "ec2:CreateSnapshot", Resource: volumes, Condition: carrying(TAGS.cleanupDue) },
    { Sid: "CreateBackupSnapshots", Effect: "Allow", Action: "ec2:CreateSnapshot", Resource: snapshots, Condition: { Null: { [`aws:RequestTag/${TAGS.backupOf}`]: "false" } } },
    { Sid: "TagBackupSnapshots", Effect: "Allow", Action: "ec2:CreateTags", Resource: snapshots, Condition: { StringEquals: { "ec2:CreateAction": "CreateSnapshot" } } },
  );
  return statements;
}

/** The enforcer's IAM statements: read-only in audit mode; Stop or Terminate only on flagged instances. */
export function enforcerStatements(tableArn: pulumi.Input<string>, mode: EnforcerMode, scope: Ec2Scope): Statement[] {
  const statements: Statement[] = [
    { Sid: "ReadInstances", Effect: "Allow", Action: ["ec2:DescribeInstances", "ec2:DescribeInstanceAttribute"], Resource: "*" },
    { Sid: "EnforcerTable", Effect: "Allow", Action: ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"], Resource: tableArn },
  ];
  if (mode === "audit") return statements;
  const instances = ec2Arn(scope, "instance");
  statements.push({ Sid: "FlagInstances", Effect: "Allow", Action: ["ec2:CreateTags", "ec2:DeleteTags"], Resource: instances, Condition: onlyTagKeys(TAGS.unauthorizedSince) });
  if (mode === "stop") statements.push({ Sid: "StopFlaggedInstances", Effect: "Allow", Action: "ec2:StopInstances", Resource: instances, Condition: carrying(TAGS.unauthorizedSince) });
  if (mode === "terminate") statements.push({ Sid: "TerminateFlaggedInstances", Effect: "Allow", Action: "ec2:TerminateInstances", Resource: instances, Condition: carrying(TAGS.unauthorizedSince) });
  return statements;
}

function scopeOf(parent: pulumi.Resource): Ec2Scope {
  const opts = { parent };
  return {
    partition: aws.getPartitionOutput({}, opts).partition,
    region: aws.getRegionOutput({}, opts).region,
    accountId: aws.getCallerIdentityOutput({}, opts).accountId,
  };
}

export interface WasteScannerArgs extends HygieneCommonArgs {
  /** Days a volume must be seen unattached before it is waste. */
  unattachedVolumeDays: number;
  /** Age in days above which an unused snapshot is waste. */
  snapshotAgeDays: number;
  /** Days an instance must be stopped before its EBS cost is waste. */
  stoppedInstanceDays: number;
  /** Clean-up: off, dry-run (describe only) or apply. */
  cleanup: CleanupMode;
  /** Days between marking a finding and acting on it. */
  cleanupGraceDays: number;
  /** Cap on clean-up actions per run. */
  cleanupMaxActionsPerRun: number;
}

export class WasteScanner extends pulumi.ComponentResource {
  public readonly table: aws.dynamodb.Table;
  public readonly tableName: pulumi.Output<string>;
  public readonly function: GuardFunction;
  public readonly functionName: pulumi.Output<string>;

  constructor(name: string, args: WasteScannerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:hygiene:WasteScanner", name, {}, opts);
    const parent = { parent: this };
    // Resolved findings expire 90 days after they were resolved.
    this.table = guardTable(`${name}-findings`, {}, parent);
    this.tableName = this.table.name;
    const settings = {
      unattachedVolumeDays: args.unattachedVolumeDays,
      snapshotAgeDays: args.snapshotAgeDays,
      stoppedInstanceDays: args.stoppedInstanceDays,
      cleanup: args.cleanup,
      cleanupGraceDays: args.cleanupGraceDays,
      cleanupMaxActionsPerRun: args.cleanupMaxActionsPerRun,
    };
    this.function = new GuardFunction(
      `${name}-scan`,
      {
        handler: "wasteScanner",
        description: `costguard: daily waste scan (clean-up ${args.cleanup})`,
        stack: args.stack,
        logRetentionDays: args.logRetentionDays,
        architecture: args.architecture,
        deadLetterQueue: args.deadLetterQueue,
        // Large accounts: 10,000 volumes + 10,000 snapshots peak near 200 MB of heap (tools/bench/hygiene.ts).
        memoryMb: 512,
        timeoutSeconds: 300,
        environment: { [ENV.findingsTable]: this.table.name, [ENV.alertTopicArn]: args.alertTopicArn, [ENV.settings]: JSON.stringify(settings) },
        statements: [...wasteScannerStatements(this.table.arn, args.cleanup, scopeOf(this)), ...args.publishStatements],
      },
      parent,
    );
    this.function.onSchedule("schedule", args.schedule);
    this.functionName = this.function.functionName;
    this.registerOutputs({ tableName: this.tableName, functionName: this.functionName });
  }
}

export interface SecurityEnforcerArgs extends HygieneCommonArgs {
  /** Tags that authorise a running instance: `Key=Value` or `Key`. */
  authorizationTags: string[];
  /** audit (flag only), stop or terminate after the grace period. */
  mode: EnforcerMode;
  /** Hours between flagging and acting. */
  graceHours: number;
  /** Cap on stop/terminate actions per run. */
  maxActionsPerRun: number;
}

export class SecurityEnforcer extends pulumi.ComponentResource {
  public readonly table: aws.dynamodb.Table;
  public readonly tableName: pulumi.Output<string>;
  public readonly function: GuardFunction;
  public readonly functionName: pulumi.Output<string>;

  constructor(name: string, args: SecurityEnforcerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:hygiene:SecurityEnforcer", name, {}, opts);
    const parent = { parent: this };
    // Audit records expire after 400 days; flags carry no expiry.
    this.table = guardTable(`${name}-table`, { sortKey: "S" }, parent);
    this.tableName = this.table.name;
    const settings = { authorizationTags: args.authorizationTags, mode: args.mode, graceHours: args.graceHours, maxActionsPerRun: args.maxActionsPerRun };
    this.function = new GuardFunction(
      `${name}-check`,
      {
        handler: "securityEnforcer",
        description: `costguard: hourly enforcer for unauthorised instances (mode ${args.mode})`,
        stack: args.stack,
        logRetentionDays: args.logRetentionDays,
        architecture: args.architecture,
        deadLetterQueue: args.deadLetterQueue,
        timeoutSeconds: 120,
        environment: { [ENV.enforcerTable]: this.table.name, [ENV.alertTopicArn]: args.alertTopicArn, [ENV.settings]: JSON.stringify(settings) },
        statements: [...enforcerStatements(this.table.arn, args.mode, scopeOf(this)), ...args.publishStatements],
      },
      parent,
    );
    this.function.onSchedule("schedule", args.schedule);
    this.functionName = this.function.functionName;
    this.registerOutputs({ tableName: this.tableName, functionName: this.functionName });
  }
}
