/**
 * The optimizer's actions, the ASG swap: replace one on-demand instance of an Auto Scaling
 * group with a spot instance without the group's InService capacity ever dropping below N (its
 * desired capacity before the swap):
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
 * Every step is written to the journal before it is taken (`record`), with the values found
 * before the swap in the plan, so a run that dies anywhere is finished or undone by the next
 * (`resumeSwap`). Steps 7 and every rollback look at the group as it is now (inventory.ts's
 * describeLiveGroup, decide.ts's canRemove): a removal that would leave fewer than N serving
 * instances is not made, whatever the group did meanwhile (a scale-in, a health replacement).
 * Undoing is in actionsUndo.ts; the plan, progress and result types are model.ts's.
 */
import { AttachInstancesCommand, SuspendProcessesCommand, TerminateInstanceInAutoScalingGroupCommand, UpdateAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import { CreateFleetCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { JournalFenceLost } from "../shared/journal";
import { canRemove } from "./decide";
import { describeInstanceStatus, describeLiveGroup, describeMembership, describeTargetHealth } from "./inventory";
import { AZ_REBALANCE, DEFAULT_SWAP_TIMEOUTS, SWAP_STEPS, type SwapDeps, type SwapPlan, type SwapProgress, type SwapRecorder, type SwapResult, type SwapRunState, type SwapStep, type SwapTimeouts } from "./model";
import { restoreGroup, rollBack, settleKeepingSpot } from "./actionsUndo";
import { waitFor } from "./wait";

/**
 * The IAM actions of the calls below (the undo's, actionsUndo.ts, are among them). The
 * component allows the group changes only on groups tagged costguard:spot-optimize=true, the
 * termination only of instances carrying costguard's replacement marker, and denies both on
 * anything protected.
 */
export const GROUP_CHANGING_ACTIONS = [
  "autoscaling:SuspendProcesses",
  "autoscaling:ResumeProcesses",
  "autoscaling:UpdateAutoScalingGroup",
  "autoscaling:AttachInstances",
  "autoscaling:DetachInstances",
  "autoscaling:TerminateInstanceInAutoScalingGroup",
] as const;
export const TERMINATE_ACTION = "ec2:TerminateInstances";

/**
 * What the launch (CreateFleet from the group's launch template) needs: the fleet itself, the
 * instance and every resource the template names (RunInstances), tags on what it creates, the
 * template's instance role passed to EC2, EC2's spot service-linked role on a first spot launch,
 * and, for volumes under a customer-managed key, the key used by EC2 on the launcher's behalf.
 */
export const LAUNCH_ACTIONS = {
  fleet: "ec2:CreateFleet",
  instances: "ec2:RunInstances",
  tagOnLaunch: "ec2:CreateTags",
  passRole: "iam:PassRole",
  spotServiceLinkedRole: "iam:CreateServiceLinkedRole",
  volumeKeys: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
  volumeKeyGrants: "kms:CreateGrant",
} as const;

export class StepFailed extends Error {
  constructor(
    readonly step: SwapStep,
    cause: unknown,
  ) {
    super(`${step}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

const after = (a: SwapStep, b: SwapStep) => SWAP_STEPS.indexOf(a) > SWAP_STEPS.indexOf(b);

/** One swap, started fresh or resumed from its journal. */
export class SwapRun implements SwapRunState {
  readonly progress: SwapProgress;
  readonly notes: string[] = [];
  private readonly t: SwapTimeouts;

  constructor(
    readonly plan: SwapPlan,
    readonly deps: SwapDeps,
    private readonly record: SwapRecorder = async () => {},
    progress?: SwapProgress,
  ) {
    this.progress = progress ?? { plan, step: "suspend-processes", suspendedHere: false, raisedMax: false, attachTried: false };
    this.t = { ...DEFAULT_SWAP_TIMEOUTS, ...deps.timeouts };
  }

  get group(): string {
    return this.plan.autoScalingGroupName;
  }

  /** Write-ahead: the journal says what is about to happen before it happens. */
  private async checkpoint(step: SwapStep, change: Partial<SwapProgress> = {}): Promise<void> {
    await this.mark({ step, ...change });
  }

  async mark(change: Partial<SwapProgress>): Promise<void> {
    Object.assign(this.progress, change);
    await this.record({ ...this.progress });
  }

  private async step<T>(name: SwapStep, run: () => Promise<T>): Promise<T> {
    try {
      const out = await run();
      this.deps.log.info(`swap ${this.group}: ${name} done`, { onDemand: this.plan.onDemandInstanceId, spot: this.progress.spotInstanceId });
      return out;
    } catch (err) {
      if (err instanceof JournalFenceLost || err instanceof StepFailed) throw err;
      throw new StepFailed(name, err);
    }
  }

  /** Runs the swap from `from` on; any failure rolls back what the group as it is now allows. */
  async forward(from: SwapStep = "suspend-processes"): Promise<SwapResult> {
    const { plan, deps } = this;
    try {
      if (!after(from, "suspend-processes") && !plan.suspendedProcesses.includes(AZ_REBALANCE)) {
        await this.checkpoint("suspend-processes", { suspendedHere: true });
        await this.step("suspend-processes", () => deps.autoscaling.send(new SuspendProcessesCommand({ AutoScalingGroupName: this.group, ScalingProcesses: [AZ_REBALANCE] })));
      }
      if (!after(from, "raise-max-size") && plan.desiredCapacity + 1 > plan.maxSize) {
        await this.checkpoint("raise-max-size", { raisedMax: true });
        await this.step("raise-max-size", () => deps.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: this.group, MaxSize: plan.maxSize + 1 })));
      }
      if (!after(from, "launch-spot")) {
        await this.checkpoint("launch-spot");
        await this.step("launch-spot", () => this.launch());
      }
      const spotId = this.progress.spotInstanceId!;
      if (!after(from, "wait-status-checks")) {
        await this.checkpoint("wait-status-checks");
        await this.step("wait-status-checks", () => this.waitStatusChecks(spotId));
      }
      if (!after(from, "attach")) {
        await this.checkpoint("attach", { attachTried: true });
        await this.step("attach", () => deps.autoscaling.send(new AttachInstancesCommand({ AutoScalingGroupName: this.group, InstanceIds: [spotId] })));
      }
      if (!after(from, "wait-in-service")) {
        await this.checkpoint("wait-in-service");
        await this.step("wait-in-service", () => this.waitInService(spotId));
      }
      return await this.removeOnDemand();
    } catch (err) {
      if (err instanceof JournalFenceLost) throw err;
      const failedStep = err instanceof StepFailed ? err.step : this.progress.step;
      const message = (err as Error).message;
      deps.log.error(`swap ${this.group}: ${message}; rolling back`, { onDemand: plan.onDemandInstanceId, spot: this.progress.spotInstanceId });
      return rollBack(this, failedStep, message);
    }
  }

  /** Learns the spot instance: launches it, or (resumed) asks EC2 again with the same token, which answers the first launch. */
  async launch(): Promise<void> {
    const { plan, deps } = this;
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
    if (launched.length > 1) {
      // Capacity 1 should give one instance; never leave extras behind.
      await deps.ec2.send(new TerminateInstancesCommand({ InstanceIds: launched.slice(1).map((l) => l.id) }));
    }
    if (!launched[0]) {
      const why = (out.Errors ?? []).map((e) => `${e.ErrorCode}: ${e.ErrorMessage}`).join("; ") || "no instance launched";
      throw new Error(why);
    }
    await this.checkpoint(this.progress.step, { spotInstanceId: launched[0].id, instanceType: launched[0].type });
  }

  private waitStatusChecks(spotId: string): Promise<void> {
    return waitFor(
      `status checks of ${spotId}`,
      async () => {
        const s = await describeInstanceStatus(this.deps.ec2, spotId);
        if (!s) return { done: false, seen: "not yet visible" };
        const name = s.state;
        if (name === "shutting-down" || name === "terminated" || name === "stopping" || name === "stopped") return { failed: `instance is ${name}` };
        const seen = `${name}, instance ${s.instance}, system ${s.system}`;
        if (name === "running" && s.instance === "ok" && s.system === "ok") return { done: true, value: undefined };
        return { done: false, seen };
      },
      { clock: this.deps.clock, timeoutMs: this.t.statusChecksMs, intervalMs: this.t.pollMs },
    );
  }

  private waitInService(spotId: string): Promise<void> {
    const { plan, deps } = this;
    return waitFor(
      `${spotId} InService${plan.targetGroupArns.length ? " and healthy in its target groups" : ""}`,
      async () => {
        const member = await describeMembership(deps.autoscaling, spotId, this.group);
        if (!member) return { failed: "the instance is no longer in the group" };
        if (/^Terminat/.test(member.lifecycleState ?? "")) return { failed: `the group is terminating it (${member.lifecycleState})` };
        if (member.lifecycleState !== "InService" || member.health?.toUpperCase() !== "HEALTHY") return { done: false, seen: `${member.lifecycleState}/${member.health}` };
        for (const arn of plan.targetGroupArns) {
          const state = await describeTargetHealth(deps.elbv2, arn, spotId);
          if (state !== "healthy") return { done: false, seen: `target group ${arn.split("/").slice(-2, -1)[0] ?? arn}: ${state ?? "not registered"}` };
        }
        return { done: true, value: undefined };
      },
      { clock: deps.clock, timeoutMs: this.t.inServiceMs, intervalMs: this.t.pollMs },
    );
  }

  /** Step 7, against the group as it is now; then steps 8 and 9. */
  private async removeOnDemand(): Promise<SwapResult> {
    const { plan, deps } = this;
    const od = plan.onDemandInstanceId;
    const resumedRemoval = this.progress.step === "remove-on-demand" || after(this.progress.step, "remove-on-demand");
    await this.checkpoint("remove-on-demand");
    const group = await this.step("remove-on-demand", () => describeLiveGroup(deps.autoscaling, this.group));
    if (!group) throw new StepFailed("remove-on-demand", new Error(`group ${this.group} not found`));
    const spot = { spotInstanceId: this.progress.spotInstanceId!, instanceType: this.progress.instanceType ?? "unknown" };
    if (!group.members.some((m) => m.id === od)) {
      if (resumedRemoval) {
        this.notes.push(`${od} had already left the group (the interrupted run's removal went through).`);
        return { outcome: "replaced", ...spot, cleanupErrors: await this.restore(), notes: this.notes };
      }
      this.notes.push(`The group removed ${od} itself during the swap (scale-in or health replacement): ${spot.spotInstanceId} stays in its place.`);
      return settleKeepingSpot(this);
    }
    const removal = canRemove(group, od, plan.desiredCapacity);
    if (!removal.ok) {
      this.notes.push(`The group changed during the swap: removing ${od} now would drop capacity (${removal.why}); it stays, and ${spot.spotInstanceId} stays too.`);
      return settleKeepingSpot(this);
    }
    await this.step("remove-on-demand", () => deps.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: od, ShouldDecrementDesiredCapacity: true })));
    return { outcome: "replaced", ...spot, cleanupErrors: await this.restore(), notes: this.notes };
  }

  /** Steps 8 and 9 after a replacement; each attempted, failures reported. */
  async restore(): Promise<string[]> {
    await this.checkpoint("restore-max-size");
    return restoreGroup(this);
  }
}

