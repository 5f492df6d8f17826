/**
 * WasteScanner: the daily waste scan and its optional clean-up.
 *
 * The role holds destructive permissions only when clean-up is `apply`. A tag that unlocks
 * destruction is worth nothing if the role can put it on anything, so it may write costguard's
 * tag only where IAM itself can see the resource is eligible, and the destructive action
 * requires the same: a bug in the function, or a tag copied or typed by anyone, still cannot
 * reach an arbitrary resource (see wasteScannerStatements). It may not change a resource tagged
 * costguard:protect=true in any letter case (an explicit Deny), nor write any tag but its own.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, TAGS } from "../runtime/contract";
import type { ScopeSettings } from "../runtime/shared/units";
import { CLEANUP_ACTIONS } from "../runtime/waste/actions";
import { INVENTORY_ACTIONS } from "../runtime/waste/inventory";
import { parseWasteSettings, type CleanupMode } from "../runtime/waste/settings";
import { WASTE_SCOPED_TIMEOUT_SECONDS } from "../runtime/waste/run";
import { STORE_ACTIONS } from "../runtime/waste/store";
import { all, arn, carrying, neverTouchProtected, onlyTagKeys, resourceTag, type AccountScope, type Conditions, type PolicyStatement } from "./iam";
import { componentScope, unitAccessStatements, type ScopeArgs } from "./unitAccess";
import { TableGuard, type TableGuardArgs, type TableGuardSpec, type TableGuardTransform } from "./tableGuard";
import { renamedFrom } from "./transform";

export type { CleanupMode };

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
export function wasteScannerStatements(tableArn: pulumi.Input<string>, cleanup: CleanupMode, scope: AccountScope): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    {
      Sid: "ReadInventory",
      Effect: "Allow",
      // EC2 Describe* calls support no resource-level permissions.
      Action: [...INVENTORY_ACTIONS],
      Resource: "*",
    },
    // UpdateItem/GetItem: the one-run-at-a-time lease.
    { Sid: "FindingsTable", Effect: "Allow", Action: [...STORE_ACTIONS], Resource: tableArn },
  ];
  if (cleanup !== "apply") return statements;
  const volumes = arn(scope, "ec2", "volume/*");
  const snapshots = pulumi.interpolate`arn:${scope.partition}:ec2:${scope.region}::snapshot/*`;
  const addresses = arn(scope, "ec2", "elastic-ip/*");
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
    neverTouchProtected(Object.values(CLEANUP_ACTIONS)),
  );
  return statements;
}

/** Stack config a hygiene function's scope is built from (costguard:regions, costguard:organization). */
/** Units one hygiene function reads at the same time, at most: its memory and the APIs' rates are per function. */
export const HYGIENE_CONCURRENCY = { maxConcurrency: 20, orgConcurrency: 8 };

/** The account scope of the function's own destructive permissions: every region of its account once it covers more than the stack's. */
export function actingScope(scope: ScopeSettings | undefined, account: AccountScope): AccountScope {
  const onlyHome = !scope || (scope.regions !== "all" && scope.regions.length === 1 && scope.regions[0] === aws.config.region);
  return onlyHome ? account : { ...account, region: "*" };
}

export type WasteScannerTransform = TableGuardTransform;

export interface WasteScannerArgs extends TableGuardArgs, ScopeArgs {
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

export class WasteScanner extends TableGuard {
  constructor(name: string, args: WasteScannerArgs, opts?: pulumi.ComponentResourceOptions) {
    const scope = componentScope(args, aws.config.region ?? "", HYGIENE_CONCURRENCY, "the waste scanner");
    // The handler reads these with the same schema: settings it would refuse stop here, at preview.
    const settings = parseWasteSettings(
      {
        unattachedVolumeDays: args.unattachedVolumeDays,
        snapshotAgeDays: args.snapshotAgeDays,
        stoppedInstanceDays: args.stoppedInstanceDays,
        cleanup: args.cleanup,
        cleanupGraceDays: args.cleanupGraceDays,
        cleanupMaxActionsPerRun: args.cleanupMaxActionsPerRun,
        ...(scope ? { scope } : {}),
      },
      "costguard:wasteScanner cannot be used by the waste scanner",
    );
    const spec: TableGuardSpec = {
      // Resolved findings expire 90 days after they were resolved.
      names: { table: "findings", function: "scan" },
      tableShape: {},
      tableEnv: ENV.findingsTable,
      handler: "wasteScanner",
      description: `costguard: daily waste scan (clean-up ${settings.cleanup})`,
      // Large accounts: 10,000 volumes + 10,000 snapshots peak near 200 MB of heap (tools/bench/hygiene.ts).
      memoryMb: 512,
      // Many units take longer than one region (Lambda's maximum, 15 minutes; the run's lease outlasts it).
      timeoutSeconds: scope ? WASTE_SCOPED_TIMEOUT_SECONDS : 300,
      settings,
      statements: (tableArn, account) => [
        ...wasteScannerStatements(tableArn, settings.cleanup, actingScope(scope, account)),
        ...unitAccessStatements(scope, { partition: account.partition, organizationId: args.organization?.organizationId }),
      ],
    };
    // Was costguard:hygiene:WasteScanner (hygiene is now waste + enforcer, as in runtime/): the alias keeps deployed stacks' resources.
    super("costguard:waste:WasteScanner", name, args, spec, renamedFrom("costguard:hygiene:WasteScanner", opts));
  }
}
