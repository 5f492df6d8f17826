/**
 * The node optimizer's actions, the rebalance of one group, started fresh or resumed from its
 * journal: the forward steps, each written to the journal before it is taken. Undoing is in
 * actionsUndo.ts, the drain in actionsDrain.ts; the calls themselves go through asgGateway.ts
 * and kubeApi.ts.
 */
import { JournalFenceLost } from "../shared/journal";
import type { Log } from "../shared/observability";
import { drainNode } from "./actionsDrain";
import { restoreGroup, rollBack, settleKeepingNew } from "./actionsUndo";
import type { AsgGateway } from "./asgGateway";
import { canRemoveNode, type Capacity } from "./decide";
import type { KubeNodes } from "./kubeApi";
import { AZ_REBALANCE, StepFailed, after, type CapacityAdvisor, type RebalanceContext, type RebalanceProgress, type RebalanceResult, type RebalanceRunState, type RebalanceStep } from "./model";

/** One rebalance of one group, fresh or resumed from its journal. */
export class RebalanceRun implements RebalanceRunState {
  readonly notes: string[] = [];
  readonly result: RebalanceResult;

  constructor(
    readonly rebalancer: RebalanceContext,
    readonly progress: RebalanceProgress,
    private readonly record: (p: RebalanceProgress) => Promise<void>,
  ) {
    this.result = { group: progress.group, outcome: "skipped", reason: "", oldInstanceId: progress.oldInstanceId, newInstanceId: progress.newInstanceId, rollbackErrors: [], notes: this.notes };
  }

  get asg(): AsgGateway {
    return this.rebalancer.asg;
  }
  get kube(): KubeNodes {
    return this.rebalancer.kube;
  }
  get log(): Log | undefined {
    return this.rebalancer.opts.log;
  }

  async mark(change: Partial<RebalanceProgress>): Promise<void> {
    Object.assign(this.progress, change);
    await this.record({ ...this.progress });
  }

  /** The group's Ready, schedulable instances now (the capacity the promise is about). */
  async capacity(): Promise<Capacity | undefined> {
    const group = await this.asg.describe(this.progress.group);
    if (!group) return undefined;
    const nodes = new Map((await this.kube.listNodes()).filter((n) => n.instanceId).map((n) => [n.instanceId!, n]));
    return { group, nodes };
  }

  async forward(from: RebalanceStep = "scale-out"): Promise<RebalanceResult> {
    const p = this.progress;
    const name = p.group;
    try {
      if (!after(from, "scale-out")) {
        // AZRebalance would terminate instances on its own while the group is uneven mid-swap.
        if (!p.before.suspended.includes(AZ_REBALANCE)) {
          await this.mark({ step: "scale-out", suspendedHere: true });
          await this.asg.suspend(name, [AZ_REBALANCE]);
        }
        await this.mark({ step: "scale-out", scaledOut: true });
        try {
          await this.asg.update(name, { desired: p.before.desired + 1, max: p.target.max, onDemandBaseCapacity: p.target.onDemandBase });
        } catch (err) {
          throw new StepFailed("scale-out", `scale out failed: ${String(err)}`);
        }
      }
      if (!after(from, "wait-ready")) {
        await this.mark({ step: "wait-ready" });
        await this.waitForNewReadyNode();
      }
      const fresh = p.newInstanceId!;
      if (!after(from, "advise") && !p.probe) {
        await this.mark({ step: "advise" });
        await this.adviseOnce(fresh);
      }
      if (!after(from, "cordon")) {
        await this.mark({ step: "cordon", cordoned: true });
        try {
          await this.kube.setUnschedulable(p.oldNodeName, true);
        } catch (err) {
          throw new StepFailed("cordon", `cordon of ${p.oldNodeName} failed: ${String(err)}`);
        }
      }
      if (!after(from, "drain")) {
        await this.mark({ step: "drain" });
        const node = await this.kube.getNode(p.oldNodeName);
        if (node) {
          const { drainSeconds } = this.rebalancer.opts;
          const drain = await drainNode(this.kube, { ...node, unschedulable: true }, {
            deadline: this.rebalancer.clock.now() + drainSeconds * 1000,
            cordon: false,
            waitForDeletion: true,
            unsafePods: "refuse",
            clock: this.rebalancer.clock,
            log: this.log,
          });
          drain.instanceId = p.oldInstanceId;
          this.result.drain = drain;
          if (drain.refused.length) throw new StepFailed("drain", `drain refused: ${drain.refused.map((r) => `${r.pod} ${r.reason}`).join("; ")}`);
          if (!drain.complete)
            throw new StepFailed("drain", `drain incomplete: ${drain.pending.length} blocked, ${drain.failed.length} refused, ${drain.terminating.length} still terminating`);
        }
      }
      return await this.terminateOld();
    } catch (err) {
      if (err instanceof JournalFenceLost) throw err;
      const failure = err instanceof StepFailed ? err : new StepFailed(p.step, String(err));
      this.log?.warn("rebalance step failed: rolling back", { group: name, step: failure.step, error: failure.message });
      return rollBack(this, failure);
    }
  }

