/**
 * The failsafe's operator commands (AdminCommand from runtime/contract.ts: status, stop-env,
 * restore, emergency-stop) and the event router the handler calls. Only a scheduled EventBridge event runs the check. Anything else that is not a
 * well-formed failsafe command (a typo such as `{"Command":"status"}`, an unknown field, an
 * unknown environment) gets `{ ok: false, error }`, which guardctl prints: nothing is retried.
 */
import { randomUUID } from "node:crypto";
import { AdminCommand, ENV, UNTAGGED } from "../contract";
import { SweepEvent, type SweepInventoryResult, type SweepListResult } from "../shared/sweep";
import { publishEvent } from "../shared/events";
import { commandKeyHint, describeIssues, isPlainObject, isScheduledEvent, preview } from "../shared/invocation";
import { applyStops, describeAction, restoreSaved } from "./actions";
import { describeNotStoppable, GLOBAL, trackNotStoppable, usd } from "./decide";
import { planStop, refusedInstances, stoppableGroups, type SkippedResource } from "./decideStop";
import type { UnitBurn } from "../shared/sweep";
import { describeFailure } from "./scope";
import { runSweepStep } from "./sweep";
import { actionMatches, burnIn, checkUnitFilter, isFiltered, readStoppableIn, type UnitFilter } from "./unitFilter";
import { isRunning, type ActionResult, type EnvironmentState } from "./model";
import { actionClients, runCheck, loadStates, summarize, trackedGroups, type ActionSummary, type CheckResult, type FailsafeDeps } from "./run";

export interface GroupStatus {
  name: string;
  /** Latest sampled $/h, when any sample exists. */
  usdPerHour?: number;
  sampledAt?: string;
  maxHourlyUsd: number;
  spikePercent?: number;
  windowMinutes?: number;
  response: "stop" | "notify" | "emergency";
  dryRun: boolean;
  state: EnvironmentState["state"];
  breaching: string[];
  /** Resources stopped by the failsafe that `restore` would bring back. */
  savedResources: number;
  lastActions: { time: string; summary: string }[];
}

export interface StatusResult {
  ok: true;
  command: "status";
  stack: string;
  maxActionsPerRun: number;
  groups: GroupStatus[];
  /** With --account/--region: each matching unit's live $/h per group (saved resources counted there only). */
  units?: UnitBurn[];
  unitFailures?: string[];
}

export interface ActionCommandResult {
  ok: true;
  command: "stop-env" | "restore" | "emergency-stop";
  environments: string[];
  dryRun: boolean;
  actions: ActionSummary[];
  deferred: number;
  skipped: { environment: string; id: string; reason: string }[];
  failures: number;
  message: string;
}

export interface ErrorResult {
  ok: false;
  error: string;
  /** Another run held the stack's lease: nothing was done. */
  busy?: true;
}

/** The sweep's list and inventory answers (the contract's shapes, with `ok` as every answer here). */
export type SweepStepResult = (SweepListResult & { ok: true; command: "sweep-list" }) | (SweepInventoryResult & { ok: true; command: "sweep-inventory" });

export type FailsafeResponse = CheckResult | StatusResult | ActionCommandResult | SweepStepResult | ErrorResult;

const LAST_ACTIONS = 3;

/** The shapes the failsafe accepts, named in every refusal. */
export const FAILSAFE_ACCEPTS =
  'an EventBridge "Scheduled Event" (source aws.events), or one of {"command":"status"}, {"command":"stop-env","environment":"<env>","dryRun"?:true}, {"command":"restore","environment":"<env>","dryRun"?:true}, {"command":"emergency-stop","dryRun"?:true}';

/**
 * Validates the event's shape first, then acts: a scheduled event runs the check, a well-formed
 * command runs that command, anything else is refused without an AWS call (logged only).
 */
