/**
 * The group as it is now, for a swap that must not trust what it saw when it started: the group
 * may have scaled in, replaced an unhealthy instance or been changed by its owner meanwhile.
 *
 * `canRemove` is the one capacity rule every removal of the swap obeys (the on-demand instance
 * going forward, the spot instance going back): after it, at least N instances are still
 * InService and healthy and the desired capacity is still at least N. What would break it is
 * left in place and reported, never "undone".
 */
import { paginateDescribeAutoScalingGroups, type AutoScalingClient } from "@aws-sdk/client-auto-scaling";

export interface LiveMember {
  id: string;
  lifecycleState: string;
  healthy: boolean;
}

export interface LiveGroup {
  desired: number;
  max: number;
  suspended: string[];
  members: LiveMember[];
}

export async function describeLiveGroup(autoscaling: AutoScalingClient, name: string): Promise<LiveGroup | undefined> {
  for await (const page of paginateDescribeAutoScalingGroups({ client: autoscaling }, { AutoScalingGroupNames: [name] })) {
    const g = page.AutoScalingGroups?.find((x) => x.AutoScalingGroupName === name);
    if (!g) continue;
    return {
      desired: g.DesiredCapacity ?? 0,
      max: g.MaxSize ?? 0,
      suspended: (g.SuspendedProcesses ?? []).map((p) => p.ProcessName ?? ""),
      members: (g.Instances ?? []).map((i) => ({ id: i.InstanceId ?? "", lifecycleState: i.LifecycleState ?? "", healthy: (i.HealthStatus ?? "").toUpperCase() === "HEALTHY" })),
    };
  }
  return undefined;
}

export const serving = (m: LiveMember): boolean => m.lifecycleState === "InService" && m.healthy;

/** Whether removing `id` with a decrement keeps ≥ `floor` serving instances and desired ≥ `floor`. */
export function canRemove(group: LiveGroup, id: string, floor: number): { ok: true } | { ok: false; why: string } {
  const others = group.members.filter((m) => m.id !== id && serving(m)).length;
  if (others < floor) return { ok: false, why: `only ${others} other instance${others === 1 ? " is" : "s are"} InService and healthy (N = ${floor})` };
  if (group.desired - 1 < floor) return { ok: false, why: `the group's desired capacity is ${group.desired}: one less would be below N = ${floor}` };
  return { ok: true };
}

/**
 * Capacity the group added during the swap, which may go with a decrement to bring desired back
 * to N: members not serving yet (a replacement still booting) first, then members launched by
 * the group meanwhile (not in `before`); never `keep` (the spot instance), newest first.
 */
export function extraCapacity(group: LiveGroup, keep: string, before?: string[]): string[] {
  const live = group.members.filter((m) => m.id !== keep && !/^Terminat/.test(m.lifecycleState)).reverse();
  const booting = live.filter((m) => !serving(m)).map((m) => m.id);
  const newcomers = before ? live.filter((m) => serving(m) && !before.includes(m.id)).map((m) => m.id) : [];
  return [...booting, ...newcomers];
}
