/**
 * The waste scanner's run: units (account × region) → each unit's inventory, with its own
 * clients, at most `scope.concurrency` at a time → first-seen tracking → findings, priced at the
 * unit's region's prices → store (first/last seen, resolved) → metric → optional clean-up, in the
 * owning unit → summary event when the findings changed or a unit could not be read. A unit that
 * fails is reported and its records kept as they were; the others are done.
 */
import { randomUUID } from "node:crypto";
import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { SNSClient } from "@aws-sdk/client-sns";
import { publishEvent } from "../shared/events";
import type { Log } from "../shared/observability";
import { mapUnits, unitKey, type Unit, type UnitFailure } from "../shared/units";
import { applyCleanup, type StepResult } from "./actions";
import { findWaste, totalMonthlyUsd, trackFirstSeen, unattachedVolumeIds, usd } from "./decide";
import { planCleanup } from "./decideCleanup";
import { readInventory } from "./inventory";
import type { CleanupMark, Finding, FindingKind, Inventory, StoredFinding, WastePrices } from "./model";
import type { WasteSettings } from "./settings";
import { emptySeen, reconcileFindings, SEEN_CATEGORIES, type FindingsStore, type StoredState } from "./store";
import { FailedUnits, isHome, unitOfKey, unitPrefix, unitScopedId, unitsOfScope, viewOf, type HomeUnit } from "../shared/unitScope";

export interface UnitClients {
  ec2: EC2Client;
  /** Reads launch configurations (their snapshots are in use); the handler always passes one. */
  autoScaling?: AutoScalingClient;
}

export interface WasteScanDeps extends UnitClients {
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
  /** The function's own account (from its ARN): needed with a scope, to tell its own unit from the others. */
  account?: string;
  /** Lists the organisation's accounts (scope.organization.accounts "all"). */
  organizations?: OrganizationsClient;
  /** Clients of a unit other than the function's own (the handler: its region, the member role, adaptive retries). */
  clientsFor?: (unit: Unit) => UnitClients;
}

