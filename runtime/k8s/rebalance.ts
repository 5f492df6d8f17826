/**
 * Scheduled rebalance: replace one on-demand node of a group by a spot node without the
 * cluster's Ready, schedulable node count ever dropping below where it started.
 *
 *   scale out (desired +1, on-demand base −1 so the new instance is spot; MaxSize +1 if needed)
 *   → wait for the new instance's node to be Ready → cordon the old node → drain it
 *   → terminate the old instance with desired-capacity decrement → restore MaxSize, resume.
 *
 * The group must be able to launch spot: a MixedInstancesPolicy with
 * OnDemandPercentageAboveBaseCapacity 0 (capacity above the on-demand base is spot). Any
 * failure rolls back in an order that keeps capacity: uncordon the old node first, then
 * terminate the new instance with decrement, then restore the group's settings.
 */
import type { Log } from "../shared/observability";
import type { AsgGateway, GroupInstance, GroupView } from "./asgGateway";
import { drainNode, realClock, type Clock, type DrainOutcome } from "./drain";
import type { KubeNodes, NodeInfo } from "./kubeApi";

/** Spot advice (the spot engineer's advisor has this shape; the integrator wires it). */
export interface CapacityAdvisor {
  adviseCapacity(q: { instanceType: string; availabilityZone: string; environment?: string }): Promise<{ capacity: "spot" | "on-demand"; reason: string }>;
}

export type ReplacementPlan =
  | { kind: "skip"; reason: string }
  | { kind: "replace"; old: GroupInstance; oldNode: NodeInfo; onDemandBaseCapacity: number; max: number };

const AZ_REBALANCE = "AZRebalance";

/** Pure: which on-demand instance to replace, and the group settings that make the +1 spot. */
export function planReplacement(group: GroupView, nodes: NodeInfo[]): ReplacementPlan {
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
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  const old = candidates[0];
  if (!old) return { kind: "skip", reason: "every on-demand instance is protected or cordoned" };
  return {
    kind: "replace",
    old,
    oldNode: byInstance.get(old.instanceId)!,
    onDemandBaseCapacity: Math.min(group.onDemandBaseCapacity, onDemand.length - 1),
    max: Math.max(group.max, group.desired + 1),
  };
}

export interface RebalanceResult {
  group: string;
  outcome: "replaced" | "skipped" | "rolled-back";
  reason: string;
  oldInstanceId?: string;
  newInstanceId?: string;
  /** The step that failed, when rolled back. */
  failedStep?: "scale-out" | "wait-ready" | "cordon" | "drain" | "terminate-old";
  drain?: DrainOutcome;
  /** Problems met while rolling back (the group may need a look). */
  rollbackErrors: string[];
}

export interface RebalancerOptions {
  /** Seconds to wait for the new instance's node to be Ready. */
  readyTimeoutSeconds: number;
  /** Seconds the drain of the old node may take (PDB retries included). */
  drainSeconds: number;
  clock?: Clock;
  log?: Log;
  /** Poll interval while waiting (ms). */
  pollMs?: number;
}

class StepFailed extends Error {
  constructor(
    readonly step: NonNullable<RebalanceResult["failedStep"]>,
    message: string,
  ) {
    super(message);
  }
}

export class Rebalancer {
  private readonly clock: Clock;

  constructor(
    private readonly asg: AsgGateway,
    private readonly kube: KubeNodes,
    private readonly advisor: CapacityAdvisor,
    private readonly opts: RebalancerOptions,
  ) {
    this.clock = opts.clock ?? realClock;
  }

  /** Asks the advisor for every (type, AZ) the group may launch into: all must say spot. */
  private async adviceAgainstSpot(group: GroupView, old: GroupInstance): Promise<string | undefined> {
    const types = group.instanceTypes.length ? group.instanceTypes : [old.instanceType ?? ""].filter(Boolean);
    const azs = group.availabilityZones.length ? group.availabilityZones : [old.availabilityZone];
    for (const instanceType of types)
      for (const availabilityZone of azs) {
        try {
          const advice = await this.advisor.adviseCapacity({ instanceType, availabilityZone, environment: group.environment });
          if (advice.capacity !== "spot") return `advisor says on-demand for ${instanceType} in ${availabilityZone}: ${advice.reason}`;
        } catch (err) {
          return `advisor unavailable (${String(err)}): on-demand kept`;
        }
      }
    return undefined;
  }

