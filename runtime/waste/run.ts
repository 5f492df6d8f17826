/**
 * The waste scanner's run: inventory → first-seen tracking → findings → store (first/last
 * seen, resolved) → metric → optional clean-up → summary event when the findings changed.
 */
import { randomUUID } from "node:crypto";
import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { SNSClient } from "@aws-sdk/client-sns";
import { publishEvent } from "../shared/events";
import type { Log } from "../shared/observability";
import { applyCleanup, type StepResult } from "./actions";
import { findWaste, totalMonthlyUsd, trackFirstSeen, unattachedVolumeIds, usd } from "./decide";
import { planCleanup } from "./decideCleanup";
import { readInventory } from "./inventory";
import type { CleanupMark, FindingKind, Inventory, StoredFinding, WastePrices } from "./model";
import type { WasteSettings } from "./settings";
import { reconcileFindings, type FindingsStore, type StoredState } from "./store";

export interface WasteScanDeps {
  ec2: EC2Client;
  /** Reads launch configurations (their snapshots are in use); the handler always passes one. */
  autoScaling?: AutoScalingClient;
  store: FindingsStore;
  prices: WastePrices;
  log: Log;
  stack: string;
  /** Publishes the summary; omitted in tools that only want the findings. */
  alerts?: { sns: SNSClient; topicArn: string };
  /** Emits the total as the EMF metric wasteUsdPerMonth. */
  emitTotal?: (usdPerMonth: number) => void;
  /** Inventory reader (the benchmark and tests may wrap it). */
  readInventory?: (ec2: EC2Client, autoScaling?: AutoScalingClient) => Promise<Inventory>;
}

export interface WasteScanResult {
  region: string;
  open: StoredFinding[];
  opened: StoredFinding[];
  resolved: StoredFinding[];
  totalMonthlyUsd: number;
  byKind: Record<FindingKind, { count: number; monthlyUsd: number }>;
  cleanup: { mode: WasteSettings["cleanup"]; results: StepResult[]; waiting: { resourceId: string; reason: string }[]; skipped: { resourceId: string; reason: string }[] };
  apiCalls: number;
  itemsWritten: number;
  published: boolean;
}

export async function runWasteScan(deps: WasteScanDeps, settings: WasteSettings, now = new Date()): Promise<WasteScanResult> {
  const inv = await (deps.readInventory ?? readInventory)(deps.ec2, deps.autoScaling);
  const stored = await deps.store.load();

  const unassociated = inv.addresses.filter((a) => !a.associationId && !a.instanceId && !a.networkInterfaceId).map((a) => a.allocationId ?? a.publicIp);
  const seen: StoredState["seen"] = {
    "unattached-volume": trackFirstSeen(unattachedVolumeIds(inv.volumes), stored.seen["unattached-volume"], now),
    "unattached-eip": trackFirstSeen(unassociated, stored.seen["unattached-eip"], now),
    "stopped-instance": trackFirstSeen(inv.stoppedInstances.map((i) => i.id), stored.seen["stopped-instance"], now),
  };
  const findings = findWaste(
    inv,
    { unattachedVolumes: seen["unattached-volume"], unattachedAddresses: seen["unattached-eip"], stoppedInstances: seen["stopped-instance"] },
    deps.prices,
    settings,
    now,
  );
  const rec = reconcileFindings(stored.findings, findings, now);
  const total = totalMonthlyUsd(rec.open);
  const itemsWritten = await deps.store.save(rec.writes, stored.seen, seen, now, { openFindings: rec.open.length, totalMonthlyUsd: total });

  deps.emitTotal?.(total);
  const byKind = {} as WasteScanResult["byKind"];
  for (const f of rec.open) {
    const k = (byKind[f.kind] ??= { count: 0, monthlyUsd: 0 });
    k.count++;
    k.monthlyUsd = usd(k.monthlyUsd + f.monthlyUsd);
  }

  const cleanup: WasteScanResult["cleanup"] = { mode: settings.cleanup, results: [], waiting: [], skipped: [] };
  if (settings.cleanup !== "off") {
    const plan = planCleanup(rec.open, inv, { graceDays: settings.cleanupGraceDays, maxActions: settings.cleanupMaxActionsPerRun }, now, stored.marks);
    cleanup.results = await applyCleanup(deps.ec2, plan, settings.cleanup);
    cleanup.waiting = plan.waiting;
    cleanup.skipped = plan.skipped;
    if (settings.cleanup === "apply") await recordMarks(deps.store, stored.marks, cleanup.results, plan.forget, now);
    for (const r of cleanup.results) {
      if (r.status === "failed") deps.log.warn(`clean-up failed: ${r.description}`, { error: r.error });
      else deps.log.info(`clean-up ${r.status}: ${r.description}`);
    }
  }

  deps.log.info("waste scan done", { region: inv.region, open: rec.open.length, opened: rec.opened.length, resolved: rec.resolved.length, totalMonthlyUsd: total, apiCalls: inv.apiCalls, itemsWritten });

  let published = false;
  if (deps.alerts && (rec.changed || cleanup.results.length > 0)) {
    await publishEvent(deps.alerts.sns, deps.alerts.topicArn, summaryEvent(deps.stack, inv.region, rec.open, rec.opened, rec.resolved, total, cleanup));
    published = true;
  }
  return { region: inv.region, open: rec.open, opened: rec.opened, resolved: rec.resolved, totalMonthlyUsd: total, byKind, cleanup, apiCalls: inv.apiCalls, itemsWritten, published };
}

