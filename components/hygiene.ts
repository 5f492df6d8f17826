/**
 * Hygiene (SPEC S6): the daily WasteScanner and the hourly SecurityEnforcer.
 *
 * Each role holds destructive permissions only when its configured mode needs them. A tag that
 * unlocks destruction is worth nothing if the role can put it on anything, so the roles may
 * write costguard's tag only where IAM itself can see the resource is eligible, and the
 * destructive action requires the same: a bug in the function, or a tag copied or typed by
 * anyone, still cannot reach an arbitrary resource (see enforcerStatements and
 * wasteScannerStatements). Neither role may change a resource tagged costguard:protect=true
 * in any letter case (an explicit Deny), nor write any tag but its own.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, TAGS } from "../runtime/contract";
import { ENFORCE_ACTIONS } from "../runtime/enforcer/actions";
import { INVENTORY_ACTIONS as ENFORCER_INVENTORY_ACTIONS } from "../runtime/enforcer/inventory";
import { parseEnforcerSettings, type EnforcerMode } from "../runtime/enforcer/settings";
import { STORE_ACTIONS as ENFORCER_STORE_ACTIONS } from "../runtime/enforcer/store";
import { CLEANUP_ACTIONS } from "../runtime/waste/actions";
import { INVENTORY_ACTIONS as WASTE_INVENTORY_ACTIONS } from "../runtime/waste/inventory";
import { parseWasteSettings, type CleanupMode } from "../runtime/waste/settings";
import { STORE_ACTIONS as WASTE_STORE_ACTIONS } from "../runtime/waste/store";
import { guardTable } from "./guardTable";
import { GuardFunction, type PolicyStatement, type FunctionDefaults, type AlertReporting } from "./guardFunction";

type Statement = PolicyStatement;
type Conditions = Record<string, Record<string, string | string[]>>;

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

const resourceTag = (key: string) => `aws:ResourceTag/${key}`;

/** Merges condition blocks: IAM ANDs every key of every operator. */
function all(...blocks: Conditions[]): Conditions {
  const out: Conditions = {};
  for (const block of blocks) for (const [op, keys] of Object.entries(block)) out[op] = { ...out[op], ...keys };
  return out;
}

/** Only these tag keys, and at least one (DeleteTags without keys would remove every tag). */
function onlyTagKeys(...keys: string[]): Conditions {
  return { "ForAllValues:StringEquals": { "aws:TagKeys": keys }, Null: { "aws:TagKeys": "false" } };
}

const carrying = (tag: string): Conditions => ({ Null: { [resourceTag(tag)]: "false" } });

/** costguard:protect=true in any letter case: IAM compares the value ignoring case (and the key always does). */
function neverProtected(sid: string, actions: string[]): Statement {
  return { Sid: sid, Effect: "Deny", Action: actions, Resource: "*", Condition: { StringEqualsIgnoreCase: { [resourceTag(TAGS.protect)]: "true" } } };
}

/**
 * "Carries none of the authorisation tags", as IAM can check it on the instance itself:
 * `Key` rules → the tag is absent (Null), `Key=Value` rules → the tag is not that value
 * (StringNotEquals, true when absent). The keys of one condition block are ANDed.
 */
export function unauthorizedConditions(authorizationTags: string[]): Conditions {
  const absent = new Set<string>();
  const notValues = new Map<string, string[]>();
  for (const rule of authorizationTags) {
    const i = rule.indexOf("=");
    if (i < 0) absent.add(rule);
    else notValues.set(rule.slice(0, i), [...(notValues.get(rule.slice(0, i)) ?? []), rule.slice(i + 1)]);
  }
  const out: Conditions = {};
  if (absent.size) out.Null = Object.fromEntries([...absent].map((k) => [resourceTag(k), "true"]));
  const values = [...notValues].filter(([k]) => !absent.has(k));
  if (values.length) out.StringNotEquals = Object.fromEntries(values.map(([k, v]) => [resourceTag(k), v]));
  return out;
}

/**
 * Snapshots that something keeps on purpose: Data Lifecycle Manager and AWS Backup tag theirs
 * (tags with the `aws:` prefix, which no one can write), and costguard's own backups carry
 * `costguard:backup-of`, which this role can set only on a snapshot it is creating.
 */
const notKeptSnapshot: Conditions = {
  Null: { [resourceTag("aws:dlm:lifecycle-policy-id")]: "true", [resourceTag("aws:backup:source-resource")]: "true", [resourceTag(TAGS.backupOf)]: "true" },
};