  async rebalanceGroup(name: string): Promise<RebalanceResult> {
    const result: RebalanceResult = { group: name, outcome: "skipped", reason: "", rollbackErrors: [] };
    const group = await this.asg.describe(name);
    if (!group) return { ...result, reason: `Auto Scaling group ${name} not found` };
    const plan = planReplacement(group, await this.kube.listNodes());
    if (plan.kind === "skip") return { ...result, reason: plan.reason };
    result.oldInstanceId = plan.old.instanceId;
    const against = await this.adviceAgainstSpot(group, plan.old);
    if (against) return { ...result, reason: against };

    const suspendedHere = !group.suspendedProcesses.includes(AZ_REBALANCE);
    let scaledOut = false;
    let cordoned = false;
    try {
      // AZRebalance would terminate instances on its own while the group is uneven mid-swap.
      if (suspendedHere) await this.asg.suspend(name, [AZ_REBALANCE]);
      try {
        await this.asg.update(name, { desired: group.desired + 1, max: plan.max, onDemandBaseCapacity: plan.onDemandBaseCapacity });
        scaledOut = true;
      } catch (err) {
        throw new StepFailed("scale-out", `scale out failed: ${String(err)}`);
      }
      const known = new Set(group.instances.map((i) => i.instanceId));
      result.newInstanceId = await this.waitForNewReadyNode(name, known, result);

      try {
        await this.kube.setUnschedulable(plan.oldNode.name, true);
        cordoned = true;
      } catch (err) {
        cordoned = true; // the patch may have landed: uncordon in the rollback regardless
        throw new StepFailed("cordon", `cordon of ${plan.oldNode.name} failed: ${String(err)}`);
      }
      const drain = await drainNode(this.kube, { ...plan.oldNode, unschedulable: true }, {
        deadline: this.clock.now() + this.opts.drainSeconds * 1000,
        cordon: false,
        waitForDeletion: true,
        clock: this.clock,
        log: this.opts.log,
      });
      drain.instanceId = plan.old.instanceId;
      result.drain = drain;
      if (!drain.complete)
        throw new StepFailed("drain", `drain incomplete: ${drain.pending.length} blocked, ${drain.failed.length} refused, ${drain.terminating.length} still terminating`);

      try {
        await this.asg.terminateWithDecrement(plan.old.instanceId);
      } catch (err) {
        throw new StepFailed("terminate-old", `terminating ${plan.old.instanceId} failed: ${String(err)}`);
      }
      if (plan.max !== group.max) await this.settle(() => this.asg.update(name, { max: group.max }), result, "restore MaxSize");
      if (suspendedHere) await this.settle(() => this.asg.resume(name, [AZ_REBALANCE]), result, "resume AZRebalance");
      return { ...result, outcome: "replaced", reason: `replaced on-demand ${plan.old.instanceId} by spot ${result.newInstanceId}` };
    } catch (err) {
      const failure = err instanceof StepFailed ? err : new StepFailed("scale-out", String(err));
      this.opts.log?.warn("rebalance step failed: rolling back", { group: name, step: failure.step, error: failure.message });
      // Capacity first: the old node takes pods again before the new one goes.
      if (cordoned) await this.settle(() => this.kube.setUnschedulable(plan.oldNode.name, false), result, "uncordon old node");
      if (result.newInstanceId) await this.settle(() => this.asg.terminateWithDecrement(result.newInstanceId!), result, "terminate new instance");
      if (scaledOut)
        await this.settle(
          () => this.asg.update(name, { ...(result.newInstanceId ? {} : { desired: group.desired }), max: group.max, onDemandBaseCapacity: group.onDemandBaseCapacity }),
          result,
          "restore group settings",
        );
      if (suspendedHere) await this.settle(() => this.asg.resume(name, [AZ_REBALANCE]), result, "resume AZRebalance");
      return { ...result, outcome: "rolled-back", reason: failure.message, failedStep: failure.step };
    }
  }

  /** Waits for an instance not in `known` to be InService, spot, and Ready as a node. */
  private async waitForNewReadyNode(name: string, known: Set<string>, result: RebalanceResult): Promise<string> {
    const deadline = this.clock.now() + this.opts.readyTimeoutSeconds * 1000;
    const pollMs = this.opts.pollMs ?? 10_000;
    for (;;) {
      const group = await this.asg.describe(name);
      const fresh = group?.instances.find((i) => !known.has(i.instanceId));
      if (fresh) result.newInstanceId = fresh.instanceId;
      if (fresh && fresh.lifecycleState === "InService") {
        if (!fresh.spot) throw new StepFailed("wait-ready", `the group launched ${fresh.instanceId} on-demand, not spot`);
        const node = (await this.kube.listNodes()).find((n) => n.instanceId === fresh.instanceId);
        if (node?.ready) return fresh.instanceId;
      }
      if (this.clock.now() + pollMs > deadline)
        throw new StepFailed("wait-ready", fresh ? `node of ${fresh.instanceId} not Ready within ${this.opts.readyTimeoutSeconds} s` : `no new instance within ${this.opts.readyTimeoutSeconds} s`);
      await this.clock.sleep(pollMs);
    }
  }

  private async settle(action: () => Promise<void>, result: RebalanceResult, what: string): Promise<void> {
    try {
      await action();
    } catch (err) {
      result.rollbackErrors.push(`${what}: ${String(err)}`);
      this.opts.log?.error(`rebalance clean-up failed: ${what}`, { group: result.group, error: String(err) });
    }
  }
}
