/**
 * The ASG optimizer's scheduled run: for each Auto Scaling group opted in with the tag
 * `costguard:spot-optimize=true`, replace one on-demand instance per run with spot, as long
 * as the group keeps its minimum of on-demand instances (tag `costguard:min-on-demand`, a
 * count such as "2" or a percentage of desired capacity such as "50%"; default from config).
 *
 * `optimizeGroups` reads the opted-in groups (inventory.ts), settles what an earlier run left in
 * a group's journal, decides the swap and its types (decide.ts) and runs it (actions.ts), one
 * group at a time under the group's lease.
 */
import { randomUUID } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { TAGS, type GuardEventInput } from "../contract";
import type { PriceBook } from "../pricing/types";
import { JournalStore } from "../shared/journal";
import { Lease } from "../shared/lease";
import type { MetricSink } from "../shared/observability";
import { resumeSwap, swapOnDemandForSpot } from "./actions";
import type { ProbeCoordinator, SpotHealth } from "./advice";
import { decideSwap, rankCompatibleTypes, selectHealthyTypes } from "./decide";
import { loadOptedInGroups } from "./inventory";
import { DEFAULT_SWAP_TIMEOUTS, type GroupFacts, type SwapDeps, type SwapPlan, type SwapProgress, type SwapResult } from "./model";

export interface OptimizerDeps extends SwapDeps {
  /** Instance specs and prices for choosing compatible types; without it only the same type is used. */
  prices?: PriceBook;
  health: SpotHealth;
  /** Half-open circuits: the one probe launch is claimed before it and confirmed once it serves. */
  probes?: ProbeCoordinator;
  region: string;
  minOnDemandDefault: number;
  stack: string;
  publish: (event: Omit<GuardEventInput, "source">) => Promise<void>;
  metric: MetricSink;
  /** The optimizer's table: one lease per group (one run at a time) and each group's swap journal. */
  store: { doc: DynamoDBDocumentClient; table: string };
  /** Who this run is, in leases (the Lambda request id); random by default. */
  runId?: string;
  /** Milliseconds left in this invocation; no swap starts without time to finish it. */
  remainingMs?: () => number;
}

export type GroupOutcome =
  | { group: string; outcome: "skipped"; reason: string }
  | ({ group: string; onDemandInstanceId: string; onDemandInstanceType?: string; instanceTypes: string[]; resumed: boolean } & SwapResult);

/**
 * How long a run holds a group: longer than any run can live (Lambda stops at 15 minutes), so a
 * live holder is never overtaken, and a dead one blocks the group until the next scheduled run.
 */
export const GROUP_LEASE_MS = 16 * 60_000;

/** Time one swap may take at most (both bounded waits plus the API calls around them). */
export function swapBudgetMs(deps: Pick<SwapDeps, "timeouts">): number {
  const t = { ...DEFAULT_SWAP_TIMEOUTS, ...deps.timeouts };
  return t.statusChecksMs + t.inServiceMs + 4 * t.pollMs + 30_000;
}

export async function optimizeGroups(deps: OptimizerDeps): Promise<GroupOutcome[]> {
  const outcomes: GroupOutcome[] = [];
  const runId = deps.runId ?? randomUUID();
  const groups = await loadOptedInGroups(deps);
  for (const group of groups) {
    if (deps.remainingMs && deps.remainingMs() < swapBudgetMs(deps)) {
      outcomes.push({ group: group.name, outcome: "skipped", reason: `${group.name}: no time left in this run for a swap; next run` });
      continue;
    }
    const lease = new Lease(deps.store.doc, deps.store.table, `asg#${group.name}`, { now: deps.clock.now });
    const held = await lease.acquire(runId, GROUP_LEASE_MS);
    if (!held.acquired) {
      outcomes.push({ group: group.name, outcome: "skipped", reason: `another run (${held.holder}) holds ${group.name} until ${new Date(held.until).toISOString()}; next run` });
      continue;
    }
    try {
      const outcome = await optimizeGroup(group, held.fence, deps);
      outcomes.push(outcome);
      if (outcome.outcome !== "skipped") {
        deps.metric("spotSwaps", 1, { Outcome: outcome.outcome }, { group: group.name, instanceType: outcome.onDemandInstanceType ?? "", availabilityZone: group.members.find((m) => m.id === outcome.onDemandInstanceId)?.availabilityZone ?? "" });
        await deps.publish(swapEvent(group.name, outcome, deps.stack));
      }
    } finally {
      await lease.release(runId);
    }
  }
  return outcomes;
}

