/**
 * The scheduled ASG optimizer (SPEC S5): for each Auto Scaling group opted in with the tag
 * `costguard:spot-optimize=true`, replace one on-demand instance per run with spot, as long
 * as the group keeps its minimum of on-demand instances (tag `costguard:min-on-demand`, a
 * count such as "2" or a percentage of desired capacity such as "50%"; default from config).
 *
 * `decideSwap` is pure over plain facts about the group; `optimizeGroups` gathers the facts,
 * chooses compatible healthy types and runs the swap (asgSwap.ts).
 */
import { paginateDescribeAutoScalingGroups, type AutoScalingGroup } from "@aws-sdk/client-auto-scaling";
import { paginateDescribeInstances, type Tag } from "@aws-sdk/client-ec2";
import { TAGS, type GuardEventInput } from "../contract";
import type { PriceBook } from "../pricing/types";
import type { SpotHealth } from "./advice";
import { swapOnDemandForSpot, DEFAULT_SWAP_TIMEOUTS, type SwapDeps, type SwapPlan, type SwapResult } from "./asgSwap";
import { rankCompatibleTypes, selectHealthyTypes } from "./compatible";
import type { MetricSink } from "./metrics";

export interface MemberFacts {
  id: string;
  lifecycleState: string;
  health: string;
  protectedFromScaleIn: boolean;
  availabilityZone: string;
  instanceType?: string;
  lifecycle?: "spot" | "on-demand";
  subnetId?: string;
  launchTime?: number;
  tags: Record<string, string>;
}

export interface GroupFacts {
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  launchTemplate?: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string };
  usesMixedInstancesPolicy: boolean;
  suspendedProcesses: string[];
  targetGroupArns: string[];
  tags: Record<string, string>;
  /** Tags the group propagates to its instances (copied onto the spot instance). */
  propagatedTags: Tag[];
  members: MemberFacts[];
}

export type SwapDecision =
  | { action: "swap"; instance: MemberFacts; minOnDemand: number; onDemand: number }
  | { action: "skip"; reason: string };

/** `costguard:min-on-demand`: "2" → 2; "50%" → half of desired, rounded up. */
export function parseMinOnDemand(value: string | undefined, desired: number, fallback: number): { min: number } | { error: string } {
  if (value === undefined || value.trim() === "") return { min: fallback };
  const m = /^\s*(\d+)\s*(%?)\s*$/.exec(value);
  if (!m) return { error: `tag ${TAGS.minOnDemand} must be a count such as "2" or a percentage such as "50%" (got "${value}")` };
  const n = Number(m[1]);
  if (m[2] === "%") return n > 100 ? { error: `tag ${TAGS.minOnDemand} must be at most 100% (got "${value}")` } : { min: Math.ceil((desired * n) / 100) };
  return { min: n };
}

export function decideSwap(group: GroupFacts, minOnDemandDefault: number): SwapDecision {
  if (group.usesMixedInstancesPolicy) return { action: "skip", reason: "uses a MixedInstancesPolicy: its instances distribution already decides spot vs on-demand" };
  if (!group.launchTemplate) return { action: "skip", reason: "has no launch template (launch configurations cannot launch a matching spot instance)" };
  const inService = group.members.filter((m) => m.lifecycleState === "InService" && m.health.toUpperCase() === "HEALTHY");
  if (inService.length !== group.members.length || inService.length !== group.desiredCapacity) {
    return { action: "skip", reason: `is changing (${inService.length} healthy InService of ${group.members.length} members, desired ${group.desiredCapacity}): try next run` };
  }
  const min = parseMinOnDemand(group.tags[TAGS.minOnDemand], group.desiredCapacity, minOnDemandDefault);
  if ("error" in min) return { action: "skip", reason: min.error };
  const onDemand = inService.filter((m) => m.lifecycle === "on-demand");
  if (onDemand.length <= min.min) return { action: "skip", reason: `keeps its ${onDemand.length} on-demand instance${onDemand.length === 1 ? "" : "s"} (minimum ${min.min})` };
  const candidates = onDemand.filter((m) => !m.protectedFromScaleIn && m.tags[TAGS.protect] !== "true" && m.subnetId && m.instanceType);
  if (!candidates.length) return { action: "skip", reason: "every on-demand instance above the minimum is protected" };
  // From the AZ with the most on-demand instances (keeps the spread), the oldest first.
  const perAz = new Map<string, number>();
  for (const m of onDemand) perAz.set(m.availabilityZone, (perAz.get(m.availabilityZone) ?? 0) + 1);
  candidates.sort((a, b) => (perAz.get(b.availabilityZone) ?? 0) - (perAz.get(a.availabilityZone) ?? 0) || (a.launchTime ?? 0) - (b.launchTime ?? 0) || a.id.localeCompare(b.id));
  return { action: "swap", instance: candidates[0]!, minOnDemand: min.min, onDemand: onDemand.length };
}

