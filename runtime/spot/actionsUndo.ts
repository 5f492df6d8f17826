/**
 * The optimizer's undo actions: a swap undone against the group as it is now. The spot
 * instance leaves only when N serving instances remain without it; when the group itself
 * removed or replaced the on-demand instance meanwhile, the spot instance is what holds N, so it
 * stays and only the extra capacity that is not serving yet goes. MaxSize goes back only when this swap raised it
 * and nobody changed it since; AZRebalance is resumed only when this swap suspended it.
 */
import {
  DetachInstancesCommand,
  ResumeProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import { TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { canRemove, extraCapacity } from "./decide";
import { describeLiveGroup, isInstanceAlive } from "./inventory";
import { AZ_REBALANCE, type LiveGroup, type SwapResult, type SwapRunState, type SwapStep } from "./model";

/** The IAM actions of the calls below (the component grants them with the swap's, actions.ts). */
export const UNDO_ACTIONS = [
  "autoscaling:TerminateInstanceInAutoScalingGroup",
  "autoscaling:DetachInstances",
  "autoscaling:UpdateAutoScalingGroup",
  "autoscaling:ResumeProcesses",
  "ec2:TerminateInstances",
] as const;

async function attempt(run: SwapRunState, errors: string[], what: string, action: () => Promise<unknown>): Promise<boolean> {
  try {
    await action();
    run.deps.log.info(`swap ${run.group}: ${what} done`);
    return true;
  } catch (err) {
    errors.push(`${what}: ${(err as Error).message}`);
    run.deps.log.error(`swap ${run.group}: ${what} failed`, { error: (err as Error).message });
    return false;
  }
}

/** Rolls the swap back as far as capacity allows; keeps the spot instance when it is what holds N. */
export async function rollBack(run: SwapRunState, failedStep: SwapStep, error: string): Promise<SwapResult> {
  await run.mark({ undoing: true });
  const errors: string[] = [];
  const spotId = run.progress.spotInstanceId;
  const base = { spotInstanceId: spotId, instanceType: run.progress.instanceType, notes: run.notes };
  if (spotId) {
    let group: LiveGroup | undefined;
    await attempt(run, errors, `look at group ${run.group}`, async () => (group = await describeLiveGroup(run.deps.autoscaling, run.group)));
    const member = group?.members.find((m) => m.id === spotId && !/^Terminat/.test(m.lifecycleState));
    if (group && member) {
      const removal = canRemove(group, spotId, run.plan.desiredCapacity);
      if (!removal.ok) {
        run.notes.push(`${spotId} stays in the group: taking it out would drop capacity (${removal.why}). The group removed or replaced an instance during the swap.`);
        await run.mark({ undoing: false });
        const settled = await settleKeepingSpot(run);
        return { ...settled, cleanupErrors: [`swap stopped at ${failedStep}: ${error}`, ...settled.cleanupErrors] };
      }
      await attempt(run, errors, `terminate spot instance ${spotId}`, async () => {
        try {
          // Through the group with a decrement, so desired goes back to N instead of the group launching a replacement.
          await run.deps.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: spotId, ShouldDecrementDesiredCapacity: true }));
        } catch (err) {
          // Second way out: detach with a decrement, then terminate it as a plain instance.
          run.deps.log.warn(`swap ${run.group}: terminate in group failed, detaching instead`, { error: (err as Error).message });
          await run.deps.autoscaling.send(new DetachInstancesCommand({ AutoScalingGroupName: run.group, InstanceIds: [spotId], ShouldDecrementDesiredCapacity: true }));
          await run.deps.ec2.send(new TerminateInstancesCommand({ InstanceIds: [spotId] }));
        }
      });
    } else if (group || !run.progress.attachTried) {
      // Not (or no longer) in the group: a plain instance of ours.
      await attempt(run, errors, `terminate spot instance ${spotId}`, async () => {
        if (await isInstanceAlive(run.deps.ec2, spotId)) await run.deps.ec2.send(new TerminateInstancesCommand({ InstanceIds: [spotId] }));
      });
    }
  }
  errors.push(...(await restoreGroup(run)));
  if (run.plan.probe) run.notes.push(`The probe of ${run.plan.instanceTypes[0]} did not run: the circuit stays half-open for the next launch.`);
  return { outcome: "rolled-back", failedStep, error, ...base, rollbackErrors: errors };
}

/**
 * The group removed or replaced an instance during the swap: the spot instance stays (it holds
 * N); capacity above N that is not serving yet (the group's replacement still booting) goes
 * with a decrement, so desired is back at N without a serving instance lost.
 */
export async function settleKeepingSpot(run: SwapRunState): Promise<Extract<SwapResult, { outcome: "settled" }>> {
  await run.mark({ keepingSpot: true });
  const errors: string[] = [];
  const spotId = run.progress.spotInstanceId!;
  const floor = run.plan.desiredCapacity;
  let group = await describeLiveGroup(run.deps.autoscaling, run.group).catch(() => undefined);
  for (const extra of group ? extraCapacity(group, spotId, run.plan.memberIdsBefore) : []) {
    if (!group || group.desired <= floor || !canRemove(group, extra, floor).ok) break;
    const ok = await attempt(run, errors, `remove ${extra} (added by the group during the swap) to bring desired back to ${floor}`, () =>
      run.deps.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: extra, ShouldDecrementDesiredCapacity: true })),
    );
    if (ok) run.notes.push(`${extra}, launched by the group during the swap, went with a decrement: desired back at ${floor}.`);
    group = await describeLiveGroup(run.deps.autoscaling, run.group).catch(() => undefined);
  }
  if (group && group.desired > floor && group.members.length <= floor) {
    // The group has not launched its replacement yet: it need not.
    await attempt(run, errors, `set desired capacity back to ${floor}`, () => run.deps.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: run.group, DesiredCapacity: floor })));
  }
  errors.push(...(await restoreGroup(run)));
  return { outcome: "settled", spotInstanceId: spotId, instanceType: run.progress.instanceType ?? "unknown", cleanupErrors: errors, notes: run.notes };
}

/** MaxSize and processes as the owner had them. */
export async function restoreGroup(run: SwapRunState): Promise<string[]> {
  const errors: string[] = [];
  const { plan, progress, deps } = run;
  if (progress.raisedMax) {
    const group = await describeLiveGroup(deps.autoscaling, run.group).catch(() => undefined);
    if (group && group.max !== plan.maxSize + 1) {
      if (group.max !== plan.maxSize) run.notes.push(`MaxSize is ${group.max}, changed by someone else during the swap: left as it is.`);
    } else {
      await attempt(run, errors, `restore MaxSize ${plan.maxSize}`, () => deps.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: run.group, MaxSize: plan.maxSize })));
    }
  }
  if (progress.suspendedHere) {
    await attempt(run, errors, `resume ${AZ_REBALANCE}`, () => deps.autoscaling.send(new ResumeProcessesCommand({ AutoScalingGroupName: run.group, ScalingProcesses: [AZ_REBALANCE] })));
  }
  return errors;
}