  /** One advice, for the (type, AZ) the group actually launched; a half-open circuit's probe is taken here. */
  private async adviseOnce(fresh: string): Promise<void> {
    const group = await this.asg.describe(this.progress.group);
    const inst = group?.instances.find((i) => i.instanceId === fresh);
    const pair = { instanceType: inst?.instanceType ?? "", availabilityZone: inst?.availabilityZone ?? "" };
    let advice: Awaited<ReturnType<CapacityAdvisor["adviseCapacity"]>>;
    try {
      advice = await this.rebalancer.advisor.adviseCapacity({ ...pair, environment: this.progress.environment });
    } catch (err) {
      throw new StepFailed("advise", `advisor unavailable (${String(err)}): the new node is not kept`);
    }
    if (advice.capacity !== "spot") throw new StepFailed("advise", `advisor says on-demand for ${pair.instanceType} in ${pair.availabilityZone}, where the group launched ${fresh}: ${advice.reason}`);
    if (advice.probe) await this.mark({ probe: pair });
  }

  /** Waits for an instance not known before to be InService, spot, and Ready as a node. */
  private async waitForNewReadyNode(): Promise<void> {
    const { readyTimeoutSeconds, pollMs = 10_000 } = this.rebalancer.opts;
    const clock = this.rebalancer.clock;
    const deadline = clock.now() + readyTimeoutSeconds * 1000;
    const known = new Set(this.progress.knownInstanceIds);
    for (;;) {
      const group = await this.asg.describe(this.progress.group);
      const fresh = group?.instances.find((i) => !known.has(i.instanceId));
      if (fresh && fresh.instanceId !== this.progress.newInstanceId) {
        this.result.newInstanceId = fresh.instanceId;
        await this.mark({ newInstanceId: fresh.instanceId });
      }
      if (fresh && fresh.lifecycleState === "InService") {
        if (!fresh.spot) throw new StepFailed("wait-ready", `the group launched ${fresh.instanceId} on-demand, not spot`);
        const node = (await this.kube.listNodes()).find((n) => n.instanceId === fresh.instanceId);
        if (node?.ready) return;
      }
      if (clock.now() + pollMs > deadline)
        throw new StepFailed("wait-ready", fresh ? `node of ${fresh.instanceId} not Ready within ${readyTimeoutSeconds} s` : `no new instance within ${readyTimeoutSeconds} s`);
      await clock.sleep(pollMs);
    }
  }

  /** Terminates the old instance only if N Ready nodes remain; the group may have moved meanwhile. */
  private async terminateOld(): Promise<RebalanceResult> {
    const p = this.progress;
    const resumedTermination = p.step === "terminate-old" || after(p.step, "terminate-old");
    await this.mark({ step: "terminate-old" });
    const now = await this.capacity();
    if (!now) throw new StepFailed("terminate-old", `group ${p.group} not found`);
    if (!now.group.instances.some((i) => i.instanceId === p.oldInstanceId)) {
      if (resumedTermination) return this.finish(`replaced on-demand ${p.oldInstanceId} by spot ${p.newInstanceId} (the interrupted run's termination had gone through)`);
      this.notes.push(`The group removed ${p.oldInstanceId} itself during the rebalance: ${p.newInstanceId} stays in its place.`);
      return settleKeepingNew(this);
    }
    const removal = canRemoveNode(now, p.oldInstanceId, p.before.desired);
    if (!removal.ok) {
      this.notes.push(`The group changed during the rebalance: terminating ${p.oldInstanceId} now would drop capacity (${removal.why}); it stays, uncordoned, and ${p.newInstanceId} stays too.`);
      await this.kube.setUnschedulable(p.oldNodeName, false).catch((err) => this.result.rollbackErrors.push(`uncordon old node: ${String(err)}`));
      return settleKeepingNew(this);
    }
    try {
      await this.asg.terminateWithDecrement(p.oldInstanceId);
    } catch (err) {
      throw new StepFailed("terminate-old", `terminating ${p.oldInstanceId} failed: ${String(err)}`);
    }
    return this.finish(`replaced on-demand ${p.oldInstanceId} by spot ${p.newInstanceId}`);
  }

  private async finish(reason: string): Promise<RebalanceResult> {
    await this.mark({ step: "restore" });
    await restoreGroup(this, "kept");
    return { ...this.result, outcome: "replaced", reason, newInstanceId: this.progress.newInstanceId };
  }
}

/**
 * Finishes or undoes a rebalance an earlier run started, from its journal and the group as it
 * is now: a new spot node already Ready is kept and the replacement finished; anything else is
 * rolled back (uncordon first).
 */
export async function resumeRebalance(run: RebalanceRun): Promise<RebalanceResult> {
  const p = run.progress;
  run.result.resumed = true;
  if (p.undoing) return rollBack(run, new StepFailed(p.step, "the run that was rolling this rebalance back stopped: rolling back again"));
  if (p.keepingNew) return settleKeepingNew(run);
  const now = await run.capacity();
  if (!now) return rollBack(run, new StepFailed(p.step, `group ${p.group} not found`));
  const known = new Set(p.knownInstanceIds);
  const fresh = now.group.instances.find((i) => i.instanceId === p.newInstanceId) ?? now.group.instances.find((i) => !known.has(i.instanceId));
  if (fresh && fresh.instanceId !== p.newInstanceId) await run.mark({ newInstanceId: fresh.instanceId });
  run.result.newInstanceId = p.newInstanceId;
  const ready = fresh && fresh.spot && fresh.lifecycleState === "InService" && now.nodes.get(fresh.instanceId)?.ready;
  if (p.step === "terminate-old" || p.step === "restore") return run.forward("terminate-old");
  if (ready) return run.forward(after(p.step, "advise") || p.probe ? "cordon" : "advise");
  return rollBack(run, new StepFailed(p.step, "the run that started this rebalance stopped before the new node was Ready"));
}