export async function handleFailsafeEvent(event: unknown, deps: FailsafeDeps): Promise<FailsafeResponse> {
  const refuse = (error: string): ErrorResult => {
    deps.log.warn("failsafe event refused", { error, event: preview(event, 500) });
    return { ok: false, error };
  };
  if (!isPlainObject(event)) return refuse(`expected a JSON object (${FAILSAFE_ACCEPTS}), got ${Array.isArray(event) ? "an array" : preview(event)}`);
  if ("sweep" in event) return sweepStep(event, deps, refuse);
  if (!("command" in event)) {
    if (isScheduledEvent(event)) return oneAtATime(deps, "check", () => runCheck(deps), false);
    return refuse(`not a scheduled event or a failsafe command${commandKeyHint(event)}: got ${preview(event)}; expected ${FAILSAFE_ACCEPTS}`);
  }
  const parsed = AdminCommand.safeParse(event);
  if (!parsed.success) return refuse(`malformed admin command (${describeIssues(parsed.error)}); expected one of status, stop-env <env>, restore <env>, emergency-stop`);
  const cmd = parsed.data;
  // --account / --region: only units of the failsafe's scope.
  const f: UnitFilter = "account" in cmd || "region" in cmd ? { account: (cmd as UnitFilter).account, region: (cmd as UnitFilter).region } : {};
  const outside = checkUnitFilter(deps, f);
  if (outside) return refuse(outside);
  switch (cmd.command) {
    case "status":
      return status(deps, f);
    case "stop-env":
      return oneAtATime(deps, "stop-env", () => stopEnvironments(deps, "stop-env", [cmd.environment], cmd.dryRun ?? false, f));
    case "emergency-stop":
      return oneAtATime(deps, "emergency-stop", () => stopEnvironments(deps, "emergency-stop", stoppableGroups(deps.settings), cmd.dryRun ?? false, f));
    case "restore":
      return oneAtATime(deps, "restore", () => restore(deps, cmd.environment, cmd.dryRun ?? false, f));
    default:
      return refuse(`${cmd.command} is not a failsafe command: guardctl sends it to its own function`);
  }
}

/** A step of the organisation sweep: validated, then run; decide takes the stack's lease like the check. */
async function sweepStep(event: Record<string, unknown>, deps: FailsafeDeps, refuse: (error: string) => ErrorResult): Promise<FailsafeResponse> {
  const parsed = SweepEvent.safeParse(event);
  if (!parsed.success) return refuse(`malformed sweep step (${describeIssues(parsed.error)}); expected {"sweep":"list"|"inventory"|"decide","runId":...} as the sweep's state machine sends it`);
  const { units, sweep } = deps;
  if (!units || !sweep) return refuse(`this failsafe has no sweep (${ENV.sweepBucket} unset, or no organisation scope): the sweep's state machine must not invoke it`);
  const step = parsed.data;
  const run = () => runSweepStep(step, { ...deps, units, sweep });
  return step.sweep === "decide" ? oneAtATime(deps, "sweep decide", run, false) : run();
}

/** Longer than the function's timeout (110 s): a live run never loses the lease; a dead one frees it. */
export const LEASE_MS = 120_000;
/** An operator's command waits this many times this long for a running check (which takes seconds). */
const LEASE_WAIT = { attempts: 40, delayMs: 500 };

/**
 * One run that changes things at a time per stack: the scheduled check, stop-env,
 * emergency-stop and restore take the stack's lease (a conditional write with expiry in the
 * state table). A second delivery of the same schedule finds it taken and does nothing; an
 * operator's command waits for it (20 s at most), then says the failsafe is busy.
 */
async function oneAtATime<T>(deps: FailsafeDeps, what: string, work: () => Promise<T>, wait = true): Promise<T | ErrorResult> {
  const lease = deps.store.lease(deps.now ?? Date.now);
  const owner = `${what}#${randomUUID()}`;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    const held = await lease.acquire(owner, LEASE_MS);
    if (held.acquired) {
      try {
        return await work();
      } finally {
        await lease.release(owner);
      }
    }
    if (!wait || attempt >= LEASE_WAIT.attempts) {
      const error = `another failsafe run (${held.holder}) holds the stack's lease until ${new Date(held.until).toISOString()}: this ${what} did nothing${wait ? "; run it again in a minute" : " (the next scheduled check takes over)"}`;
      deps.log.info(error);
      return { ok: false, busy: true, error };
    }
    await sleep(LEASE_WAIT.delayMs);
  }
}

function notStoppableText(skipped: readonly SkippedResource[], results: readonly ActionResult[]): string {
  const n = skipped.filter((x) => x.notStoppable).length + results.filter((r) => r.outcome === "refused").length;
  return n ? `; ${n} instance${n === 1 ? "" : "s"} EC2 cannot stop (listed as skipped, with what to do)` : "";
}

function unknownEnvironment(deps: FailsafeDeps, env: string): ErrorResult | undefined {
  const known = trackedGroups(deps.settings);
  if (known.includes(env)) return undefined;
  return { ok: false, error: `unknown environment "${env}" (known: ${known.join(", ")})` };
}

