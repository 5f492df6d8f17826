/**
 * Scheduled rebalance: replace one on-demand node of a group by a spot node without the
 * group's Ready, schedulable node count ever dropping below where it started (N).
 *
 *   scale out (desired +1, on-demand base −1 so the new instance is spot; MaxSize +1 if needed)
 *   → wait for the new instance's node to be Ready → ask the capacity advisor, once, about the
 *   (type, AZ) actually launched → cordon the old node → drain it (refusing pods that would not
 *   survive the move) → terminate the old instance with desired-capacity decrement → restore
 *   MaxSize, resume AZRebalance.
 *
 * The group must be able to launch spot: a MixedInstancesPolicy with
 * OnDemandPercentageAboveBaseCapacity 0 (capacity above the on-demand base is spot).
 *
 * With a store, each group is taken under a lease and every step is written to a journal
 * before it is taken, with the values found before the rebalance, so a run that dies anywhere
 * is finished or undone by the next (`resume`). Undoing (rebalanceUndo.ts) looks at the group
 * as it is now: it uncordons first, and removes the new instance only when N Ready nodes
 * remain without it.
 */
import { randomUUID } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Lease } from "../shared/lease";
import type { Log } from "../shared/observability";
import { JournalFenceLost, JournalStore } from "../spot/journal";
import type { AsgGateway, GroupInstance, GroupView } from "./asgGateway";
import { drainNode, realClock, unsafeReason, podKey, type Clock, type DrainOutcome } from "./drain";
import type { KubeNodes, NodeInfo } from "./kubeApi";
import { canRemoveNode, restoreGroup, rollBack, settleKeepingNew, type Capacity } from "./rebalanceUndo";

/**
 * Spot advice as the rebalance uses it (SpotAdvisor has this shape): a read-only check of
 * every (type, AZ) the group may launch before scaling out, then one advice for the pair
 * actually launched (which takes the half-open probe when there is one), and what became of
 * that probe.
 */
export interface CapacityAdvisor {
  adviseCapacity(q: { instanceType: string; availabilityZone: string; environment?: string }): Promise<{ capacity: "spot" | "on-demand"; reason: string; probe?: boolean }>;
  isHealthy(instanceType: string, availabilityZone: string): Promise<{ healthy: boolean; reason: string; probeAvailable?: boolean }>;
  probeLaunched?(instanceType: string, availabilityZone: string, instanceId: string): Promise<void>;
  releaseProbe?(instanceType: string, availabilityZone: string): Promise<void>;
}

export type ReplacementPlan =
  | { kind: "skip"; reason: string }
  | { kind: "replace"; old: GroupInstance; oldNode: NodeInfo; onDemandBaseCapacity: number; max: number; candidates: { old: GroupInstance; oldNode: NodeInfo }[] };

export const AZ_REBALANCE = "AZRebalance";

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

export type RebalanceStep = "scale-out" | "wait-ready" | "advise" | "cordon" | "drain" | "terminate-old" | "restore";
const STEPS: RebalanceStep[] = ["scale-out", "wait-ready", "advise", "cordon", "drain", "terminate-old", "restore"];
const after = (a: RebalanceStep, b: RebalanceStep) => STEPS.indexOf(a) > STEPS.indexOf(b);

/** What the journal holds: the values found before the rebalance, and how far it got. */
export interface RebalanceProgress {
  group: string;
  /** N, and the group's settings before the rebalance. */
  before: { desired: number; max: number; onDemandBase: number; suspended: string[] };
  /** The settings the scale-out sets. */
  target: { max: number; onDemandBase: number };
  oldInstanceId: string;
  oldNodeName: string;
  /** Members before the scale-out: any other instance was launched for (or during) it. */
  knownInstanceIds: string[];
  environment?: string;
  step: RebalanceStep;
  suspendedHere: boolean;
  scaledOut: boolean;
  cordoned: boolean;
  newInstanceId?: string;
  /** The half-open probe this launch took, to confirm or give back. */
  probe?: { instanceType: string; availabilityZone: string };
  undoing?: boolean;
  keepingNew?: boolean;
}

