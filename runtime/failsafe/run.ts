/**
 * The failsafe's scheduled run (the check): inventory → burn rate → samples → decision →
 * actions → state, audit, event and metrics. One function the handler calls; every dependency
 * is injected. Operator commands are runCommands.ts's.
 */
import { createHash } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import { UNTAGGED, type MetricKey } from "../contract";
import type { PriceBook } from "../pricing/types";
import { publishEvent } from "../shared/events";
import { unitKey, type Unit, type UnitFailure } from "../shared/units";
import type { Log } from "../shared/observability";
import { applyStops, describeAction, type ActionClients } from "./actions";
import { canonical, decide, describeBreach, GLOBAL, nextStates, usd, type Breach, type Decision } from "./decide";
import type { StoppableInventory } from "./decideStop";
import type { InventoryClients } from "./inventory";
import type { ActionResult, EnvironmentState, Sample, StopAction } from "./model";
import { describeFailure, mergeStoppable, readScope, readUnit, runningIds, sumUnits, unexpectedRegions, unitsBurning, type ScopeReading, type UnitAccess } from "./scope";
import type { UnitBurn } from "../shared/sweep";
import type { FailsafeSettings } from "./settings";
import type { FailsafeStore } from "./store";

export interface FailsafeDeps {
  clients: InventoryClients & ActionClients;
  store: FailsafeStore;
  sns: SNSClient;
  alertTopicArn: string;
  prices: PriceBook;
  settings: FailsafeSettings;
  stack: string;
  region: string;
  log: Log;
  /** Emits one contract metric (EMF in Lambda; a recorder in tests). */
  emit: (key: MetricKey, value: number, dimensions?: Record<string, string>) => void;
  now?: () => number;
  /** Price spot instances from live spot price history (one extra paginated call). Default true. */
  spotPriceHistory?: boolean;
  /** Units beyond the function's own account and region (absent: today's single unit). */
  units?: UnitAccess;
  /** The organisation sweep's bucket (ENV.sweepBucket): set when a state machine drives the sweep. */
  sweep?: { s3: S3Client; bucket: string };
  /** How an operator's command waits for the stack's lease (real time; injected in tests). */
  sleep?: (ms: number) => Promise<void>;
}

export interface ActionSummary {
  environment: string;
  kind: string;
  id: string;
  outcome: ActionResult["outcome"] | "restored" | "gone";
  text: string;
  error?: string;
}

export interface CheckResult {
  ok: true;
  command: "check";
  time: string;
  burn: Record<string, number>;
  totalUsdPerHour: number;
  breaches: Breach[];
  mode: Decision["mode"];
  targets: string[];
  notifyOnly: string[];
  actions: ActionSummary[];
  deferred: number;
  skipped: Decision["skipped"];
  failures: number;
  unpriced: Record<string, number>;
  /** With a scope beyond the function's own unit: each unit's figures (the 50 burning most when more). */
  units?: UnitBurn[];
  unitsChecked?: number;
  /** Units that could not be read (a missing member role, throttling beyond retries): reported, never $0 (the first 50). */
  unitFailures?: { account: string; region: string; error: string; code?: string }[];
  unitsNotChecked?: number;
  /** Environments burning in a region outside their expectedRegions. */
  unexpectedRegions?: string[];
  /** Regions priced by estimate. */
  estimatedRegions?: string[];
}

export const summarize = (r: ActionResult): ActionSummary => ({
  environment: r.action.environment,
  kind: r.action.kind,
  id: r.action.id,
  outcome: r.outcome,
  text: describeAction(r.action),
  error: r.error,
});

/** The same decision (same breaches, actions, outcomes) is announced at most once in this time. */
export const SAME_ALERT_QUIET_MS = 60 * 60_000;

/** A short digest of a decision's content, the key of its alert claim. */
export function digest(value: unknown): string {
  return createHash("sha256").update(canonical(value)).digest("hex").slice(0, 32);
}

/** Groups whose state the failsafe keeps: configured environments and untagged. */
export const trackedGroups = (settings: FailsafeSettings) => [...Object.keys(settings.environments), UNTAGGED];