export async function status(deps: FailsafeDeps, f: UnitFilter = {}): Promise<StatusResult> {
  const { settings, store } = deps;
  const groups = trackedGroups(settings);
  const [states, latest] = await Promise.all([loadStates(store, [...groups, GLOBAL]), store.latestSamples()]);
  const rows = await Promise.all(
    [...groups, GLOBAL].map(async (name): Promise<GroupStatus> => {
      const [saved, audit] = await Promise.all([
        name === GLOBAL ? Promise.resolve([]) : store.savedActions(name).then((saved) => saved.filter(actionMatches(deps, f))),
        name === GLOBAL ? store.recentAudit("decisions", LAST_ACTIONS) : store.recentAudit(name, LAST_ACTIONS),
      ]);
      const env = settings.environments[name];
      const base =
        name === GLOBAL
          ? { maxHourlyUsd: settings.global.maxHourlyUsd, spikePercent: settings.global.spikePercent, windowMinutes: settings.global.windowMinutes, response: "emergency" as const, dryRun: false }
          : name === UNTAGGED
            ? { maxHourlyUsd: settings.untagged.maxHourlyUsd, response: "emergency" as const, dryRun: false }
            : { maxHourlyUsd: env!.maxHourlyUsd, spikePercent: env!.spikePercent, windowMinutes: env!.windowMinutes, response: env!.response, dryRun: env!.dryRun };
      return {
        name,
        usdPerHour: latest?.usd[name],
        sampledAt: latest?.usd[name] !== undefined ? new Date(latest.time).toISOString() : undefined,
        ...base,
        state: states[name]?.state ?? "active",
        breaching: states[name]?.breaching ?? [],
        savedResources: saved.length,
        lastActions: audit.map((a) => ({ time: new Date(a.time).toISOString(), summary: a.summary })),
      };
    }),
  );
  if (!isFiltered(f)) return { ok: true, command: "status", stack: deps.stack, maxActionsPerRun: settings.maxActionsPerRun, groups: rows };
  // Stored samples are per environment (all units summed): a unit's figures are read live.
  const live = await burnIn(deps, f);
  return { ok: true, command: "status", stack: deps.stack, maxActionsPerRun: settings.maxActionsPerRun, groups: rows, units: live.units, unitFailures: live.failures.map(describeFailure) };
}

async function stopEnvironments(deps: FailsafeDeps, command: "stop-env" | "emergency-stop", envs: string[], dryRun: boolean, f: UnitFilter = {}): Promise<ActionCommandResult | ErrorResult> {
  const { settings, store } = deps;
  for (const env of envs) {
    const unknown = unknownEnvironment(deps, env);
    if (unknown) return unknown;
    if (!stoppableGroups(settings).includes(env)) {
      return {
        ok: false,
        error:
          env === UNTAGGED
            ? "untagged instances may not be stopped: failsafe.stopUntagged is false"
            : `${env}'s response is "${settings.environments[env]!.response}": the failsafe may not stop it (set costguard:environments.${env}.response to "stop" and deploy; its IAM role allows only those environments)`,
      };
    }
  }
  const now = (deps.now ?? Date.now)();
  const runId = `${command}-${now}`;
  const { inventory, failures: unreadable } = await readStoppableIn(deps, f);
  const states = await loadStates(store, envs);
  const plan = planStop(envs, inventory, settings, { forceDryRun: dryRun, refused: refusedInstances(states) });
  const results = await applyStops(actionClients(deps), store, plan.actions, now);
  const actions = results.map(summarize);
  const failures = actions.filter((a) => a.outcome === "failed").length;
  const reallyDry = dryRun || envs.every((e) => settings.environments[e]?.dryRun);

  const running = new Set(inventory.instances.filter(isRunning).map((i) => i.id));
  const notStoppableLines: string[] = [];
  for (const env of envs) {
    // Limited to an account or region, the environment is not held stopped: the scheduled
    // check would otherwise stop it in every other unit too.
    if (reallyDry || settings.environments[env]?.dryRun || isFiltered(f)) continue;
    const before = states[env];
    const tracked = trackNotStoppable(before, env, results, plan.skipped, running);
    if (tracked.newly.length) notStoppableLines.push(describeNotStoppable(env, tracked.newly));
    await store.putState({ ...(before ?? { environment: env }), environment: env, state: "stopped", stoppedAt: now, reason: `operator: ${command}`, refused: tracked.refused, reported: tracked.reported });
  }
  await store.audit({ group: "decisions", type: "command", time: now, runId, summary: `${command}${dryRun ? " (dry-run)" : ""}: ${envs.join(", ")}`, detail: { actions: actions.length, deferred: plan.deferred.length } });
  for (const a of actions) await store.audit({ group: a.environment, type: "action", time: now, runId, summary: `${a.outcome}: ${a.text}${a.error ? ` (${a.error})` : ""}`, detail: { ...a, operator: true } });
  await publishEvent(deps.sns, deps.alertTopicArn, {
    kind: "failsafe",
    severity: reallyDry ? "info" : "critical",
    stack: deps.stack,
    title: `Operator ${command}${reallyDry ? " (dry-run)" : ""}: ${envs.join(", ")}`,
    lines: [...notStoppableLines, ...actions.map((a) => `${a.outcome}: ${a.text}${a.error ? ` — ${a.error}` : ""}`), ...unreadable.map(describeFailure)].slice(0, 40),
    fields: { actions: String(actions.length), failed: String(failures), deferred: String(plan.deferred.length), ...(isFiltered(f) ? { scope: [f.account, f.region].filter(Boolean).join(" ") } : {}) },
  });
  deps.emit("failsafeActions", actions.filter((a) => a.outcome === "applied" || a.outcome === "dry-run").length);

  const deferredText = plan.deferred.length ? `; ${plan.deferred.length} more over the per-run cap of ${settings.maxActionsPerRun}: the scheduled check continues (the environment is held stopped), or run the command again` : "";
  return {
    ok: true,
    command,
    environments: envs,
    dryRun: reallyDry,
    actions,
    deferred: plan.deferred.length,
    skipped: plan.skipped.map(({ environment, id, reason }) => ({ environment, id, reason })),
    failures,
    message: `${reallyDry ? "would stop" : "stopped"} ${actions.filter((a) => a.outcome === "applied" || a.outcome === "dry-run").length} resources${failures ? `, ${failures} failed (run again to retry)` : ""}${notStoppableText(plan.skipped, results)}${deferredText}${unreadable.length ? `; ${unreadable.length} unit(s) could not be read: ${unreadable.map(describeFailure).join("; ")}` : ""}`,
  };
}

