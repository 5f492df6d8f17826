/**
 * The node optimizer's undo actions: a rebalance undone against the group and the cluster as
 * they are now. Capacity first: the old node takes pods again before anything goes; the new
 * instance goes (with a decrement) only when N Ready, schedulable nodes of the group remain
 * without it. When the group itself
 * removed or replaced an instance meanwhile, the new node is what holds N: it stays, and only
 * capacity the group added that is not needed goes. The group's settings end as the owner had
 * them: MaxSize back when this run raised it and nobody changed it since, the on-demand base
 * back (or, when the new spot node stays, at most the on-demand instances left), AZRebalance
 * resumed only when this run suspended it.
 */
import { canRemoveNode, servingIds } from "./decide";
import { AZ_REBALANCE, type RebalanceResult, type RebalanceRunState, type StepFailed } from "./model";

async function attempt(run: RebalanceRunState, what: string, action: () => Promise<unknown>): Promise<boolean> {
  try {
    await action();
    return true;
  } catch (err) {
    run.result.rollbackErrors.push(`${what}: ${String(err)}`);
    run.log?.error(`rebalance clean-up failed: ${what}`, { group: run.progress.group, error: String(err) });
    return false;
  }
}

/** The old node takes pods again (unless it is gone). */
async function uncordonOld(run: RebalanceRunState): Promise<void> {
  const p = run.progress;
  if (!p.cordoned) return;
  const node = await run.kube.getNode(p.oldNodeName).catch(() => undefined);
  if (node) await attempt(run, "uncordon old node", () => run.kube.setUnschedulable(p.oldNodeName, false));
}

export async function rollBack(run: RebalanceRunState, failure: StepFailed): Promise<RebalanceResult> {
  const p = run.progress;
  await run.mark({ undoing: true });
  await uncordonOld(run);
  const now = await run.capacity().catch(() => undefined);
  const known = new Set(p.knownInstanceIds);
  const fresh = p.newInstanceId ?? now?.group.instances.find((i) => !known.has(i.instanceId))?.instanceId;
  if (fresh && now?.group.instances.some((i) => i.instanceId === fresh)) {
    const removal = canRemoveNode(now, fresh, p.before.desired);
    if (!removal.ok && servingIds(now).includes(fresh)) {
      run.notes.push(`${fresh} stays: taking it out would drop capacity (${removal.why}). The group removed or replaced an instance during the rebalance.`);
      await run.mark({ undoing: false, newInstanceId: fresh });
      const settled = await settleKeepingNew(run);
      return { ...settled, reason: `${failure.message}; settled without losing capacity`, failedStep: failure.step };
    }
    // Not serving yet (or N holds without it): it goes with a decrement.
    await attempt(run, "terminate new instance", () => run.asg.terminateWithDecrement(fresh));
  } else if (p.scaledOut && now && now.group.desired > p.before.desired) {
    // The launch never showed up: nothing serves above N, so desired goes back.
    await attempt(run, "restore desired capacity", () => run.asg.update(p.group, { desired: p.before.desired }));
  }
  await restoreGroup(run, "undone");
  return { ...run.result, outcome: "rolled-back", reason: failure.message, failedStep: failure.step, newInstanceId: fresh };
}

/** The group changed under the rebalance: the new node stays, capacity the group added beyond N goes, settings restored. */
export async function settleKeepingNew(run: RebalanceRunState): Promise<RebalanceResult> {
  const p = run.progress;
  await run.mark({ keepingNew: true });
  if (run.progress.cordoned) {
    const stillThere = (await run.capacity().catch(() => undefined))?.group.instances.some((i) => i.instanceId === p.oldInstanceId);
    if (stillThere) await uncordonOld(run);
  }
  const known = new Set([...p.knownInstanceIds, p.newInstanceId]);
  for (let guard = 0; guard < 5; guard++) {
    const now = await run.capacity().catch(() => undefined);
    if (!now || now.group.desired <= p.before.desired) break;
    const serving = new Set(servingIds(now));
    // What the group launched during the rebalance beyond the new node: booting ones first.
    const extra = now.group.instances.filter((i) => !known.has(i.instanceId)).sort((a, b) => Number(serving.has(a.instanceId)) - Number(serving.has(b.instanceId)))[0];
    if (!extra && now.group.instances.length <= p.before.desired) {
      // The group has not launched its replacement yet: it need not.
      await attempt(run, `set desired capacity back to ${p.before.desired}`, () => run.asg.update(p.group, { desired: p.before.desired }));
      break;
    }
    if (!extra || !canRemoveNode(now, extra.instanceId, p.before.desired).ok) break;
    if (!(await attempt(run, `remove ${extra.instanceId} (added by the group during the rebalance)`, () => run.asg.terminateWithDecrement(extra.instanceId)))) break;
    run.notes.push(`${extra.instanceId}, launched by the group during the rebalance, went with a decrement: desired back at ${p.before.desired}.`);
  }
  await restoreGroup(run, "kept");
  return { ...run.result, outcome: "settled", reason: run.notes.join(" ") || "settled", newInstanceId: p.newInstanceId };
}

/** MaxSize, on-demand base and AZRebalance as the owner had them. */
export async function restoreGroup(run: RebalanceRunState, newNode: "kept" | "undone"): Promise<void> {
  const p = run.progress;
  const group = await run.asg.describe(p.group).catch(() => undefined);
  if (group && p.scaledOut) {
    const onDemandNow = group.instances.filter((i) => !i.spot).length;
    // Kept: the base must not promise more on-demand instances than are left, or the group relaunches them.
    const base = newNode === "undone" ? p.before.onDemandBase : Math.min(p.before.onDemandBase, onDemandNow);
    const change: { max?: number; onDemandBaseCapacity?: number } = {};
    if (group.onDemandBaseCapacity !== base) change.onDemandBaseCapacity = base;
    if (p.target.max !== p.before.max) {
      if (group.max === p.target.max && group.desired <= p.before.max) change.max = p.before.max;
      else if (group.max !== p.before.max) run.notes.push(`MaxSize is ${group.max}, changed by someone else or still needed (desired ${group.desired}): left as it is.`);
    }
    if (change.max !== undefined || change.onDemandBaseCapacity !== undefined) await attempt(run, "restore group settings", () => run.asg.update(p.group, change));
  } else if (!group) {
    run.result.rollbackErrors.push(`group ${p.group} could not be read to restore its settings`);
  }
  if (p.suspendedHere) await attempt(run, `resume ${AZ_REBALANCE}`, () => run.asg.resume(p.group, [AZ_REBALANCE]));
}
