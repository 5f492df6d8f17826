/**
 * The ASG swap (SPEC S5): replace one on-demand instance of an Auto Scaling group with a spot
 * instance without the group's InService capacity ever dropping below N (its desired
 * capacity before the swap):
 *
 *   1 suspend AZRebalance (so the group does not "rebalance" the extra instance away)
 *   2 raise MaxSize by one if N + 1 would exceed it
 *   3 launch one spot instance (CreateFleet, instant, capacity-optimized-prioritized) in the
 *     on-demand instance's subnet, over the compatible types in priority order
 *   4 wait for its status checks (bounded)
 *   5 attach it to the group (desired N + 1)
 *   6 wait until it is InService and Healthy, and healthy in every target group (bounded)
 *   7 terminate the on-demand instance through the group, decrementing desired (N)
 *   8 restore MaxSize, 9 resume the processes this swap suspended
 *
 * Any failure in 2–7 rolls back: the spot instance is terminated (through the group with a
 * decrement when it was attached, so desired returns to N; if that call fails, detached with a
 * decrement and terminated), MaxSize restored and processes
 * resumed. Every rollback step is attempted even when another fails, and reported.
 */
import {
  AttachInstancesCommand,
  DetachInstancesCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
  paginateDescribeAutoScalingInstances,
  type AutoScalingClient,
} from "@aws-sdk/client-auto-scaling";
import { CreateFleetCommand, TerminateInstancesCommand, paginateDescribeInstanceStatus, type EC2Client, type Tag } from "@aws-sdk/client-ec2";
import { DescribeTargetHealthCommand, type ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Log } from "../shared/observability";
import { waitFor, type Clock } from "./wait";

export interface SwapPlan {
  autoScalingGroupName: string;
  onDemandInstanceId: string;
  availabilityZone: string;
  subnetId: string;
  launchTemplate: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string };
  /** Compatible spot types, highest priority first. */
  instanceTypes: string[];
  desiredCapacity: number;
  maxSize: number;
  /** Processes already suspended before the swap (left as they are). */
  suspendedProcesses: string[];
  targetGroupArns: string[];
  /** Tags for the spot instance (the group's propagated tags plus costguard's marker). */
  tags: Tag[];
  /** Idempotency token of the launch (≤ 64 characters). */
  clientToken: string;
}

export interface SwapTimeouts {
  statusChecksMs: number;
  inServiceMs: number;
  pollMs: number;
}

export const DEFAULT_SWAP_TIMEOUTS: SwapTimeouts = { statusChecksMs: 6 * 60_000, inServiceMs: 5 * 60_000, pollMs: 15_000 };

export interface SwapDeps {
  ec2: EC2Client;
  autoscaling: AutoScalingClient;
  elbv2: ElasticLoadBalancingV2Client;
  clock: Clock;
  log: Log;
  timeouts?: Partial<SwapTimeouts>;
}

export type SwapStep =
  | "suspend-processes"
  | "raise-max-size"
  | "launch-spot"
  | "wait-status-checks"
  | "attach"
  | "wait-in-service"
  | "remove-on-demand"
  | "restore-max-size"
  | "resume-processes";

export type SwapResult =
  | { outcome: "replaced"; spotInstanceId: string; instanceType: string; cleanupErrors: string[] }
  | { outcome: "rolled-back"; failedStep: SwapStep; error: string; spotInstanceId?: string; instanceType?: string; rollbackErrors: string[] };

const AZ_REBALANCE = "AZRebalance";

