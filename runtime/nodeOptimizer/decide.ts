/**
 * The node optimizer's decisions, pure over plain records: which on-demand node of a group the
 * scheduled rebalance replaces (and the group settings that make the extra instance spot), which
 * pods a drain leaves alone or may not move safely, and what may leave the group as it is now
 * (N Ready, schedulable nodes must remain).
 */
import type { GroupInstance, GroupView } from "./asgGateway";
import type { NodeInfo, PodInfo } from "./kubeApi";

/** The group and its nodes as they are now: the capacity the rebalance promises to keep. */
export interface Capacity {
  group: GroupView;
  /** Nodes by instance id. */
  nodes: Map<string, NodeInfo>;
}

export type ReplacementPlan =
  | { kind: "skip"; reason: string }
  | { kind: "replace"; old: GroupInstance; oldNode: NodeInfo; onDemandBaseCapacity: number; max: number; candidates: { old: GroupInstance; oldNode: NodeInfo }[] };

/** Pure: which on-demand instances may be replaced (in order), and the group settings that make the +1 spot. */
export function planReplacement(group: GroupView, nodes: NodeInfo[]): ReplacementPlan {
  if (group.protected) return { kind: "skip", reason: "the group is tagged costguard:protect=true" };
  if (group.onDemandBaseCapacity === undefined) return { kind: "skip", reason: "the group has no MixedInstancesPolicy, so it cannot launch spot capacity" };
  if (group.onDemandPercentageAboveBase !== 0)
    return { kind: "skip", reason: `OnDemandPercentageAboveBaseCapacity is ${group.onDemandPercentageAboveBase}: set it to 0 so capacity above the base is spot` };
  const inService = group.instances.filter((i) => i.lifecycleState === "InService");
  if (inService.length !== group.desired || group.instances.length !== group.desired)
    return { kind: "skip", reason: `the group is changing (${inService.length} InService of ${group.desired} desired)` };
  const byInstance = new Map(nodes.filter((n) => n.instanceId).map((n) => [n.instanceId!, n]));
  const notReady = inService.filter((i) => !byInstance.get(i.instanceId)?.ready);
  if (notReady.length) return { kind: "skip", reason: `not every node of the group is Ready (${notReady.map((i) => i.instanceId).join(", ")})` };
  const onDemand = inService.filter((i) => !i.spot);
  if (onDemand.length <= group.minOnDemand) return { kind: "skip", reason: `the group keeps at least ${group.minOnDemand} on-demand instance(s) and has ${onDemand.length}` };
  const candidates = onDemand
    .filter((i) => !i.protected && !byInstance.get(i.instanceId)!.unschedulable)
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId))
    .map((old) => ({ old, oldNode: byInstance.get(old.instanceId)! }));
  const first = candidates[0];
  if (!first) return { kind: "skip", reason: "every on-demand instance is protected or cordoned" };
  return {
    kind: "replace",
    ...first,
    candidates,
    onDemandBaseCapacity: Math.min(group.onDemandBaseCapacity, onDemand.length - 1),
    max: Math.max(group.max, group.desired + 1),
  };
}

export const podKey = (p: Pick<PodInfo, "namespace" | "name">): string => `${p.namespace}/${p.name}`;

/** Why a pod is left alone, or undefined when it must be evicted. */
export function skipReason(pod: PodInfo): string | undefined {
  if (pod.ownerKinds.includes("DaemonSet")) return "DaemonSet pod: runs on every node and ignores cordons";
  if (pod.mirror) return "mirror pod of a static pod: not evictable through the API";
  if (pod.phase === "Succeeded" || pod.phase === "Failed") return `finished (${pod.phase})`;
  return undefined;
}

/** Why moving a pod would hurt (kubectl drain refuses it without a flag), or undefined when it is safe. */
export function unsafeReason(pod: PodInfo): string | undefined {
  if (pod.safeToEvict === false) return 'is annotated cluster-autoscaler.kubernetes.io/safe-to-evict: "false"';
  if (pod.safeToEvict === true) return undefined;
  if (!pod.controllerKind) return "has no controller: it will not be recreated";
  if (pod.localStorage) return "uses emptyDir local storage: its data is lost";
  return undefined;
}

/** Instances of the group that serve: InService, with a Ready, schedulable node. */
export function servingIds(c: Capacity): string[] {
  return c.group.instances.filter((i) => i.lifecycleState === "InService" && c.nodes.get(i.instanceId)?.ready && !c.nodes.get(i.instanceId)?.unschedulable).map((i) => i.instanceId);
}

/** Whether terminating `id` with a decrement leaves ≥ `floor` serving instances and desired ≥ `floor`. */
export function canRemoveNode(c: Capacity, id: string, floor: number): { ok: true } | { ok: false; why: string } {
  const others = servingIds(c).filter((x) => x !== id).length;
  if (others < floor) return { ok: false, why: `only ${others} other node${others === 1 ? " is" : "s are"} Ready and schedulable (N = ${floor})` };
  if (c.group.desired - 1 < floor) return { ok: false, why: `the group's desired capacity is ${c.group.desired}: one less would be below N = ${floor}` };
  return { ok: true };
}