export function swapOnDemandForSpot(plan: SwapPlan, deps: SwapDeps, record?: SwapRecorder): Promise<SwapResult> {
  return new SwapRun(plan, deps, record).forward();
}

/**
 * Finishes or undoes a swap an earlier run started, from its journal and the group as it is
 * now: a spot instance already serving in the group is kept and the swap finished; one
 * launched but not attached is attached if the group is still as the plan found it; anything
 * else is rolled back. MaxSize and processes end as the owner had them.
 */
export async function resumeSwap(progress: SwapProgress, deps: SwapDeps, record?: SwapRecorder): Promise<SwapResult> {
  const run = new SwapRun(progress.plan, deps, record, { ...progress });
  const { plan } = run;
  if (progress.undoing) return rollBack(run, progress.step, "the run that was rolling this swap back stopped: rolling back again");
  if (progress.keepingSpot) return settleKeepingSpot(run);
  if (after(progress.step, "remove-on-demand")) return { outcome: "replaced", spotInstanceId: progress.spotInstanceId ?? "", instanceType: progress.instanceType ?? "unknown", cleanupErrors: await run.restore(), notes: ["The interrupted run had finished the swap; MaxSize and processes restored."] };
  if (!progress.spotInstanceId && after(progress.step, "raise-max-size")) {
    // The launch may have happened without the run hearing back: the same token tells.
    try {
      await run.launch();
    } catch (err) {
      deps.log.warn(`swap ${plan.autoScalingGroupName}: no spot instance from the interrupted launch`, { error: (err as Error).message });
    }
  }
  const spotId = run.progress.spotInstanceId;
  if (!spotId) return rollBack(run, progress.step, "the run that started this swap stopped before a spot instance was launched");
  const group = await describeLiveGroup(deps.autoscaling, plan.autoScalingGroupName);
  const member = group?.members.find((m) => m.id === spotId);
  if (member && !/^Terminat/.test(member.lifecycleState)) return run.forward("wait-in-service");
  const od = group?.members.find((m) => m.id === plan.onDemandInstanceId);
  const unchanged = group && !member && od && group.desired === plan.desiredCapacity && group.members.length === plan.desiredCapacity;
  if (unchanged) return run.forward("wait-status-checks");
  return rollBack(run, progress.step, "the run that started this swap stopped, and the group is no longer as it found it");
}