export interface WasteScanResult {
  /** The function's own region. */
  region: string;
  /** Units (account × region) read. */
  units: number;
  /** Units that could not be read: reported, their open findings kept as they were. */
  failures: UnitFailure[];
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

interface UnitScan {
  unit: Unit;
  clients: UnitClients;
  inv: Inventory;
  /** First-seen maps of this unit, by bare resource id. */
  seen: StoredState["seen"];
  /** This unit's findings, with unit-qualified ids. */
  findings: Finding[];
}

/** One unit: its inventory, read with its own clients, and its findings, priced at its region's prices. */
async function scanUnit(deps: WasteScanDeps, unit: Unit, home: HomeUnit, clients: UnitClients, stored: StoredState, settings: WasteSettings, now: Date): Promise<UnitScan> {
  const inv = await (deps.readInventory ?? readInventory)(clients.ec2, clients.autoScaling);
  inv.region = unit.region;
  const before = (c: (typeof SEEN_CATEGORIES)[number]) => viewOf(stored.seen[c], unit, home);
  const unassociated = inv.addresses.filter((a) => !a.associationId && !a.instanceId && !a.networkInterfaceId).map((a) => a.allocationId ?? a.publicIp);
  const seen: StoredState["seen"] = {
    "unattached-volume": trackFirstSeen(unattachedVolumeIds(inv.volumes), before("unattached-volume"), now),
    "unattached-eip": trackFirstSeen(unassociated, before("unattached-eip"), now),
    "stopped-instance": trackFirstSeen(inv.stoppedInstances.map((i) => i.id), before("stopped-instance"), now),
  };
  const found = findWaste(inv, { unattachedVolumes: seen["unattached-volume"], unattachedAddresses: seen["unattached-eip"], stoppedInstances: seen["stopped-instance"] }, deps.prices, settings, now);
  // The catalog prices a region it has no figures of at us-east-1 rates: say so on every figure.
  const estimated = deps.prices.isCatalogRegion?.(unit.region) === false ? ` (estimated: ${unit.region} is not in the price catalog, priced at us-east-1 rates)` : "";
  const findings = found.map((f) => ({ ...f, id: `${f.kind}#${unitScopedId(unit, home, f.resourceId)}`, ...(unit.account ? { account: unit.account } : {}), detail: f.detail + estimated }));
  return { unit, clients, inv, seen, findings };
}

const unitOfFinding = (f: Pick<Finding, "account" | "region">, home: HomeUnit): Unit => ({ account: f.account ?? home.account, region: f.region || home.region });

export async function runWasteScan(deps: WasteScanDeps, settings: WasteSettings, now = new Date()): Promise<WasteScanResult> {
  const home: HomeUnit = { account: deps.account ?? "", region: await deps.ec2.config.region() };
  const clientsOf = (unit: Unit): UnitClients => {
    if (isHome(unit, home)) return { ec2: deps.ec2, autoScaling: deps.autoScaling };
    if (!deps.clientsFor) throw new Error(`no clients for ${unitKey(unit)}: a scope needs clientsFor`);
    return deps.clientsFor(unit);
  };
  const listed = await unitsOfScope(settings.scope, home, deps.ec2, deps, (u) => clientsOf(u).ec2);
  const stored = await deps.store.load();
  const outcomes = await mapUnits(listed.units, settings.scope?.concurrency ?? 1, (unit) => scanUnit(deps, unit, home, clientsOf(unit), stored, settings, now));
  const scans = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
  const failures = [...listed.failures, ...outcomes.flatMap((o) => (o.ok ? [] : [{ unit: o.unit, error: o.error, ...(o.code ? { code: o.code } : {}) }]))];
  const failed = new FailedUnits(failures, listed.failures);
  for (const f of failures) deps.log.warn(`could not scan ${unitKey(f.unit)}: ${f.error}`, { account: f.unit.account, region: f.unit.region, code: f.code });

  // A unit that could not be read is not a unit without waste: its records stay as they were.
  const seen = emptySeen();
  for (const c of SEEN_CATEGORIES) {
    for (const [key, since] of stored.seen[c]) if (failed.has(unitOfKey(key, home))) seen[c].set(key, since);
    for (const s of scans) for (const [id, since] of s.seen[c]) seen[c].set(unitScopedId(s.unit, home, id), since);
  }
  // Its findings stay open, last seen when a scan last read them: the first scan that cannot
  // says so in the item (the store would otherwise take every open finding as seen by the latest scan).
  const kept = stored.findings
    .filter((f) => f.status === "open" && failed.has(unitOfFinding(f, home)))
    .map((f) => (f.notCheckedSince ? f : { ...f, notCheckedSince: now.toISOString() }));
  const keptIds = new Set(kept.map((f) => f.id));
  const rec = reconcileFindings(
    stored.findings.filter((f) => !keptIds.has(f.id)),
    scans.flatMap((s) => s.findings),
    now,
  );
  const open = [...rec.open, ...kept];
  const total = totalMonthlyUsd(open);
  const newlyUnchecked = kept.filter((f) => f.notCheckedSince === now.toISOString());
  const itemsWritten = await deps.store.save([...rec.writes, ...newlyUnchecked], stored.seen, seen, now, { openFindings: open.length, totalMonthlyUsd: total });

  deps.emitTotal?.(total);
  const byKind = {} as WasteScanResult["byKind"];
  for (const f of open) {
    const k = (byKind[f.kind] ??= { count: 0, monthlyUsd: 0 });
    k.count++;
    k.monthlyUsd = usd(k.monthlyUsd + f.monthlyUsd);
  }

  const cleanup: WasteScanResult["cleanup"] = { mode: settings.cleanup, results: [], waiting: [], skipped: [] };
  if (settings.cleanup !== "off") {
    // One cap for the whole run, spent unit after unit; each unit's steps go to its own clients.
    let budget = settings.cleanupMaxActionsPerRun;
    for (const s of scans) {
      const marks = viewOf(stored.marks, s.unit, home);
      const plan = planCleanup(s.findings, s.inv, { graceDays: settings.cleanupGraceDays, maxActions: budget }, now, marks);
      budget -= plan.steps.length;
      const prefix = unitPrefix(s.unit, home);
      const key = (id: string) => unitScopedId(s.unit, home, id);
      const results = (await applyCleanup(s.clients.ec2, plan, settings.cleanup)).map((r) => ({ ...r, description: prefix + r.description }));
      cleanup.results.push(...results);
      cleanup.waiting.push(...plan.waiting.map((w) => ({ ...w, resourceId: key(w.resourceId) })));
      const capReason = /^action cap of \d+ per run/;
      cleanup.skipped.push(...plan.skipped.map((w) => ({ resourceId: key(w.resourceId), reason: w.reason.replace(capReason, `action cap of ${settings.cleanupMaxActionsPerRun} per run`) })));
      if (settings.cleanup === "apply") await recordMarks(deps.store, marks, results, plan.forget, now, key);
    }
    for (const r of cleanup.results) {
      if (r.status === "failed") deps.log.warn(`clean-up failed: ${r.description}`, { error: r.error });
      else deps.log.info(`clean-up ${r.status}: ${r.description}`);
    }
  }

  // One line per unit (the dashboard's breakdown by account and region reads it: no metric per unit).
  if (settings.scope) {
    const perUnit = new Map<string, StoredFinding[]>();
    for (const f of open) {
      const k = unitKey(unitOfFinding(f, home));
      const list = perUnit.get(k);
      if (list) list.push(f);
      else perUnit.set(k, [f]);
    }
    for (const s of scans) {
      const mine = perUnit.get(unitKey(s.unit)) ?? [];
      deps.log.info("unit waste", { account: s.unit.account, region: s.unit.region, findings: mine.length, usdPerMonth: totalMonthlyUsd(mine) });
    }
  }
  const apiCalls = scans.reduce((n, s) => n + s.inv.apiCalls, 0);
  deps.log.info("waste scan done", { region: home.region, units: listed.units.length, failedUnits: failures.length, open: open.length, opened: rec.opened.length, resolved: rec.resolved.length, totalMonthlyUsd: total, apiCalls, itemsWritten });

  let published = false;
  if (deps.alerts && (rec.changed || cleanup.results.length > 0 || failures.length > 0)) {
    const where = settings.scope ? `${listed.units.length} units (account × region)` : home.region;
    await publishEvent(deps.alerts.sns, deps.alerts.topicArn, summaryEvent(deps.stack, where, home, open, rec.opened, rec.resolved, total, cleanup, failures));
    published = true;
  }
  return { region: home.region, units: listed.units.length, failures, open, opened: rec.opened, resolved: rec.resolved, totalMonthlyUsd: total, byKind, cleanup, apiCalls, itemsWritten, published };
}

/**
 * costguard's own record of what it did, after each step that succeeded: a mark (with the
 * date written into the tag), the backup taken in this cycle, and the end of a cycle.
 */
async function recordMarks(store: FindingsStore, marks: ReadonlyMap<string, CleanupMark>, results: StepResult[], forget: string[], now: Date, key: (id: string) => string): Promise<void> {
  for (const r of results) {
    if (r.status !== "done") continue;
    const { step } = r;
    if (step.op === "mark") await store.putMark({ resourceId: step.resourceId, markedAt: now.toISOString(), dueDate: step.dueDate }, key(step.resourceId));
    else if (step.op === "snapshot-volume") {
      const mark = marks.get(step.resourceId);
      if (mark && r.snapshotId) await store.putMark({ ...mark, backupSnapshotId: r.snapshotId, backupTakenAt: now.toISOString() }, key(step.resourceId));
    } else await store.deleteMark(key(step.resourceId));
  }
  for (const id of forget) await store.deleteMark(key(id));
}

/** Longer than the function's timeout (300 s): a live run never loses it, a dead one frees it. */
export const WASTE_LEASE_MS = 330_000;
/** With a scope (many units), the function's timeout is Lambda's maximum, and the lease outlasts it. */
export const WASTE_SCOPED_TIMEOUT_SECONDS = 900;
export const WASTE_SCOPED_LEASE_MS = 960_000;

/**
 * One scan at a time (EventBridge delivers at least once): two concurrent clean-ups would
 * each take a backup of the same volume, or act on a plan the other already carried out.
 */
export async function runWasteScanExclusive(deps: WasteScanDeps, settings: WasteSettings, now = new Date()): Promise<{ ran: true; result: WasteScanResult } | { ran: false; busy: string }> {
  const lease = deps.store.lease(() => now.getTime());
  const out = await lease.run(`waste-scan#${randomUUID()}`, settings.scope ? WASTE_SCOPED_LEASE_MS : WASTE_LEASE_MS, () => runWasteScan(deps, settings, now));
  if (out.ran) return out;
  const busy = `another waste scan (${out.busy.holder}) holds the lease until ${new Date(out.busy.until).toISOString()}: this run did nothing`;
  deps.log.info(busy);
  return { ran: false, busy };
}

const money = (v: number) => `$${v.toFixed(2)}`;

function summaryEvent(stack: string, where: string, home: HomeUnit, open: StoredFinding[], opened: StoredFinding[], resolved: StoredFinding[], total: number, cleanup: WasteScanResult["cleanup"], failures: UnitFailure[]) {
  const age = (f: StoredFinding) => (f.since ? `, ${Math.floor((Date.parse(f.lastSeen) - Date.parse(f.since)) / 86400_000)} days` : "");
  const line = (f: StoredFinding) => `${unitPrefix(unitOfFinding(f, home), home)}${f.resourceId} (${f.environment}): ${money(f.monthlyUsd)}/month${f.upperBound ? " at most" : ""}, ${f.detail}${age(f)}`;
  const biggest = [...opened].sort((a, b) => b.monthlyUsd - a.monthlyUsd).slice(0, 10);
  const lines = [
    ...failures.slice(0, 10).map((f) => `could not scan ${f.unit.account} ${f.unit.region} (its findings are kept as they were): ${f.error}`),
    ...(failures.length > 10 ? [`… and ${failures.length - 10} more units not scanned`] : []),
    ...biggest.map((f) => `new: ${line(f)}`),
    ...(opened.length > biggest.length ? [`… and ${opened.length - biggest.length} more new findings`] : []),
    ...(resolved.length ? [`resolved: ${resolved.slice(0, 5).map((f) => f.resourceId).join(", ")}${resolved.length > 5 ? ` and ${resolved.length - 5} more` : ""}`] : []),
    ...cleanup.results.slice(0, 20).map((r) => `${r.status === "dry-run" ? "would " : r.status === "failed" ? "FAILED to " : ""}${r.description}${r.error ? ` (${r.error})` : ""}`),
  ];
  const upper = open.some((f) => f.upperBound);
  return {
    kind: "waste" as const,
    severity: failures.length ? ("warning" as const) : ("info" as const),
    title: `Waste: ${money(total)}/month${upper ? " (at most)" : ""} in ${open.length} findings (${where})${failures.length ? `, ${failures.length} not scanned` : ""}`,
    stack,
    lines,
    fields: {
      "waste $/month": money(total),
      "open findings": String(open.length),
      "new / resolved": `${opened.length} / ${resolved.length}`,
      ...(failures.length ? { "units not scanned": String(failures.length) } : {}),
      ...(cleanup.mode !== "off" ? { "clean-up": `${cleanup.mode}: ${cleanup.results.length} steps, ${cleanup.waiting.length} waiting` } : {}),
    },
  };
}