/**
 * The scanner's IAM statements: read-only unless clean-up is `apply`. Then it may delete or
 * release only what carries `costguard:cleanup-due`, and it may write that tag only (no
 * other key). On snapshots, both the mark and the delete also require that no retention
 * policy keeps the snapshot. EC2 itself refuses to delete an attached volume, to release an
 * associated address and to delete a snapshot a registered AMI uses. What IAM cannot see (how
 * long a volume has been unattached, whether its backup of this cycle is complete) is the
 * function's part, from its own records.
 */
export function wasteScannerStatements(tableArn: pulumi.Input<string>, cleanup: CleanupMode, scope: Ec2Scope): Statement[] {
  const statements: Statement[] = [
    {
      Sid: "ReadInventory",
      Effect: "Allow",
      // EC2 Describe* calls support no resource-level permissions.
      Action: [...WASTE_INVENTORY_ACTIONS],
      Resource: "*",
    },
    // UpdateItem/GetItem: the one-run-at-a-time lease.
    { Sid: "FindingsTable", Effect: "Allow", Action: [...WASTE_STORE_ACTIONS], Resource: tableArn },
  ];
  if (cleanup !== "apply") return statements;
  const volumes = ec2Arn(scope, "volume");
  const snapshots = pulumi.interpolate`arn:${scope.partition}:ec2:${scope.region}::snapshot/*`;
  const addresses = ec2Arn(scope, "elastic-ip");
  const mark = onlyTagKeys(TAGS.cleanupDue);
  statements.push(
    { Sid: "MarkForCleanup", Effect: "Allow", Action: [CLEANUP_ACTIONS.mark], Resource: [volumes, addresses], Condition: mark },
    { Sid: "MarkSnapshotsForCleanup", Effect: "Allow", Action: [CLEANUP_ACTIONS.mark], Resource: snapshots, Condition: all(mark, notKeptSnapshot) },
    { Sid: "Unmark", Effect: "Allow", Action: [CLEANUP_ACTIONS.unmark], Resource: [volumes, snapshots, addresses], Condition: mark },
    { Sid: "ReleaseMarkedAddresses", Effect: "Allow", Action: CLEANUP_ACTIONS["release-address"], Resource: addresses, Condition: carrying(TAGS.cleanupDue) },
    { Sid: "DeleteMarkedVolumes", Effect: "Allow", Action: CLEANUP_ACTIONS["delete-volume"], Resource: volumes, Condition: carrying(TAGS.cleanupDue) },
    { Sid: "DeleteMarkedSnapshots", Effect: "Allow", Action: CLEANUP_ACTIONS["delete-snapshot"], Resource: snapshots, Condition: all(carrying(TAGS.cleanupDue), notKeptSnapshot) },
    { Sid: "BackUpMarkedVolumes", Effect: "Allow", Action: CLEANUP_ACTIONS["snapshot-volume"], Resource: volumes, Condition: carrying(TAGS.cleanupDue) },
    { Sid: "CreateBackupSnapshots", Effect: "Allow", Action: CLEANUP_ACTIONS["snapshot-volume"], Resource: snapshots, Condition: { Null: { [`aws:RequestTag/${TAGS.backupOf}`]: "false" } } },
    // At creation only, and only these keys: a backup can never be born marked for deletion.
    {
      Sid: "TagBackupSnapshots",
      Effect: "Allow",
      Action: CLEANUP_ACTIONS.mark,
      Resource: snapshots,
      Condition: { StringEquals: { "ec2:CreateAction": "CreateSnapshot" }, "ForAllValues:StringEquals": { "aws:TagKeys": [TAGS.backupOf, TAGS.environment] } },
    },
    neverProtected("NeverTouchProtectedResources", Object.values(CLEANUP_ACTIONS)),
  );
  return statements;
}

/**
 * The enforcer's IAM statements: read-only in audit mode. In stop/terminate mode, the flag tag
 * `costguard:unauthorized-since` is what Stop/Terminate require; the role may write it only on
 * instances that carry none of the authorisation tags (the same rule the function applies,
 * checked by IAM on the instance's own tags), and Stop/Terminate require that too. So neither
 * a bug nor a flag tag copied onto an authorised instance can stop or terminate it: the most
 * a bug could do is act on an unauthorised instance before its grace period is over (IAM has
 * no clock to compare a tag with), which the function's own record of the flag prevents.
 */
