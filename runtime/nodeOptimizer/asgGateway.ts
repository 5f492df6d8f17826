/**
 * The Auto Scaling and EC2 calls of the node optimizer (the rebalance's inventory of a group and
 * its changes to it), over AWS SDK v3 (clients injected), with plain records out, behind the
 * `AsgGateway` interface the rebalance depends on (tests fake it).
 */
import {
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
  paginateDescribeAutoScalingGroups,
  type AutoScalingClient,
  type AutoScalingGroup,
} from "@aws-sdk/client-auto-scaling";
import { paginateDescribeInstances, type EC2Client } from "@aws-sdk/client-ec2";
import { TAGS, isProtected } from "../contract";

/** The IAM actions of the reads below; Describe calls support no resource-level permissions (granted on "*"). */
export const DESCRIBE_ACTIONS = ["autoscaling:DescribeAutoScalingGroups", "ec2:DescribeInstances"] as const;

/**
 * The IAM actions of the changes below. The component allows them only on the configured groups,
 * and only those tagged as the cluster's, and denies them on anything protected.
 */
export const REBALANCE_ACTIONS = ["autoscaling:UpdateAutoScalingGroup", "autoscaling:SuspendProcesses", "autoscaling:ResumeProcesses", "autoscaling:TerminateInstanceInAutoScalingGroup"] as const;

export interface GroupInstance {
  instanceId: string;
  availabilityZone: string;
  instanceType?: string;
  /** ASG lifecycle state (Pending, InService, Terminating, ...). */
  lifecycleState: string;
  spot: boolean;
  /** Tagged costguard:protect=true (any letter case), or protected from scale-in. */
  protected: boolean;
}

export interface GroupView {
  name: string;
  desired: number;
  min: number;
  max: number;
  /** Present when the group has a MixedInstancesPolicy. */
  onDemandBaseCapacity?: number;
  onDemandPercentageAboveBase?: number;
  /** Instance types the group may launch (overrides; empty when it uses one launch template type). */
  instanceTypes: string[];
  availabilityZones: string[];
  suspendedProcesses: string[];
  /** Tag costguard:min-on-demand (count, or percent of desired with a trailing %), default 0. */
  minOnDemand: number;
  /** The group's Environment tag, for the capacity advisor. */
  environment?: string;
  /** The group is tagged costguard:protect=true (any letter case): never changed. */
  protected?: boolean;
  instances: GroupInstance[];
}

export interface GroupUpdate {
  desired?: number;
  max?: number;
  onDemandBaseCapacity?: number;
}

export interface AsgGateway {
  describe(name: string): Promise<GroupView | undefined>;
  update(name: string, change: GroupUpdate): Promise<void>;
  suspend(name: string, processes: string[]): Promise<void>;
  resume(name: string, processes: string[]): Promise<void>;
  /** Terminates an instance of the group, decrementing desired capacity. */
  terminateWithDecrement(instanceId: string): Promise<void>;
}

export function parseMinOnDemand(tag: string | undefined, desired: number): number {
  if (!tag) return 0;
  const m = /^\s*(\d+)\s*(%?)\s*$/.exec(tag);
  if (!m) return 0;
  const n = Number(m[1]);
  return m[2] ? Math.ceil((desired * Math.min(n, 100)) / 100) : n;
}

export class SdkAsgGateway implements AsgGateway {
  constructor(
    private readonly autoscaling: AutoScalingClient,
    private readonly ec2: EC2Client,
  ) {}

  async describe(name: string): Promise<GroupView | undefined> {
    let group: AutoScalingGroup | undefined;
    for await (const page of paginateDescribeAutoScalingGroups({ client: this.autoscaling }, { AutoScalingGroupNames: [name] })) {
      group = page.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name) ?? group;
    }
    if (!group) return undefined;
    const ids = (group.Instances ?? []).map((i) => i.InstanceId!).filter(Boolean);
    const ec2Info = new Map<string, { spot: boolean; protect: boolean; type?: string }>();
    if (ids.length) {
      for await (const page of paginateDescribeInstances({ client: this.ec2 }, { InstanceIds: ids })) {
        for (const r of page.Reservations ?? [])
          for (const i of r.Instances ?? []) {
            ec2Info.set(i.InstanceId!, {
              spot: i.InstanceLifecycle === "spot",
              protect: isProtected(Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? "", t.Value]))),
              type: i.InstanceType,
            });
          }
      }
    }
    const tag = (key: string) => group!.Tags?.find((t) => t.Key === key)?.Value;
    const mixed = group.MixedInstancesPolicy;
    const desired = group.DesiredCapacity ?? 0;
    return {
      name,
      desired,
      min: group.MinSize ?? 0,
      max: group.MaxSize ?? 0,
      onDemandBaseCapacity: mixed ? (mixed.InstancesDistribution?.OnDemandBaseCapacity ?? 0) : undefined,
      onDemandPercentageAboveBase: mixed ? (mixed.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity ?? 100) : undefined,
      instanceTypes: (mixed?.LaunchTemplate?.Overrides ?? []).map((o) => o.InstanceType).filter((t): t is string => !!t),
      availabilityZones: group.AvailabilityZones ?? [],
      suspendedProcesses: (group.SuspendedProcesses ?? []).map((p) => p.ProcessName!).filter(Boolean),
      minOnDemand: parseMinOnDemand(tag(TAGS.minOnDemand), desired),
      environment: tag(TAGS.environment),
      protected: isProtected(Object.fromEntries((group.Tags ?? []).map((t) => [t.Key ?? "", t.Value]))),
      instances: (group.Instances ?? []).map((i) => {
        const info = ec2Info.get(i.InstanceId!);
        return {
          instanceId: i.InstanceId!,
          availabilityZone: i.AvailabilityZone ?? "",
          instanceType: i.InstanceType ?? info?.type,
          lifecycleState: i.LifecycleState ?? "",
          spot: info?.spot ?? false,
          protected: (info?.protect ?? false) || i.ProtectedFromScaleIn === true,
        };
      }),
    };
  }

  async update(name: string, change: GroupUpdate): Promise<void> {
    await this.autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        DesiredCapacity: change.desired,
        MaxSize: change.max,
        MixedInstancesPolicy:
          change.onDemandBaseCapacity === undefined ? undefined : { InstancesDistribution: { OnDemandBaseCapacity: change.onDemandBaseCapacity } },
      }),
    );
  }

  async suspend(name: string, processes: string[]): Promise<void> {
    await this.autoscaling.send(new SuspendProcessesCommand({ AutoScalingGroupName: name, ScalingProcesses: processes }));
  }

  async resume(name: string, processes: string[]): Promise<void> {
    await this.autoscaling.send(new ResumeProcessesCommand({ AutoScalingGroupName: name, ScalingProcesses: processes }));
  }

  async terminateWithDecrement(instanceId: string): Promise<void> {
    await this.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: true }));
  }
}