export interface OptimizerDeps extends SwapDeps {
  /** Instance specs and prices for choosing compatible types; without it only the same type is used. */
  prices?: PriceBook;
  health: SpotHealth;
  region: string;
  minOnDemandDefault: number;
  stack: string;
  publish: (event: Omit<GuardEventInput, "source">) => Promise<void>;
  metric: MetricSink;
  /** Milliseconds left in this invocation; no swap starts without time to finish it. */
  remainingMs?: () => number;
}

export type GroupOutcome =
  | { group: string; outcome: "skipped"; reason: string }
  | ({ group: string; onDemandInstanceId: string; instanceTypes: string[] } & SwapResult);

export async function loadOptedInGroups(deps: Pick<OptimizerDeps, "autoscaling" | "ec2">): Promise<GroupFacts[]> {
  const groups: AutoScalingGroup[] = [];
  for await (const page of paginateDescribeAutoScalingGroups({ client: deps.autoscaling }, { Filters: [{ Name: `tag:${TAGS.spotOptimize}`, Values: ["true"] }] })) {
    groups.push(...(page.AutoScalingGroups ?? []));
  }
  const ids = groups.flatMap((g) => (g.Instances ?? []).map((i) => i.InstanceId!).filter(Boolean));
  const ec2Facts = new Map<string, { type?: string; lifecycle: "spot" | "on-demand"; subnetId?: string; launchTime?: number; tags: Record<string, string> }>();
  for (let i = 0; i < ids.length; i += 200) {
    for await (const page of paginateDescribeInstances({ client: deps.ec2 }, { InstanceIds: ids.slice(i, i + 200) })) {
      for (const inst of page.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) {
        ec2Facts.set(inst.InstanceId!, {
          type: inst.InstanceType,
          lifecycle: inst.InstanceLifecycle === "spot" ? "spot" : "on-demand",
          subnetId: inst.SubnetId,
          launchTime: inst.LaunchTime ? new Date(inst.LaunchTime).getTime() : undefined,
          tags: Object.fromEntries((inst.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
        });
      }
    }
  }
  return groups.map((g) => ({
    name: g.AutoScalingGroupName!,
    minSize: g.MinSize ?? 0,
    maxSize: g.MaxSize ?? 0,
    desiredCapacity: g.DesiredCapacity ?? 0,
    launchTemplate: g.LaunchTemplate,
    usesMixedInstancesPolicy: g.MixedInstancesPolicy !== undefined,
    suspendedProcesses: (g.SuspendedProcesses ?? []).map((p) => p.ProcessName!).filter(Boolean),
    targetGroupArns: g.TargetGroupARNs ?? [],
    tags: Object.fromEntries((g.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
    propagatedTags: (g.Tags ?? []).filter((t) => t.PropagateAtLaunch && t.Key && !t.Key.startsWith("aws:")).map((t) => ({ Key: t.Key, Value: t.Value ?? "" })),
    members: (g.Instances ?? []).map((i) => {
      const f = ec2Facts.get(i.InstanceId!);
      return {
        id: i.InstanceId!,
        lifecycleState: i.LifecycleState ?? "unknown",
        health: i.HealthStatus ?? "unknown",
        protectedFromScaleIn: i.ProtectedFromScaleIn ?? false,
        availabilityZone: i.AvailabilityZone ?? "",
        instanceType: f?.type ?? i.InstanceType,
        lifecycle: f?.lifecycle,
        subnetId: f?.subnetId,
        launchTime: f?.launchTime,
        tags: f?.tags ?? {},
      };
    }),
  }));
}

/** Time one swap may take at most (both bounded waits plus the API calls around them). */
export function swapBudgetMs(deps: Pick<SwapDeps, "timeouts">): number {
  const t = { ...DEFAULT_SWAP_TIMEOUTS, ...deps.timeouts };
  return t.statusChecksMs + t.inServiceMs + 4 * t.pollMs + 30_000;
}

export async function optimizeGroups(deps: OptimizerDeps): Promise<GroupOutcome[]> {
  const outcomes: GroupOutcome[] = [];
  const groups = await loadOptedInGroups(deps);
  for (const group of groups) {
    const decision = decideSwap(group, deps.minOnDemandDefault);
    if (decision.action === "skip") {
      outcomes.push({ group: group.name, outcome: "skipped", reason: `${group.name} ${decision.reason}` });
      continue;
    }
    if (deps.remainingMs && deps.remainingMs() < swapBudgetMs(deps)) {
      outcomes.push({ group: group.name, outcome: "skipped", reason: `${group.name}: no time left in this run for a swap; next run` });
      continue;
    }
    const od = decision.instance;
    const ranked = deps.prices ? rankCompatibleTypes(deps.prices, { region: deps.region, instanceType: od.instanceType! }) : [];
    const { types, skipped } = await selectHealthyTypes(ranked.length ? ranked : [od.instanceType!], od.availabilityZone, deps.health);
    if (!types.length) {
      const why = skipped.slice(0, 3).map((s) => `${s.type}: ${s.reason}`).join("; ");
      outcomes.push({ group: group.name, outcome: "skipped", reason: `${group.name}: no compatible type with a healthy pool and closed circuit in ${od.availabilityZone} (${why})` });
      continue;
    }
    const plan: SwapPlan = {
      autoScalingGroupName: group.name,
      onDemandInstanceId: od.id,
      availabilityZone: od.availabilityZone,
      subnetId: od.subnetId!,
      launchTemplate: group.launchTemplate!,
      instanceTypes: types,
      desiredCapacity: group.desiredCapacity,
      maxSize: group.maxSize,
      suspendedProcesses: group.suspendedProcesses,
      targetGroupArns: group.targetGroupArns,
      tags: [...group.propagatedTags.filter((t) => t.Key !== TAGS.spotReplacementFor), { Key: TAGS.spotReplacementFor, Value: od.id }],
      clientToken: `costguard-${od.id}-${Math.floor(deps.clock.now() / 60_000)}`.slice(0, 64),
    };
    const result = await swapOnDemandForSpot(plan, deps);
    outcomes.push({ group: group.name, onDemandInstanceId: od.id, instanceTypes: types, ...result });
    deps.metric("spotSwaps", 1, { Outcome: result.outcome }, { group: group.name, instanceType: od.instanceType ?? "", availabilityZone: od.availabilityZone });
    await deps.publish(swapEvent(group.name, od, result, deps.stack));
  }
  return outcomes;
}

function swapEvent(group: string, od: MemberFacts, r: SwapResult, stack: string): Omit<GuardEventInput, "source"> {
  if (r.outcome === "replaced") {
    return {
      kind: "optimizer",
      severity: r.cleanupErrors.length ? "warning" : "info",
      title: `ASG ${group}: on-demand ${od.instanceType} replaced by spot ${r.instanceType}`,
      stack,
      lines: [`${od.id} → ${r.spotInstanceId} in ${od.availabilityZone}; capacity held throughout.`, ...r.cleanupErrors.map((e) => `Clean-up failed: ${e}`)],
      fields: { group, "spot instance": r.spotInstanceId },
    };
  }
  return {
    kind: "optimizer",
    severity: r.rollbackErrors.length ? "critical" : "warning",
    title: `ASG ${group}: spot swap rolled back at ${r.failedStep}`,
    stack,
    lines: [r.error, ...(r.rollbackErrors.length ? r.rollbackErrors.map((e) => `Rollback could not: ${e} (check the group by hand)`) : ["Group restored: capacity, MaxSize and processes as before."])],
    fields: { group, "on-demand instance": od.id },
  };
}