/** One group under its lease: first settle what an earlier run left in the journal, else start a swap. */
async function optimizeGroup(group: GroupFacts, fence: number, deps: OptimizerDeps): Promise<GroupOutcome> {
  const journals = new JournalStore<SwapProgress>(deps.store.doc, deps.store.table, "asg-swap", deps.clock.now);
  const record = (p: SwapProgress) => journals.save(group.name, fence, p);
  const pending = await journals.adopt(group.name, fence);
  if (pending) {
    deps.log.warn(`swap ${group.name}: an earlier run stopped at ${pending.data.step}; finishing or undoing it`, { startedAt: new Date(pending.startedAt).toISOString() });
    const result = await resumeSwap(pending.data, deps, record);
    return settleJournal(group.name, pending.data.plan, result, fence, journals, deps, true);
  }

  const decision = decideSwap(group, deps.minOnDemandDefault);
  if (decision.action === "skip") return { group: group.name, outcome: "skipped", reason: `${group.name} ${decision.reason}` };
  const od = decision.instance;
  const ranked = deps.prices ? rankCompatibleTypes(deps.prices, { region: deps.region, instanceType: od.instanceType! }) : [];
  const { types, skipped, probeable } = await selectHealthyTypes(ranked.length ? ranked : [od.instanceType!], od.availabilityZone, deps.health);
  // A half-open circuit is tested by exactly one launch of its type: take it when offered.
  let instanceTypes = types;
  let probe = false;
  for (const type of deps.probes ? probeable : []) {
    const claim = await deps.probes!.claimProbe(type, od.availabilityZone);
    if (claim.granted) {
      instanceTypes = [type];
      probe = true;
      break;
    }
    skipped.push({ type, reason: claim.reason });
  }
  if (!instanceTypes.length) {
    const why = skipped.slice(0, 3).map((s) => `${s.type}: ${s.reason}`).join("; ");
    return { group: group.name, outcome: "skipped", reason: `${group.name}: no compatible type with a healthy pool and closed circuit in ${od.availabilityZone} (${why})` };
  }
  const plan: SwapPlan = {
    autoScalingGroupName: group.name,
    onDemandInstanceId: od.id,
    onDemandInstanceType: od.instanceType,
    availabilityZone: od.availabilityZone,
    subnetId: od.subnetId!,
    launchTemplate: group.launchTemplate!,
    instanceTypes,
    desiredCapacity: group.desiredCapacity,
    maxSize: group.maxSize,
    memberIdsBefore: group.members.map((m) => m.id),
    suspendedProcesses: group.suspendedProcesses,
    targetGroupArns: group.targetGroupArns,
    tags: [...group.propagatedTags.filter((t) => t.Key !== TAGS.spotReplacementFor), { Key: TAGS.spotReplacementFor, Value: od.id }],
    clientToken: `costguard-${od.id}-${Math.floor(deps.clock.now() / 60_000)}`.slice(0, 64),
    ...(probe ? { probe } : {}),
  };
  const begun = await journals.begin(group.name, fence, { plan, step: "suspend-processes", suspendedHere: false, raisedMax: false, attachTried: false });
  if (!begun) {
    if (probe) await deps.probes!.releaseProbe(instanceTypes[0]!, od.availabilityZone).catch(() => undefined);
    return { group: group.name, outcome: "skipped", reason: `${group.name}: a swap journal appeared meanwhile; next run settles it` };
  }
  const result = await swapOnDemandForSpot(plan, deps, record);
  return settleJournal(group.name, plan, result, fence, journals, deps, false);
}

