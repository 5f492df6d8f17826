/**
 * The spot capability's inventory: paginated reads → the plain records of model.ts. The
 * opted-in groups and their instances (the optimizer), the group as it is now (re-read before
 * every removal: it may have scaled in or replaced an instance meanwhile), the launched spot
 * instance's status, membership and target health while a swap waits for it, and an
 * interrupted instance's facts (the spot events).
 */
import { paginateDescribeAutoScalingGroups, paginateDescribeAutoScalingInstances, type AutoScalingClient, type AutoScalingGroup } from "@aws-sdk/client-auto-scaling";
import { paginateDescribeInstances, paginateDescribeInstanceStatus, type EC2Client, type Instance } from "@aws-sdk/client-ec2";
import { DescribeTargetHealthCommand, type ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { TAGS } from "../contract";
import type { GroupFacts, InstanceFacts, LiveGroup } from "./model";

/**
 * The IAM actions of the reads below; Describe calls support no resource-level permissions
 * (granted on "*"). ec2:DescribeLaunchTemplateVersions is granted with them though no call here
 * makes it: the optimizer's role has always held it, and a refactoring changes no permission.
 */
export const INVENTORY_ACTIONS = [
  "autoscaling:DescribeAutoScalingGroups",
  "autoscaling:DescribeAutoScalingInstances",
  "ec2:DescribeInstances",
  "ec2:DescribeInstanceStatus",
  "ec2:DescribeLaunchTemplateVersions",
  "elasticloadbalancing:DescribeTargetHealth",
] as const;

/** The one read the spot events make: the interrupted instance. */
export const INSTANCE_LOOKUP_ACTION = "ec2:DescribeInstances";

export async function loadOptedInGroups(deps: { autoscaling: AutoScalingClient; ec2: EC2Client }): Promise<GroupFacts[]> {
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

/** The instance's state and status checks, as DescribeInstanceStatus reports them; undefined until EC2 shows it. */
export async function describeInstanceStatus(ec2: EC2Client, instanceId: string): Promise<{ state?: string; instance?: string; system?: string } | undefined> {
  for await (const page of paginateDescribeInstanceStatus({ client: ec2 }, { InstanceIds: [instanceId], IncludeAllInstances: true })) {
    const s = page.InstanceStatuses?.find((x) => x.InstanceId === instanceId);
    if (s) return { state: s.InstanceState?.Name, instance: s.InstanceStatus?.Status, system: s.SystemStatus?.Status };
  }
  return undefined;
}

/** The instance's lifecycle state and health in the named group; undefined when it is not (or no longer) a member. */
export async function describeMembership(autoscaling: AutoScalingClient, instanceId: string, group: string): Promise<{ lifecycleState?: string; health?: string } | undefined> {
  let member: { LifecycleState?: string; HealthStatus?: string } | undefined;
  for await (const page of paginateDescribeAutoScalingInstances({ client: autoscaling }, { InstanceIds: [instanceId] })) {
    member ??= page.AutoScalingInstances?.find((i) => i.InstanceId === instanceId && i.AutoScalingGroupName === group);
  }
  return member && { lifecycleState: member.LifecycleState, health: member.HealthStatus };
}

/** The target's state in a target group (healthy, initial, unhealthy…); undefined when it is not registered. */
export async function describeTargetHealth(elbv2: ElasticLoadBalancingV2Client, targetGroupArn: string, instanceId: string): Promise<string | undefined> {
  const th = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: instanceId }] }));
  return th.TargetHealthDescriptions?.find((d) => d.Target?.Id === instanceId)?.TargetHealth?.State;
}

/** Whether the instance exists and is neither terminated nor shutting down. */
export async function isInstanceAlive(ec2: EC2Client, id: string): Promise<boolean> {
  try {
    for await (const page of paginateDescribeInstances({ client: ec2 }, { InstanceIds: [id] })) {
      const state = page.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === id)?.State?.Name;
      if (state) return state !== "terminated" && state !== "shutting-down";
    }
    return false;
  } catch (err) {
    if ((err as { name?: string }).name === "InvalidInstanceID.NotFound") return false;
    throw err;
  }
}

/** Cluster name from the tags EKS managed, self-managed and Karpenter nodes carry. */
export function clusterNameFromTags(tags: Record<string, string>): string | undefined {
  if (tags["eks:cluster-name"]) return tags["eks:cluster-name"];
  if (tags["aws:eks:cluster-name"]) return tags["aws:eks:cluster-name"];
  const key = Object.keys(tags).find((k) => k.startsWith("kubernetes.io/cluster/") && (tags[k] === "owned" || tags[k] === "shared"));
  return key?.slice("kubernetes.io/cluster/".length);
}

export async function describeInstance(ec2: EC2Client, instanceId: string): Promise<InstanceFacts | undefined> {
  let found: Instance | undefined;
  try {
    for await (const page of paginateDescribeInstances({ client: ec2 }, { InstanceIds: [instanceId] })) {
      found ??= page.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    }
  } catch (err) {
    if ((err as { name?: string }).name === "InvalidInstanceID.NotFound" || (err as { name?: string }).name === "InvalidInstanceID.Malformed") return undefined;
    throw err;
  }
  if (!found?.InstanceType || !found.Placement?.AvailabilityZone) return undefined;
  const tags = Object.fromEntries((found.Tags ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? ""]));
  return {
    instanceId,
    instanceType: found.InstanceType,
    availabilityZone: found.Placement.AvailabilityZone,
    ...(found.Placement.AvailabilityZoneId ? { availabilityZoneId: found.Placement.AvailabilityZoneId } : {}),
    environment: tags[TAGS.environment],
    autoScalingGroup: tags["aws:autoscaling:groupName"],
    clusterName: clusterNameFromTags(tags),
    lifecycle: found.InstanceLifecycle === "spot" ? "spot" : "on-demand",
  };
}