class StepFailed extends Error {
  constructor(
    readonly step: SwapStep,
    cause: unknown,
  ) {
    super(`${step}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

export async function swapOnDemandForSpot(plan: SwapPlan, deps: SwapDeps): Promise<SwapResult> {
  const t = { ...DEFAULT_SWAP_TIMEOUTS, ...deps.timeouts };
  const group = plan.autoScalingGroupName;
  const log = deps.log;
  const state = { suspended: false, raisedMax: false, spotInstanceId: undefined as string | undefined, instanceType: undefined as string | undefined, attachTried: false };

  const step = async <T>(name: SwapStep, run: () => Promise<T>): Promise<T> => {
    try {
      const out = await run();
      log.info(`swap ${group}: ${name} done`, { onDemand: plan.onDemandInstanceId, spot: state.spotInstanceId });
      return out;
    } catch (err) {
      throw new StepFailed(name, err);
    }
  };

  try {
    if (!plan.suspendedProcesses.includes(AZ_REBALANCE)) {
      await step("suspend-processes", () => deps.autoscaling.send(new SuspendProcessesCommand({ AutoScalingGroupName: group, ScalingProcesses: [AZ_REBALANCE] })));
      state.suspended = true;
    }
    if (plan.desiredCapacity + 1 > plan.maxSize) {
      await step("raise-max-size", () => deps.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: group, MaxSize: plan.maxSize + 1 })));
      state.raisedMax = true;
    }

    await step("launch-spot", async () => {
      const out = await deps.ec2.send(
        new CreateFleetCommand({
          Type: "instant",
          ClientToken: plan.clientToken,
          TargetCapacitySpecification: { TotalTargetCapacity: 1, SpotTargetCapacity: 1, OnDemandTargetCapacity: 0, DefaultTargetCapacityType: "spot" },
          SpotOptions: { AllocationStrategy: "capacity-optimized-prioritized" },
          LaunchTemplateConfigs: [
            {
              LaunchTemplateSpecification: { ...plan.launchTemplate, Version: plan.launchTemplate.Version ?? "$Default" },
              Overrides: plan.instanceTypes.map((type, i) => ({ InstanceType: type as never, SubnetId: plan.subnetId, Priority: i })),
            },
          ],
          TagSpecifications: [{ ResourceType: "instance", Tags: plan.tags }],
        }),
      );
      const launched = (out.Instances ?? []).flatMap((i) => (i.InstanceIds ?? []).map((id) => ({ id, type: i.InstanceType as string | undefined })));
      state.spotInstanceId = launched[0]?.id;
      state.instanceType = launched[0]?.type;
      if (launched.length > 1) {
        // Capacity 1 should give one instance; never leave extras behind.
        await deps.ec2.send(new TerminateInstancesCommand({ InstanceIds: launched.slice(1).map((l) => l.id) }));
      }
      if (!state.spotInstanceId) {
        const why = (out.Errors ?? []).map((e) => `${e.ErrorCode}: ${e.ErrorMessage}`).join("; ") || "no instance launched";
        throw new Error(why);
      }
    });
    const spotId = state.spotInstanceId!;

    await step("wait-status-checks", () =>
      waitFor(
        `status checks of ${spotId}`,
        async () => {
          for await (const page of paginateDescribeInstanceStatus({ client: deps.ec2 }, { InstanceIds: [spotId], IncludeAllInstances: true })) {
            const s = page.InstanceStatuses?.find((x) => x.InstanceId === spotId);
            if (!s) continue;
            const name = s.InstanceState?.Name;
            if (name === "shutting-down" || name === "terminated" || name === "stopping" || name === "stopped") return { failed: `instance is ${name}` };
            const seen = `${name}, instance ${s.InstanceStatus?.Status}, system ${s.SystemStatus?.Status}`;
            if (name === "running" && s.InstanceStatus?.Status === "ok" && s.SystemStatus?.Status === "ok") return { done: true, value: undefined };
            return { done: false, seen };
          }
          return { done: false, seen: "not yet visible" };
        },
        { clock: deps.clock, timeoutMs: t.statusChecksMs, intervalMs: t.pollMs },
      ),
    );

    state.attachTried = true;
    await step("attach", () => deps.autoscaling.send(new AttachInstancesCommand({ AutoScalingGroupName: group, InstanceIds: [spotId] })));

    await step("wait-in-service", () =>
      waitFor(
        `${spotId} InService${plan.targetGroupArns.length ? " and healthy in its target groups" : ""}`,
        async () => {
          let member: { LifecycleState?: string; HealthStatus?: string } | undefined;
          for await (const page of paginateDescribeAutoScalingInstances({ client: deps.autoscaling }, { InstanceIds: [spotId] })) {
            member ??= page.AutoScalingInstances?.find((i) => i.InstanceId === spotId && i.AutoScalingGroupName === group);
          }
          if (!member) return { failed: "the instance is no longer in the group" };
          if (/^Terminat/.test(member.LifecycleState ?? "")) return { failed: `the group is terminating it (${member.LifecycleState})` };
          if (member.LifecycleState !== "InService" || member.HealthStatus?.toUpperCase() !== "HEALTHY") return { done: false, seen: `${member.LifecycleState}/${member.HealthStatus}` };
          for (const arn of plan.targetGroupArns) {
            const th = await deps.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [{ Id: spotId }] }));
            const target = th.TargetHealthDescriptions?.find((d) => d.Target?.Id === spotId);
            if (target?.TargetHealth?.State !== "healthy") return { done: false, seen: `target group ${arn.split("/").slice(-2, -1)[0] ?? arn}: ${target?.TargetHealth?.State ?? "not registered"}` };
          }
          return { done: true, value: undefined };
        },
        { clock: deps.clock, timeoutMs: t.inServiceMs, intervalMs: t.pollMs },
      ),
    );

    await step("remove-on-demand", () =>
      deps.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: plan.onDemandInstanceId, ShouldDecrementDesiredCapacity: true })),
    );
  } catch (err) {
    const failedStep = err instanceof StepFailed ? err.step : "launch-spot";
    const message = (err as Error).message;
    log.error(`swap ${group}: ${message}; rolling back`, { onDemand: plan.onDemandInstanceId, spot: state.spotInstanceId });
    const rollbackErrors = await rollBack(plan, deps, state);
    return { outcome: "rolled-back", failedStep, error: message, spotInstanceId: state.spotInstanceId, instanceType: state.instanceType, rollbackErrors };
  }

  const cleanupErrors = await restoreGroup(plan, deps, state);
  return { outcome: "replaced", spotInstanceId: state.spotInstanceId!, instanceType: state.instanceType ?? "unknown", cleanupErrors };
}

async function isMember(deps: SwapDeps, group: string, instanceId: string): Promise<boolean> {
  for await (const page of paginateDescribeAutoScalingInstances({ client: deps.autoscaling }, { InstanceIds: [instanceId] })) {
    if (page.AutoScalingInstances?.some((i) => i.InstanceId === instanceId && i.AutoScalingGroupName === group)) return true;
  }
  return false;
}

async function rollBack(plan: SwapPlan, deps: SwapDeps, state: { spotInstanceId?: string; attachTried: boolean; raisedMax: boolean; suspended: boolean }): Promise<string[]> {
  const errors: string[] = [];
  const attempt = async (what: string, run: () => Promise<unknown>) => {
    try {
      await run();
      deps.log.info(`swap ${plan.autoScalingGroupName}: rollback ${what} done`);
    } catch (err) {
      errors.push(`${what}: ${(err as Error).message}`);
      deps.log.error(`swap ${plan.autoScalingGroupName}: rollback ${what} failed`, { error: (err as Error).message });
    }
  };
  const spotId = state.spotInstanceId;
  if (spotId) {
    await attempt(`terminate spot instance ${spotId}`, async () => {
      // Attached (even by a call that reported failure): terminate through the group with a
      // decrement, so desired goes back to N instead of the group launching a replacement.
      if (state.attachTried && (await isMember(deps, plan.autoScalingGroupName, spotId))) {
        try {
          await deps.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: spotId, ShouldDecrementDesiredCapacity: true }));
        } catch (err) {
          // Second way out: detach with a decrement, then terminate it as a plain instance.
          deps.log.warn(`swap ${plan.autoScalingGroupName}: terminate in group failed, detaching instead`, { error: (err as Error).message });
          await deps.autoscaling.send(new DetachInstancesCommand({ AutoScalingGroupName: plan.autoScalingGroupName, InstanceIds: [spotId], ShouldDecrementDesiredCapacity: true }));
          await deps.ec2.send(new TerminateInstancesCommand({ InstanceIds: [spotId] }));
        }
      } else {
        await deps.ec2.send(new TerminateInstancesCommand({ InstanceIds: [spotId] }));
      }
    });
  }
  errors.push(...(await restoreGroup(plan, deps, state)));
  return errors;
}

/** Steps 8 and 9 (also the tail of every rollback): each attempted, failures reported. */
async function restoreGroup(plan: SwapPlan, deps: SwapDeps, state: { raisedMax: boolean; suspended: boolean }): Promise<string[]> {
  const errors: string[] = [];
  const group = plan.autoScalingGroupName;
  if (state.raisedMax) {
    try {
      await deps.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: group, MaxSize: plan.maxSize }));
    } catch (err) {
      errors.push(`restore MaxSize ${plan.maxSize}: ${(err as Error).message}`);
    }
  }
  if (state.suspended) {
    try {
      await deps.autoscaling.send(new ResumeProcessesCommand({ AutoScalingGroupName: group, ScalingProcesses: [AZ_REBALANCE] }));
    } catch (err) {
      errors.push(`resume ${AZ_REBALANCE}: ${(err as Error).message}`);
    }
  }
  for (const e of errors) deps.log.error(`swap ${group}: ${e}`);
  return errors;
}