/** The journal goes once the group is settled cleanly; with errors it stays, and the next run tries again. */
async function settleJournal(
  name: string,
  plan: SwapPlan,
  result: SwapResult,
  fence: number,
  journals: JournalStore<SwapProgress>,
  deps: OptimizerDeps,
  resumed: boolean,
): Promise<GroupOutcome> {
  if (plan.probe && deps.probes) {
    const type = plan.instanceTypes[0]!;
    const kept = result.outcome !== "rolled-back" && result.instanceType === type;
    // Only a probe that is serving can prove the pool quiet; one that never served is given back.
    const report = kept ? deps.probes.probeLaunched(type, plan.availabilityZone, result.spotInstanceId!) : deps.probes.releaseProbe(type, plan.availabilityZone);
    await report.catch((err) => deps.log.error(`probe of ${type} could not be reported`, { error: (err as Error).message }));
  }
  const errors = result.outcome === "rolled-back" ? result.rollbackErrors : result.cleanupErrors;
  if (errors.length === 0 || (result.outcome === "settled" && errors.every((e) => e.startsWith("swap stopped at")))) await journals.finish(name, fence);
  return { group: name, onDemandInstanceId: plan.onDemandInstanceId, onDemandInstanceType: plan.onDemandInstanceType, instanceTypes: plan.instanceTypes, resumed, ...result };
}

function swapEvent(group: string, o: Exclude<GroupOutcome, { outcome: "skipped" }>, stack: string): Omit<GuardEventInput, "source"> {
  const fields = { group, "on-demand instance": o.onDemandInstanceId, ...(o.spotInstanceId ? { "spot instance": o.spotInstanceId } : {}) };
  const resumed = o.resumed ? " (finishing an interrupted run)" : "";
  if (o.outcome === "replaced") {
    return {
      kind: "optimizer",
      severity: o.cleanupErrors.length ? "warning" : "info",
      title: `ASG ${group}: on-demand ${o.onDemandInstanceType ?? o.onDemandInstanceId} replaced by spot ${o.instanceType}${resumed}`,
      stack,
      lines: [`${o.onDemandInstanceId} → ${o.spotInstanceId}; capacity held throughout.`, ...o.notes, ...o.cleanupErrors.map((e) => `Clean-up failed: ${e} (the next run tries again)`)],
      fields,
    };
  }
  if (o.outcome === "settled") {
    return {
      kind: "optimizer",
      severity: "warning",
      title: `ASG ${group}: the group changed during a spot swap; settled without losing capacity${resumed}`,
      stack,
      lines: [...o.notes, ...o.cleanupErrors.map((e) => `Note: ${e}`)],
      fields,
    };
  }
  return {
    kind: "optimizer",
    severity: o.rollbackErrors.length ? "critical" : "warning",
    title: `ASG ${group}: spot swap rolled back at ${o.failedStep}${resumed}`,
    stack,
    lines: [
      o.error,
      ...launchPermissionHint(o.error),
      ...o.notes,
      ...(o.rollbackErrors.length ? o.rollbackErrors.map((e) => `Rollback could not: ${e} (the next run tries again; check the group if this repeats)`) : ["Group restored: capacity, MaxSize and processes as before."]),
    ],
    fields,
  };
}

/** A refused launch is usually the owner's part of the opt-in: the template and instance role must be allowed. */
function launchPermissionHint(error: string): string[] {
  if (!/UnauthorizedOperation|AccessDenied|not authorized/i.test(error)) return [];
  return [
    `The optimizer may launch only from launch templates and pass only instance roles tagged ${TAGS.spotOptimize}=true (or listed in costguard:spot.optimizerLaunchTemplates / optimizerInstanceRoles): tag them or list them.`,
  ];
}
