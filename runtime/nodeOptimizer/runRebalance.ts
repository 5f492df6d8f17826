/**
 * The node optimizer's scheduled run, the rebalance: replace one on-demand node of a group by a spot node without the
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
 * is finished or undone by the next (actions.ts's `resumeRebalance`). Undoing (actionsUndo.ts)
 * looks at the group as it is now: it uncordons first, and removes the new instance only when N
 * Ready nodes remain without it. Which node is replaced is decide.ts's `planReplacement`.
 */
import { randomUUID } from "node:crypto";
import { JournalStore } from "../shared/journal";
import { Lease } from "../shared/lease";
import { RebalanceRun, resumeRebalance } from "./actions";
import { realClock, type Clock } from "./actionsDrain";
import type { AsgGateway, GroupInstance, GroupView } from "./asgGateway";
import { planReplacement, podKey, unsafeReason } from "./decide";
import type { KubeNodes } from "./kubeApi";
import { NODE_GROUP_LEASE_MS, type CapacityAdvisor, type RebalanceContext, type RebalanceProgress, type RebalanceResult, type RebalancerOptions } from "./model";

export class Rebalancer implements RebalanceContext {
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
      return this.settleJournal(run, await resumeRebalance(run), j);
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