export async function loadStates(store: FailsafeStore, groups: string[]): Promise<Record<string, EnvironmentState | undefined>> {
  const states = await Promise.all(groups.map((g) => store.getState(g)));
  return Object.fromEntries(groups.map((g, i) => [g, states[i]]));
}

/** An action goes to the clients of the unit that owns its resource (none named: the function's own). */
export const actionClients = (deps: FailsafeDeps) => (a: StopAction) => (a.unit && deps.units ? deps.units.clientsFor(a.unit) : deps.clients);

export async function runCheck(deps: FailsafeDeps): Promise<CheckResult> {
  const now = (deps.now ?? Date.now)();
  const spot = deps.spotPriceHistory !== false;
  if (deps.units) {
    // Every unit of the scope, read here a few at a time: a single account's regions, or an
    // organisation small enough for one function (larger ones are swept by Step Functions).
    const { reading, inventories } = await readScope(deps.units, deps.prices, now, spot);
    return decideAndAct(deps, reading, async () => mergeStoppable([...inventories.values()]), now, `check-${now}`);
  }
  // Today's scope: the function's own account and region, its resources untagged with a unit.
  const { inventory, burn } = await readUnit({ account: "", region: deps.region }, deps.clients, deps.prices, now, spot);
  return decideAndAct(deps, { units: [burn], failures: [] }, async () => inventory, now, `check-${now}`);
}

/**
 * Decision and actions over a scope's figures, wherever they were read (here, or by the sweep's
 * children). `inventoryFor` gives the stoppable inventory of the units named: only those where
 * a group to stop burns are read in full.
 */
