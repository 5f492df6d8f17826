/**
 * The failsafe's scheduled run (the check): inventory → burn rate → samples → decision →
 * actions → state, audit, event and metrics. One function the handler calls; every dependency
 * is injected. Operator commands are runCommands.ts's.
 */
import { createHash } from "node:crypto";
import type { SNSClient } from "@aws-sdk/client-sns";
import { UNTAGGED, type MetricKey } from "../contract";
import type { PriceBook } from "../pricing/types";
import { publishEvent } from "../shared/events";
import type { Log } from "../shared/observability";
import { applyStops, describeAction, type ActionClients } from "./actions";
import { burnRateByEnvironment, type BurnReport } from "./burnRate";
import { canonical, decide, describeBreach, GLOBAL, nextStates, usd, type Breach, type Decision } from "./decide";
import { readInventory, readSpotPrices, type InventoryClients } from "./inventory";
import { isRunning, type ActionResult, type EnvironmentState, type Sample } from "./model";
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

export async function runCheck(deps: FailsafeDeps): Promise<CheckResult> {
  const now = (deps.now ?? Date.now)();
  const runId = `check-${now}`;
  const { settings, store } = deps;

  const inventory = await readInventory(deps.clients, deps.region);
  const spotPrices = deps.spotPriceHistory === false ? undefined : await readSpotPrices(deps.clients.ec2, inventory, new Date(now));
  const report: BurnReport = burnRateByEnvironment(inventory, deps.prices, { spotPrices });
  const groups = trackedGroups(settings);
  const burn: Record<string, number> = Object.fromEntries(groups.map((g) => [g, report.groups[g]?.usdPerHour ?? 0]));
  // Environments seen in inventory but not configured still count towards the global figure.
  for (const [g, b] of Object.entries(report.groups)) if (!(g in burn)) burn[g] = b.usdPerHour;

  // Store this run's samples, then read each window (the current sample included).
  // Every group's samples over the longest window: the global spike is computed from them too.
  const longest = Math.max(settings.global.windowMinutes, ...Object.values(settings.environments).map((t) => t.windowMinutes));
  await store.putSamples(now, { ...Object.fromEntries(groups.map((g) => [g, burn[g]!])), [GLOBAL]: report.totalUsdPerHour });
  const samples: Record<string, Sample[]> = await store.samplesSince(now - longest * 60_000);
  const states = await loadStates(store, [...groups, GLOBAL]);

  const decision = decide({ now, settings, burn, samples, inventory, states });
  const results = await applyStops(deps.clients, store, decision.actions, now);
  const actions = results.map(summarize);
  const failures = results.filter((r) => r.outcome === "failed");

  // State: what each group's state becomes (decide.ts); written only where it changed.
  const running = new Set(inventory.instances.filter(isRunning).map((i) => i.id));
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
      detail: { mode: decision.mode, targets: decision.targets, notifyOnly: decision.notifyOnly, actions: decision.actions.length, deferred: decision.deferred.length, skipped: decision.skipped.slice(0, 50), skippedCount: decision.skipped.length, burn: Object.fromEntries(groups.map((g) => [g, burn[g]])) },
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
  const shouldAlert = newBreach || applied.length > 0 || newFailures.length > 0 || notStoppableLines.length > 0;
  if (shouldAlert && !(await store.claimAlert(decisionDigest, SAME_ALERT_QUIET_MS, now))) {
    deps.log.info("this decision was announced less than an hour ago: no new alert", { digest: decisionDigest });
  } else if (shouldAlert) {
    const critical = decision.mode === "emergency" || applied.length > 0 || failures.length > 0 || notStoppableLines.length > 0;
    await publishEvent(deps.sns, deps.alertTopicArn, {
      kind: "failsafe",
      severity: critical ? "critical" : "warning",
      stack: deps.stack,
      title:
        decision.mode === "emergency"
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
      ].slice(0, 40),
      fields: { "total burn": usd(report.totalUsdPerHour), actions: String(applied.length), failed: String(failures.length) },
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
  };
}