export function enforcerStatements(tableArn: pulumi.Input<string>, mode: EnforcerMode, scope: Ec2Scope, authorizationTags: string[]): Statement[] {
  const statements: Statement[] = [
    { Sid: "ReadInstances", Effect: "Allow", Action: [...ENFORCER_INVENTORY_ACTIONS], Resource: "*" },
    // UpdateItem/GetItem: the one-run-at-a-time lease.
    { Sid: "EnforcerTable", Effect: "Allow", Action: [...ENFORCER_STORE_ACTIONS], Resource: tableArn },
  ];
  if (mode === "audit") return statements;
  const instances = ec2Arn(scope, "instance");
  const unauthorized = unauthorizedConditions(authorizationTags);
  const destroy = ENFORCE_ACTIONS[mode];
  statements.push(
    { Sid: "FlagUnauthorizedInstances", Effect: "Allow", Action: [ENFORCE_ACTIONS.tag], Resource: instances, Condition: all(onlyTagKeys(TAGS.unauthorizedSince), unauthorized) },
    // Removing the flag only ever takes a permission away.
    { Sid: "UnflagInstances", Effect: "Allow", Action: [ENFORCE_ACTIONS.untag], Resource: instances, Condition: onlyTagKeys(TAGS.unauthorizedSince) },
    { Sid: mode === "stop" ? "StopFlaggedUnauthorizedInstances" : "TerminateFlaggedUnauthorizedInstances", Effect: "Allow", Action: destroy, Resource: instances, Condition: all(carrying(TAGS.unauthorizedSince), unauthorized) },
    neverProtected("NeverTouchProtectedInstances", [ENFORCE_ACTIONS.tag, ENFORCE_ACTIONS.untag, destroy]),
  );
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
    // The handler reads these with the same schema: settings it would refuse stop here, at preview.
    const settings = parseWasteSettings(
      {
        unattachedVolumeDays: args.unattachedVolumeDays,
        snapshotAgeDays: args.snapshotAgeDays,
        stoppedInstanceDays: args.stoppedInstanceDays,
        cleanup: args.cleanup,
        cleanupGraceDays: args.cleanupGraceDays,
        cleanupMaxActionsPerRun: args.cleanupMaxActionsPerRun,
      },
      "costguard:wasteScanner cannot be used by the waste scanner",
    );
    this.function = new GuardFunction(
      `${name}-scan`,
      {
        handler: "wasteScanner",
        description: `costguard: daily waste scan (clean-up ${settings.cleanup})`,
        stack: args.stack,
        logRetentionDays: args.logRetentionDays,
        architecture: args.architecture,
        deadLetterQueue: args.deadLetterQueue,
        // Large accounts: 10,000 volumes + 10,000 snapshots peak near 200 MB of heap (tools/bench/hygiene.ts).
        memoryMb: 512,
        timeoutSeconds: 300,
        environment: { [ENV.findingsTable]: this.table.name, [ENV.alertTopicArn]: args.alertTopicArn, [ENV.settings]: JSON.stringify(settings) },
        statements: [...wasteScannerStatements(this.table.arn, settings.cleanup, scopeOf(this)), ...args.publishStatements],
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
    // The handler reads these with the same schema: settings it would refuse stop here, at preview.
    const settings = parseEnforcerSettings(
      { authorizationTags: args.authorizationTags, mode: args.mode, graceHours: args.graceHours, maxActionsPerRun: args.maxActionsPerRun },
      "costguard:enforcer cannot be used by the security enforcer",
    );
    this.function = new GuardFunction(
      `${name}-check`,
      {
        handler: "securityEnforcer",
        description: `costguard: hourly enforcer for unauthorised instances (mode ${settings.mode})`,
        stack: args.stack,
        logRetentionDays: args.logRetentionDays,
        architecture: args.architecture,
        deadLetterQueue: args.deadLetterQueue,
        timeoutSeconds: 120,
        environment: { [ENV.enforcerTable]: this.table.name, [ENV.alertTopicArn]: args.alertTopicArn, [ENV.settings]: JSON.stringify(settings) },
        statements: [...enforcerStatements(this.table.arn, settings.mode, scopeOf(this), settings.authorizationTags), ...args.publishStatements],
      },
      parent,
    );
    this.function.onSchedule("schedule", args.schedule);
    this.functionName = this.function.functionName;
    this.registerOutputs({ tableName: this.tableName, functionName: this.functionName });
  }
}