/**
 * costguard's own record of what it did, after each step that succeeded: a mark (with the
 * date written into the tag), the backup taken in this cycle, and the end of a cycle.
 */
async function recordMarks(store: FindingsStore, marks: ReadonlyMap<string, CleanupMark>, results: StepResult[], forget: string[], now: Date): Promise<void> {
  for (const r of results) {
    if (r.status !== "done") continue;
    const { step } = r;
    if (step.op === "mark") await store.putMark({ resourceId: step.resourceId, markedAt: now.toISOString(), dueDate: step.dueDate });
    else if (step.op === "snapshot-volume") {
      const mark = marks.get(step.resourceId);
      if (mark && r.snapshotId) await store.putMark({ ...mark, backupSnapshotId: r.snapshotId, backupTakenAt: now.toISOString() });
    } else await store.deleteMark(step.resourceId);
  }
  for (const id of forget) await store.deleteMark(id);
}

/** Longer than the function's timeout (300 s): a live run never loses it, a dead one frees it. */
export const WASTE_LEASE_MS = 330_000;

/**
 * One scan at a time (EventBridge delivers at least once): two concurrent clean-ups would
 * each take a backup of the same volume, or act on a plan the other already carried out.
 */
export async function runWasteScanExclusive(deps: WasteScanDeps, settings: WasteSettings, now = new Date()): Promise<{ ran: true; result: WasteScanResult } | { ran: false; busy: string }> {
  const lease = deps.store.lease(() => now.getTime());
  const out = await lease.run(`waste-scan#${randomUUID()}`, WASTE_LEASE_MS, () => runWasteScan(deps, settings, now));
  if (out.ran) return out;
  const busy = `another waste scan (${out.busy.holder}) holds the lease until ${new Date(out.busy.until).toISOString()}: this run did nothing`;
  deps.log.info(busy);
  return { ran: false, busy };
}

const money = (v: number) => `$${v.toFixed(2)}`;

function summaryEvent(stack: string, region: string, open: StoredFinding[], opened: StoredFinding[], resolved: StoredFinding[], total: number, cleanup: WasteScanResult["cleanup"]) {
  const age = (f: StoredFinding) => (f.since ? `, ${Math.floor((Date.parse(f.lastSeen) - Date.parse(f.since)) / 86400_000)} days` : "");
  const line = (f: StoredFinding) => `${f.resourceId} (${f.environment}): ${money(f.monthlyUsd)}/month${f.upperBound ? " at most" : ""}, ${f.detail}${age(f)}`;
  const biggest = [...opened].sort((a, b) => b.monthlyUsd - a.monthlyUsd).slice(0, 10);
  const lines = [
    ...biggest.map((f) => `new: ${line(f)}`),
    ...(opened.length > biggest.length ? [`… and ${opened.length - biggest.length} more new findings`] : []),
    ...(resolved.length ? [`resolved: ${resolved.slice(0, 5).map((f) => f.resourceId).join(", ")}${resolved.length > 5 ? ` and ${resolved.length - 5} more` : ""}`] : []),
    ...cleanup.results.slice(0, 20).map((r) => `${r.status === "dry-run" ? "would " : r.status === "failed" ? "FAILED to " : ""}${r.description}${r.error ? ` (${r.error})` : ""}`),
  ];
  const upper = open.some((f) => f.upperBound);
  return {
    kind: "waste" as const,
    severity: "info" as const,
    title: `Waste: ${money(total)}/month${upper ? " (at most)" : ""} in ${open.length} findings (${region})`,
    stack,
    lines,
    fields: {
      "waste $/month": money(total),
      "open findings": String(open.length),
      "new / resolved": `${opened.length} / ${resolved.length}`,
      ...(cleanup.mode !== "off" ? { "clean-up": `${cleanup.mode}: ${cleanup.results.length} steps, ${cleanup.waiting.length} waiting` } : {}),
    },
  };
}