async function restore(deps: FailsafeDeps, env: string, dryRun: boolean, f: UnitFilter = {}): Promise<ActionCommandResult | ErrorResult> {
  const unknown = unknownEnvironment(deps, env);
  if (unknown) return unknown;
  const { store } = deps;
  const now = (deps.now ?? Date.now)();
  const runId = `restore-${now}`;
  const saved = (await store.savedActions(env)).filter(actionMatches(deps, f));
  const results = await restoreSaved(actionClients(deps), store, saved, dryRun);
  const failures = results.filter((r) => r.outcome === "failed").length;
  if (!dryRun) {
    const before = await store.getState(env);
    // Only back to active when nothing is left to restore; the restore time starts the spike grace.
    // A later stop is a new incident: what cannot be stopped is announced again then.
    // Limited to a unit, only when nothing stopped is left anywhere else either.
    const rest = isFiltered(f) ? (await store.savedActions(env)).length : 0;
    if (failures === 0 && rest === 0) await store.putState({ ...(before ?? { environment: env }), environment: env, state: "active", restoredAt: now, breaching: [], reported: [] });
  }
  const actions: ActionSummary[] = results.map((r) => ({ environment: env, kind: r.action.kind, id: r.action.id, outcome: r.outcome, text: `restore: ${describeAction(r.action).replace(/^stop /, "start ").replace(/ to 0 \(was ([^)]*)\)/, " back to $1")}`, error: r.error }));
  if (!dryRun || results.length) {
    await store.audit({ group: env, type: "restore", time: now, runId, summary: `restore${dryRun ? " (dry-run)" : ""}: ${results.length} resources, ${failures} failed` });
  }
  if (!dryRun) {
    await publishEvent(deps.sns, deps.alertTopicArn, {
      kind: "failsafe",
      severity: failures ? "warning" : "info",
      stack: deps.stack,
      title: `Operator restore: ${env}`,
      lines: actions.map((a) => `${a.outcome}: ${a.text}${a.error ? ` — ${a.error}` : ""}`).slice(0, 40),
      fields: { restored: String(results.filter((r) => r.outcome === "restored").length), failed: String(failures) },
    });
  }
  const burn = (await store.latestSamples())?.usd[env];
  return {
    ok: true,
    command: "restore",
    environments: [env],
    dryRun,
    actions,
    deferred: 0,
    skipped: [],
    failures,
    message: saved.length === 0
      ? `nothing to restore in ${env}: the failsafe holds no stopped resources there`
      : `${dryRun ? "would restore" : "restored"} ${results.filter((r) => r.outcome !== "failed").length} of ${saved.length} resources${failures ? `; ${failures} failed, run restore again` : ""}${burn !== undefined ? ` (last burn ${usd(burn)})` : ""}`,
  };
}