export async function decideAndAct(deps: FailsafeDeps, reading: ScopeReading, inventoryFor: (units: Unit[]) => Promise<StoppableInventory>, now: number, runId: string): Promise<CheckResult> {
  const { settings, store } = deps;
  const report = sumUnits(reading.units, settings);
  const groups = trackedGroups(settings);
  const burn = report.burn;
  const multi = deps.units !== undefined;
  // Per unit and environment, only where something burns (log ingestion is billed): the
  // dashboard's by-account widget reads these lines with Logs Insights, no custom metric per unit.
  if (multi) {
    for (const u of reading.units)
      for (const [environment, usdPerHour] of Object.entries(u.burn)) if (usdPerHour > 0) deps.log.info("unit burn", { account: u.account, region: u.region, environment, usdPerHour });
  }

  // Store this run's samples, then read each window (the current sample included).
  // Every group's samples over the longest window: the global spike is computed from them too.
  const longest = Math.max(settings.global.windowMinutes, ...Object.values(settings.environments).map((t) => t.windowMinutes));
  await store.putSamples(now, { ...Object.fromEntries(groups.map((g) => [g, burn[g]!])), [GLOBAL]: report.totalUsdPerHour });
  const samples: Record<string, Sample[]> = await store.samplesSince(now - longest * 60_000);
  const states = await loadStates(store, [...groups, GLOBAL]);

  // Which groups to stop needs no inventory; what to stop in them needs theirs only.
  const targets = decide({ now, settings, burn, samples, inventory: mergeStoppable([]), states }).targets;
  const inventory = await inventoryFor(unitsBurning(reading.units, targets));
  const decision = decide({ now, settings, burn, samples, inventory, states });
  const results = await applyStops(actionClients(deps), store, decision.actions, now);
  const actions = results.map(summarize);
  const failures = results.filter((r) => r.outcome === "failed");

  // State: what each group's state becomes (decide.ts); written only where it changed.
  const running = runningIds(inventory);
  const next = nextStates({ now, groups: [...groups, GLOBAL], before: states, decision, results, running });
  const { newBreach, stoppedSince, notStoppableLines } = next;
  await Promise.all(next.changed.map((g) => store.putState(next.states[g]!)));

  // Audit: every decision that found a breach or planned an action, and every action.
  if (decision.breaches.length || decision.actions.length || decision.skipped.length) {
    await store.audit({
      group: "decisions",
      type: "decision",
      time: now,
      runId,
      summary: `${decision.mode}: ${decision.breaches.map(describeBreach).join("; ") || "held stopped"}`,
      // Bounded: a DynamoDB item holds at most 400 KB, and an account may protect thousands of resources.
      detail: {
        mode: decision.mode,
        targets: decision.targets,
        notifyOnly: decision.notifyOnly,
        actions: decision.actions.length,
        deferred: decision.deferred.length,
        skipped: decision.skipped.slice(0, 50),
        skippedCount: decision.skipped.length,
        burn: Object.fromEntries(groups.map((g) => [g, burn[g]])),
        ...(multi ? { units: topUnits(reading.units, 50), unitFailures: reading.failures.slice(0, 50).map(describeFailure) } : {}),
      },
    });
  }
  for (const a of actions) {
    await store.audit({ group: a.environment, type: "action", time: now, runId, summary: `${a.outcome}: ${a.text}${a.error ? ` (${a.error})` : ""}`, detail: { ...a } });
  }

  // Alert: a new breach, any change applied, any failure, or instances newly found not
  // stoppable. Repeated dry-run findings and already announced refusals stay quiet.
  const applied = actions.filter((a) => a.outcome === "applied");
  // One alert per decision: a decision identical to one announced within the hour (a failure
  // that repeats every run, a duplicate delivery that slipped past the lease) is not re-sent.
  const decisionDigest = digest({
    mode: decision.mode,
    targets: decision.targets,
    breaches: decision.breaches.map((b) => [b.group, b.reasons]),
    actions: actions.map((a) => [a.kind, a.id, a.outcome, a.error?.split(":")[0]]),
    notStoppable: notStoppableLines,
    // A new incident is never "the same decision" as an earlier one.
    incidents: decision.targets.map((g) => stoppedSince[g]),
    newBreachAt: newBreach ? now : undefined,
  });
  // A failure that repeats (the next run retries it) is announced when first seen, then hourly.
  const newFailures: ActionSummary[] = [];
  for (const f of failures.map(summarize)) {
    if (await store.claimAlert(digest({ failure: [f.environment, stoppedSince[f.environment], f.kind, f.id, f.error?.split(":")[0]] }), SAME_ALERT_QUIET_MS, now)) newFailures.push(f);
  }
  // Units not read and environments where nobody expected them: announced when first seen, then hourly.
  const newUnitFailures: string[] = [];
  const failureKey = (f: UnitFailure) => ({ unitFailure: unitKey(f.unit), code: f.code ?? f.error.slice(0, 80) });
  if (reading.failures.length <= 20) {
    for (const f of reading.failures) if (await store.claimAlert(digest(failureKey(f)), SAME_ALERT_QUIET_MS, now)) newUnitFailures.push(describeFailure(f));
  } else if (await store.claimAlert(digest(reading.failures.map(failureKey)), SAME_ALERT_QUIET_MS, now)) {
    // Many at once (a role missing everywhere): one claim for the whole set, not one write per unit.
    newUnitFailures.push(...reading.failures.slice(0, 10).map(describeFailure), `… and ${reading.failures.length - 10} more units not checked`);
  }
  const unexpected = unexpectedRegions(reading.units, settings);
  const newUnexpected: string[] = [];
  for (const u of unexpected) if (await store.claimAlert(digest({ unexpected: [u.environment, u.region] }), SAME_ALERT_QUIET_MS, now)) newUnexpected.push(u.line);
  if (reading.failures.length) {
    await store.audit({ group: "decisions", type: "units", time: now, runId, summary: `${reading.failures.length} unit(s) not checked: ${reading.failures.slice(0, 5).map((f) => unitKey(f.unit)).join(", ")}`, detail: { failures: reading.failures.slice(0, 50).map(describeFailure) } });
  }
  const breachAlert = newBreach || applied.length > 0 || newFailures.length > 0 || notStoppableLines.length > 0;
  const freshDecision = breachAlert && (await store.claimAlert(decisionDigest, SAME_ALERT_QUIET_MS, now));
  if (breachAlert && !freshDecision) deps.log.info("this decision was announced less than an hour ago: no new alert", { digest: decisionDigest });
  if (freshDecision || newUnitFailures.length > 0 || newUnexpected.length > 0) {
    const critical = freshDecision && (decision.mode === "emergency" || applied.length > 0 || failures.length > 0 || notStoppableLines.length > 0);
    await publishEvent(deps.sns, deps.alertTopicArn, {
      kind: "failsafe",
      severity: critical ? "critical" : "warning",
      stack: deps.stack,
      title: !freshDecision
        ? newUnexpected.length
          ? `Failsafe: ${[...new Set(unexpected.map((u) => u.environment))].join(", ")} running in unexpected regions`
          : `Failsafe: ${reading.failures.length} unit${reading.failures.length === 1 ? "" : "s"} not checked`
        : decision.mode === "emergency"
          ? "Failsafe emergency: stopping every environment that allows it"
          : decision.targets.length
            ? `Failsafe: stopping ${decision.targets.join(", ")}`
            : `Burn rate breach (notify only): ${decision.breaches.map((b) => b.group).join(", ")}`,
      lines: [
        ...decision.breaches.map(describeBreach),
        ...notStoppableLines,
        ...actions.map((a) => `${a.outcome}: ${a.text}${a.error ? ` — ${a.error}` : ""}`),
        ...(decision.deferred.length ? [`${decision.deferred.length} more actions deferred to the next run (cap ${settings.maxActionsPerRun})`] : []),
        ...(decision.notifyOnly.length ? [`notify only: ${decision.notifyOnly.join(", ")}`] : []),
        ...newUnexpected,
        ...newUnitFailures,
        ...(report.estimatedRegions.length ? [`estimated prices (no exact catalog prices) for ${report.estimatedRegions.join(", ")}`] : []),
      ].slice(0, 40),
      fields: { "total burn": usd(report.totalUsdPerHour), actions: String(applied.length), failed: String(failures.length), ...(multi ? { units: `${reading.units.length} checked, ${reading.failures.length} not` } : {}) },
    });
  }

  // Configured environments and untagged only: each dimension value is a billed custom metric.
  for (const g of groups) deps.emit("burnRate", burn[g]!, { Environment: g });
  deps.emit("runningInstances", report.instancesByLifecycle.spot, { Lifecycle: "spot" });
  deps.emit("runningInstances", report.instancesByLifecycle["on-demand"], { Lifecycle: "on-demand" });
  deps.emit("failsafeActions", actions.filter((a) => a.outcome === "applied" || a.outcome === "dry-run").length);
  if (Object.keys(report.unpriced).length) deps.log.warn("inventory items without a price (counted as $0)", { unpriced: report.unpriced });
  if (failures.length) deps.log.error("some failsafe actions failed; the next run retries them", { failures: failures.map(summarize) });

  return {
    ok: true,
    command: "check",
    time: new Date(now).toISOString(),
    burn,
    totalUsdPerHour: report.totalUsdPerHour,
    breaches: decision.breaches,
    mode: decision.mode,
    targets: decision.targets,
    notifyOnly: decision.notifyOnly,
    actions,
    deferred: decision.deferred.length,
    skipped: decision.skipped,
    failures: failures.length,
    unpriced: report.unpriced,
    ...(multi
      ? {
          // Bounded: the sweep's decide answers Step Functions, whose state payload is at most 256 KiB.
          unitsChecked: reading.units.length,
          units: reading.units.length <= RESULT_UNITS ? reading.units : [...reading.units].sort((a, b) => unitTotal(b) - unitTotal(a)).slice(0, RESULT_UNITS),
          unitsNotChecked: reading.failures.length,
          unitFailures: reading.failures.slice(0, RESULT_UNITS).map((f) => ({ ...f.unit, error: f.error.slice(0, 300), ...(f.code ? { code: f.code } : {}) })),
          unexpectedRegions: unexpected.map((u) => u.line),
          estimatedRegions: report.estimatedRegions,
        }
      : {}),
  };
}

/** The units burning most, for the audit record (bounded: a DynamoDB item holds at most 400 KB). */
const unitTotal = (u: UnitBurn) => Object.values(u.burn).reduce((a, b) => a + b, 0);
/** Units listed in a result: all of them up to this many, else those burning most. */
const RESULT_UNITS = 50;

function topUnits(units: readonly UnitBurn[], n: number) {
  const total = unitTotal;
  return [...units].sort((a, b) => total(b) - total(a)).slice(0, n).map((u) => ({ unit: unitKey(u), usdPerHour: Number(total(u).toFixed(4)), burn: u.burn, ...(u.estimated ? { estimated: true } : {}) }));
}
