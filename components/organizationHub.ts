/**
 * Organisation mode's hub, assembled from the components the stack already has: the member role
 * every account gets (MemberAccess, with the statements of the hub's failsafe, waste scanner and
 * enforcer made fit for a member account) and the sweep that drives the failsafe over every
 * unit (OrganizationSweep). index.ts calls this only when `organization` is set.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { EnforcerMode } from "../runtime/enforcer/settings";
import type { FailsafeSettings } from "../runtime/failsafe/settings";
import { runsPerMonth } from "../runtime/pricing/schedule";
import type { CleanupMode } from "../runtime/waste/settings";
import { enforcerStatements, type SecurityEnforcer } from "./enforcer";
import { estimateTags } from "./estimateHints";
import { INSTANCE_LOOKUP_ACTION } from "../runtime/spot/inventory";
import { ZONE_LOOKUP_ACTION } from "../runtime/spot/zones";
import { failsafeStatements, type Failsafe, type FailsafeTransform } from "./failsafe";
import type { PolicyStatement } from "./iam";
import { MEMBER_SCOPE, MemberAccess, memberStatements } from "./memberAccess";
import { ASSUMED_BATCH_MS, ASSUMED_LIST_DECIDE_MS, OrganizationSweep, sweepUsage, type SweepBucket } from "./sweep";
import { wasteScannerStatements, type WasteScanner } from "./waste";

/**
 * The failsafe's part of the sweep: the bucket it writes the units and inventories to (its
 * COSTGUARD_SWEEP_BUCKET and S3 grants on sweeps/*); with it, the sweep drives the failsafe and
 * the failsafe's own schedule goes.
 */
export interface FailsafeSweepWiring {
  sweep?: { bucketName: pulumi.Input<string>; bucketArn: pulumi.Input<string> };
}

/**
 * The failsafe function's invocations under the sweep, declared for the estimate (list + one per
 * batch + decide per sweep; duration averaged over them).
 */
export function sweepEstimateTransform(units: number, schedule: string): FailsafeTransform {
  const runs = runsPerMonth(schedule) ?? 0;
  const { batches, invocationsPerMonth } = sweepUsage(units, runs);
  const durationMs = Math.round((batches * ASSUMED_BATCH_MS + 2 * ASSUMED_LIST_DECIDE_MS) / (batches + 2));
  return {
    function: (args) => {
      args.tags = { ...(args.tags as Record<string, string> | undefined), ...estimateTags({ invocationsPerMonth, durationMs }) };
    },
  };
}

export interface OrganizationHubArgs {
  stack: string;
  region: pulumi.Input<string>;
  logRetentionDays: number;
  organization: { memberRoleName: string; externalId: string; organizationId: string; deploymentTargets: string[]; callAs: "SELF" | "DELEGATED_ADMIN" };
  units: { units: number; assumed: boolean };
  schedule: string;
  failsafe: { component: Failsafe; settings: Pick<FailsafeSettings, "environments" | "stopUntagged"> };
  waste?: { component: WasteScanner; cleanup: CleanupMode };
  enforcer?: { component: SecurityEnforcer; mode: EnforcerMode; authorizationTags: string[] };
  /** The spot events function reads an interrupted instance of a member account (its tags, type and AZ ID). */
  spotEvents?: { roleArn: pulumi.Output<string> };
  sweepBucket: SweepBucket;
  provider: aws.Provider;
}

export function organizationHub(args: OrganizationHubArgs, opts: pulumi.ComponentResourceOptions) {
  const scope = MEMBER_SCOPE(aws.getPartitionOutput({}, { provider: args.provider }).partition);
  const policies: Record<string, PolicyStatement[]> = {
    failsafe: memberStatements(failsafeStatements({ environments: args.failsafe.settings.environments, stopUntagged: args.failsafe.settings.stopUntagged, scope, tableArns: [] })),
  };
  const trustedRoleArns = [args.failsafe.component.function.role.arn];
  if (args.waste) {
    policies.waste = memberStatements(wasteScannerStatements("", args.waste.cleanup, scope));
    trustedRoleArns.push(args.waste.component.function.role.arn);
  }
  if (args.enforcer) {
    policies.enforcer = memberStatements(enforcerStatements("", args.enforcer.mode, scope, args.enforcer.authorizationTags));
    trustedRoleArns.push(args.enforcer.component.function.role.arn);
  }
  if (args.spotEvents) {
    // Two reads, no resource-level permissions (granted on "*"), nothing that changes the account.
    policies.spot = [{ Sid: "SpotEventLookups", Effect: "Allow", Action: [INSTANCE_LOOKUP_ACTION, ZONE_LOOKUP_ACTION], Resource: "*" }];
    trustedRoleArns.push(args.spotEvents.roleArn);
  }
  const o = args.organization;
  const memberAccess = new MemberAccess(
    "member-access",
    {
      stack: args.stack,
      roleName: o.memberRoleName,
      externalId: o.externalId,
      organizationId: o.organizationId,
      deploymentTargets: o.deploymentTargets,
      callAs: o.callAs,
      region: args.region,
      trustedRoleArns,
      policies,
    },
    opts,
  );
  const sweep = new OrganizationSweep(
    "sweep",
    {
      stack: args.stack,
      bucket: { bucketName: args.sweepBucket.bucketName, bucketArn: args.sweepBucket.bucketArn },
      functionArn: args.failsafe.component.function.functionArn,
      schedule: args.schedule,
      logRetentionDays: args.logRetentionDays,
      estimate: args.units,
    },
    opts,
  );
  return { memberAccess, sweep };
}
