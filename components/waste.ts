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
import { LIST_UNITS_ACTIONS, ScopeSettings } from "../runtime/shared/units";
import { CLEANUP_ACTIONS } from "../runtime/waste/actions";
import { INVENTORY_ACTIONS } from "../runtime/waste/inventory";
import { parseWasteSettings, type CleanupMode } from "../runtime/waste/settings";
import { WASTE_SCOPED_TIMEOUT_SECONDS } from "../runtime/waste/run";
import { STORE_ACTIONS } from "../runtime/waste/store";
import { all, arn, carrying, neverTouchProtected, onlyTagKeys, resourceTag, type AccountScope, type Conditions, type PolicyStatement } from "./iam";
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
export interface HygieneScopeArgs {
  /** Regions to cover: "all" (every region enabled in each account) or a list; absent: the stack's region. */
  regions?: "all" | string[];
  /** Organisation mode: the accounts to cover, each read through its member role. */
  organization?: {
    memberRoleName: string;
    accounts: "all" | string[];
    excludeAccounts: string[];
    externalId: string;
    /** Limits sts:AssumeRole to roles of the organisation (aws:ResourceOrgID) where the accounts are not listed. */
    organizationId?: string;
    /** Units read at the same time (one function reads at most 20: its memory and the APIs' rates are per function). */
    concurrency?: number;
  };
}

/** Units one function reads at the same time, at most. */
const MAX_FUNCTION_CONCURRENCY = 20;

/**
 * The scope of a hygiene function: none (its own account and region, today's behaviour: settings
 * and plan unchanged) unless regions or an organisation are configured.
 */
export function hygieneScope(args: HygieneScopeArgs, what: string): ScopeSettings | undefined {
  if (!args.regions && !args.organization) return undefined;
  const regions = args.regions ?? [aws.config.region ?? ""];
  const org = args.organization;
  const scope = {
    regions,
    ...(org ? { organization: { memberRoleName: org.memberRoleName, accounts: org.accounts, excludeAccounts: org.excludeAccounts, externalId: org.externalId } } : {}),
    concurrency: Math.min(org?.concurrency ?? 8, MAX_FUNCTION_CONCURRENCY),
  };
  const parsed = ScopeSettings.safeParse(scope);
  if (!parsed.success) throw new Error(`${what}: costguard:regions / costguard:organization cannot be used (${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}); set costguard:regions to "all" or a list of regions such as ["us-east-1"]`);
  return parsed.data;
}

/**
 * What reaching the units takes, and no more: ec2:DescribeRegions only with regions "all",
 * organizations:ListAccounts only with accounts "all", sts:AssumeRole only on the member role
 * (the listed accounts' ARNs; for "all" or a long list, the role name in any account of the
 * organisation). Neither listing call supports resource-level permissions.
 */
export function unitAccessStatements(scope: ScopeSettings | undefined, organizationId: string | undefined, account: AccountScope): PolicyStatement[] {
  if (!scope) return [];
  const [describeRegions, listAccounts] = LIST_UNITS_ACTIONS;
  const out: PolicyStatement[] = [];
  if (scope.regions === "all") out.push({ Sid: "ListEnabledRegions", Effect: "Allow", Action: describeRegions, Resource: "*" });
  const org = scope.organization;
  if (!org) return out;
  if (org.accounts === "all") out.push({ Sid: "ListOrganizationAccounts", Effect: "Allow", Action: listAccounts, Resource: "*" });
  const roleArn = (id: string) => pulumi.interpolate`arn:${account.partition}:iam::${id}:role/${org.memberRoleName}`;
  const listed = org.accounts === "all" ? undefined : org.accounts.filter((a) => !org.excludeAccounts.includes(a));
  // An IAM policy holds 10,240 characters: past 50 accounts, the role name in the organisation's accounts.
  if (listed && listed.length <= 50) out.push({ Sid: "AssumeMemberRoles", Effect: "Allow", Action: "sts:AssumeRole", Resource: listed.map(roleArn) });
  else out.push({ Sid: "AssumeMemberRoles", Effect: "Allow", Action: "sts:AssumeRole", Resource: roleArn("*"), ...(organizationId ? { Condition: { StringEquals: { "aws:ResourceOrgID": organizationId } } } : {}) });
  return out;
}

/** The account scope of the function's own destructive permissions: every region of its account once it covers more than the stack's. */
export function actingScope(scope: ScopeSettings | undefined, account: AccountScope): AccountScope {
  const onlyHome = !scope || (scope.regions !== "all" && scope.regions.length === 1 && scope.regions[0] === aws.config.region);
  return onlyHome ? account : { ...account, region: "*" };
}

export type WasteScannerTransform = TableGuardTransform;

export interface WasteScannerArgs extends TableGuardArgs, HygieneScopeArgs {
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
    const scope = hygieneScope(args, "the waste scanner");
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
        ...unitAccessStatements(scope, args.organization?.organizationId, account),
      ],
    };
    // Was costguard:hygiene:WasteScanner (hygiene is now waste + enforcer, as in runtime/): the alias keeps deployed stacks' resources.
    super("costguard:waste:WasteScanner", name, args, spec, renamedFrom("costguard:hygiene:WasteScanner", opts));
  }
}