export interface RebalanceResult {
  group: string;
  /** settled: the group changed under the rebalance; the new node stays, nothing else was removed, N held. */
  outcome: "replaced" | "skipped" | "rolled-back" | "settled";
  reason: string;
  oldInstanceId?: string;
  newInstanceId?: string;
  /** The step that failed, when rolled back. */
  failedStep?: RebalanceStep;
  drain?: DrainOutcome;
  /** Problems met while rolling back or restoring (the next run tries again). */
  rollbackErrors: string[];
  notes: string[];
  /** This run finished or undid what an interrupted run had started. */
  resumed?: boolean;
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
  /** The optimizer's table: a lease per group and each group's journal. */
  store?: { doc: DynamoDBDocumentClient; table: string };
  /** Who this run is, in leases. */
  runId?: string;
}

export class StepFailed extends Error {
  constructor(
    readonly step: RebalanceStep,
    message: string,
  ) {
    super(message);
  }
}

/** How long a run holds a group: longer than any run lives (Lambda stops at 15 minutes). */
export const NODE_GROUP_LEASE_MS = 16 * 60_000;

/** One rebalance of one group, fresh or resumed from its journal. */
export class RebalanceRun {
  readonly notes: string[] = [];
  readonly result: RebalanceResult;

  constructor(
    readonly rebalancer: Rebalancer,
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

export class Rebalancer {
  readonly clock: Clock;

  constructor(
    readonly asg: AsgGateway,
    readonly kube: KubeNodes,
    readonly advisor: CapacityAdvisor,
    readonly opts: RebalancerOptions,
  ) {
    this.clock = opts.clock ?? realClock;
  }

  /** Read-only, before any change: every (type, AZ) the group may launch must be healthy or offer its probe. */
  private async healthAgainstSpot(group: GroupView, old: GroupInstance): Promise<string | undefined> {
    const types = group.instanceTypes.length ? group.instanceTypes : [old.instanceType ?? ""].filter(Boolean);
    const azs = group.availabilityZones.length ? group.availabilityZones : [old.availabilityZone];
    for (const instanceType of types)
      for (const availabilityZone of azs) {
        try {
          const h = await this.advisor.isHealthy(instanceType, availabilityZone);
          if (!h.healthy && !h.probeAvailable) return `advisor says on-demand for ${instanceType} in ${availabilityZone}: ${h.reason}`;
        } catch (err) {
          return `advisor unavailable (${String(err)}): on-demand kept`;
        }
      }
    return undefined;
  }

  /** Under the group's lease (with a store): settles what an earlier run left, else rebalances one node. */
  async rebalanceGroup(name: string): Promise<RebalanceResult> {
    const store = this.opts.store;
    if (!store) return this.rebalanceUnleased(name, undefined);
    const owner = this.opts.runId ?? randomUUID();
    const lease = new Lease(store.doc, store.table, `node#${name}`, { now: this.clock.now });
    const held = await lease.acquire(owner, NODE_GROUP_LEASE_MS);
    if (!held.acquired) return { group: name, outcome: "skipped", reason: `another run (${held.holder}) holds ${name} until ${new Date(held.until).toISOString()}; next run`, rollbackErrors: [], notes: [] };
    try {
      const journals = new JournalStore<RebalanceProgress>(store.doc, store.table, "node-rebalance", this.clock.now);
      return await this.rebalanceUnleased(name, { journals, fence: held.fence });
    } finally {
      await lease.release(owner);
    }
  }

  private async rebalanceUnleased(name: string, j: { journals: JournalStore<RebalanceProgress>; fence: number } | undefined): Promise<RebalanceResult> {
    const record = j ? (p: RebalanceProgress) => j.journals.save(name, j.fence, p) : async () => {};
    const pending = j && (await j.journals.adopt(name, j.fence));
    if (pending) {
      this.opts.log?.warn("an earlier run stopped mid-rebalance: finishing or undoing it", { group: name, step: pending.data.step });
      const run = new RebalanceRun(this, pending.data, record);
      return this.settleJournal(run, await resume(run), j);
    }
    const skip = (reason: string, oldInstanceId?: string): RebalanceResult => ({ group: name, outcome: "skipped", reason, oldInstanceId, rollbackErrors: [], notes: [] });
    const group = await this.asg.describe(name);
    if (!group) return skip(`Auto Scaling group ${name} not found`);
    const plan = planReplacement(group, await this.kube.listNodes());
    if (plan.kind === "skip") return skip(plan.reason);
    // A node holding pods that would not survive the move is not drained on schedule: the next candidate is.
    const blocked: string[] = [];
    let chosen: (typeof plan.candidates)[number] | undefined;
    for (const c of plan.candidates) {
      const unsafe = (await this.kube.listPodsOnNode(c.oldNode.name)).flatMap((pod) => {
        const why = unsafeReason(pod);
        return why && pod.phase !== "Succeeded" && pod.phase !== "Failed" && !pod.ownerKinds.includes("DaemonSet") && !pod.mirror ? [`${podKey(pod)} ${why}`] : [];
      });
      if (!unsafe.length) {
        chosen = c;
        break;
      }
      blocked.push(`${c.oldNode.name}: ${unsafe.join("; ")}`);
    }
    if (!chosen) return skip(`every on-demand node holds pods a drain would not move safely (${blocked.join(" | ").slice(0, 900)})`, plan.old.instanceId);
    if (blocked.length) this.opts.log?.info("passed over nodes holding pods unsafe to move", { group: name, blocked });
    const against = await this.healthAgainstSpot(group, chosen.old);
    if (against) return skip(against, chosen.old.instanceId);

    const progress: RebalanceProgress = {
      group: name,
      before: { desired: group.desired, max: group.max, onDemandBase: group.onDemandBaseCapacity!, suspended: group.suspendedProcesses },
      target: { max: plan.max, onDemandBase: plan.onDemandBaseCapacity },
      oldInstanceId: chosen.old.instanceId,
      oldNodeName: chosen.oldNode.name,
      knownInstanceIds: group.instances.map((i) => i.instanceId),
      environment: group.environment,
      step: "scale-out",
      suspendedHere: false,
      scaledOut: false,
      cordoned: false,
    };
    if (j && !(await j.journals.begin(name, j.fence, progress))) return skip("a rebalance journal appeared meanwhile; next run settles it");
    const run = new RebalanceRun(this, progress, record);
    return this.settleJournal(run, await run.forward(), j);
  }

  /** The probe is confirmed only when the new node stays; the journal goes once settled without errors. */
  private async settleJournal(run: RebalanceRun, result: RebalanceResult, j: { journals: JournalStore<RebalanceProgress>; fence: number } | undefined): Promise<RebalanceResult> {
    const probe = run.progress.probe;
    if (probe) {
      const kept = result.outcome === "replaced" || result.outcome === "settled";
      const report = kept ? this.advisor.probeLaunched?.(probe.instanceType, probe.availabilityZone, run.progress.newInstanceId ?? "") : this.advisor.releaseProbe?.(probe.instanceType, probe.availabilityZone);
      await report?.catch((err) => this.opts.log?.error("the probe could not be reported", { error: String(err) }));
    }
    if (j && result.rollbackErrors.length === 0) await j.journals.finish(run.progress.group, j.fence);
    return result;
  }
}

/**
 * Finishes or undoes a rebalance an earlier run started, from its journal and the group as it
 * is now: a new spot node already Ready is kept and the replacement finished; anything else is
 * rolled back (uncordon first).
 */
async function resume(run: RebalanceRun): Promise<RebalanceResult> {
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
