/**
 * The security enforcer's hourly run: units (account × region) → each unit's inventory and
 * termination-protection lookups, with its own clients, at most `scope.concurrency` at a time →
 * per unit: decision → tags, stops/terminations (in that unit, under one cap for the run), flags
 * and audit records → one alert when anything changed or a unit could not be read. A unit that
 * fails is reported and its flags kept; the others are enforced.
 */
import { randomUUID } from "node:crypto";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { SNSClient } from "@aws-sdk/client-sns";
import { TAGS, UNTAGGED } from "../contract";
import { publishEvent } from "../shared/events";
import type { Log } from "../shared/observability";
import { mapUnits, unitKey, type Unit, type UnitFailure } from "../shared/units";
import { isHome, unitPrefix, unitScopedId, unitsOfScope, viewOf, type HomeUnit } from "../shared/unitScope";
import { Ec2Actions } from "./actions";
import { decideEnforcement, needsProtectionCheck, type EnforcerDecision, type InstanceRecord } from "./decide";
import { listInstances, withTerminationProtection } from "./inventory";
import type { EnforcerSettings } from "./settings";
import type { AuditRecord, EnforcerStore } from "./store";

export interface EnforcerDeps {
  ec2: EC2Client;
  store: EnforcerStore;
  log: Log;
  stack: string;
  alerts?: { sns: SNSClient; topicArn: string };
  /** The function's own account (from its ARN): needed with a scope, to tell its own unit from the others. */
  account?: string;
  /** Lists the organisation's accounts (scope.organization.accounts "all"). */
  organizations?: OrganizationsClient;
  /** EC2 client of a unit other than the function's own (the handler: its region, the member role, adaptive retries). */
  clientsFor?: (unit: Unit) => EC2Client;
}

/** With a scope, every entry names its unit; without, entries are as they always were. */
type Located<T> = T & Partial<Unit>;

/** The decisions of every unit. */
export interface LocatedDecision {
  flag: Located<EnforcerDecision["flag"][number]>[];
  unflag: Located<EnforcerDecision["unflag"][number]>[];
  act: Located<EnforcerDecision["act"][number]>[];
  waiting: Located<EnforcerDecision["waiting"][number]>[];
  exempt: Located<EnforcerDecision["exempt"][number]>[];
  /** Unit-qualified ids (bare in the function's own unit). */
  capped: string[];
  forget: string[];
}

export interface EnforcerResult {
  decision: LocatedDecision;
  /** Audit records written this run. */
  audit: AuditRecord[];
  /** Actions that failed. */
  failures: { id: string; what: string; error: string }[];
  /** Units (account × region) read. */
  units: number;
  /** Units that could not be read: reported, their flags kept. */
  unitFailures: UnitFailure[];
  published: boolean;
}

interface UnitRead {
  instances: InstanceRecord[];
  terminationProtected: Set<string>;
}

export async function runEnforcer(deps: EnforcerDeps, settings: EnforcerSettings, now = new Date()): Promise<EnforcerResult> {
  const home: HomeUnit = { account: deps.account ?? "", region: await deps.ec2.config.region() };
  const ec2Of = (unit: Unit): EC2Client => {
    if (isHome(unit, home)) return deps.ec2;
    if (!deps.clientsFor) throw new Error(`no client for ${unitKey(unit)}: a scope needs clientsFor`);
    return deps.clientsFor(unit);
  };
  const listed = await unitsOfScope(settings.scope, home, deps.ec2, deps, ec2Of);
  const storedFlags = await deps.store.flags();
  const reads = await mapUnits(listed.units, settings.scope?.concurrency ?? 1, async (unit): Promise<UnitRead> => {
    const ec2 = ec2Of(unit);
    const instances = await listInstances(ec2);
    return { instances, terminationProtected: await withTerminationProtection(ec2, needsProtectionCheck(instances, settings.authorizationTags)) };
  });
  const unitFailures = [...listed.failures, ...reads.flatMap((o) => (o.ok ? [] : [{ unit: o.unit, error: o.error, ...(o.code ? { code: o.code } : {}) }]))];
  for (const f of unitFailures) deps.log.warn(`could not check ${unitKey(f.unit)}: ${f.error}`, { account: f.unit.account, region: f.unit.region, code: f.code });

  const out: EnforcerResult = { decision: { flag: [], unflag: [], act: [], waiting: [], exempt: [], capped: [], forget: [] }, audit: [], failures: [], units: listed.units.length, unitFailures, published: false };
  const labels = new Map<string, InstanceRecord & { label: string }>();
  const labelKey = (x: Partial<Unit> & { id: string }) => `${x.account ?? ""}|${x.region ?? ""}|${x.id}`;
  // One cap for the whole run, spent unit after unit.
  let budget = settings.maxActionsPerRun;
  for (const r of reads) {
    if (!r.ok) continue;
    budget -= await enforceUnit(deps, r.unit, home, ec2Of(r.unit), r.value, storedFlags, settings, budget, now, out);
    for (const i of r.value.instances) labels.set(labelKey({ ...located(settings, r.unit), id: i.id }), { ...i, label: unitPrefix(r.unit, home) + i.id });
  }
  const { decision, failures } = out;
  const instanceCount = reads.reduce((n, r) => n + (r.ok ? r.value.instances.length : 0), 0);
  deps.log.info("enforcer run done", {
    mode: settings.mode,
    units: listed.units.length,
    failedUnits: unitFailures.length,
    instances: instanceCount,
    flagged: decision.flag.filter((f) => f.isNew).length,
    acted: decision.act.length,
    unflagged: decision.unflag.length,
    waiting: decision.waiting.length,
    exempt: decision.exempt.length,
    capped: decision.capped.length,
    failures: failures.length,
  });

  const newFlags = decision.flag.filter((f) => f.isNew);
  if (deps.alerts && (newFlags.length || decision.act.length || decision.unflag.length || failures.length || decision.capped.length || unitFailures.length)) {
    const info = (x: Partial<Unit> & { id: string }) => labels.get(labelKey(x));
    const label = (x: Partial<Unit> & { id: string }) => info(x)?.label ?? x.id;
    const verb = (a: { action: string }) => (a.action === "stop" ? "stopped" : "terminated");
    const lines = [
      ...unitFailures.slice(0, 10).map((f) => `could not check ${f.unit.account} ${f.unit.region} (its flags are kept): ${f.error}`),
      ...newFlags.map((f) => `flagged ${label(f)} (${info(f)?.tags[TAGS.environment] || UNTAGGED}, ${info(f)?.instanceType}): no authorisation tag; ${settings.mode === "audit" ? "audit mode, no action will be taken" : `will be ${settings.mode === "stop" ? "stopped" : "terminated"} after ${settings.graceHours} h`}`),
      ...decision.act.map((a) => `${verb(a)} ${label(a)}: unauthorised since ${a.since}`),
      ...decision.unflag.map((u) => `unflagged ${label(u)}: authorised now`),
      ...failures.map((f) => `FAILED to ${f.what} ${f.id}: ${f.error}`),
      ...(decision.capped.length ? [`action cap of ${settings.maxActionsPerRun} reached: ${decision.capped.length} instance(s) left for the next run`] : []),
    ];
    const overdue = decision.waiting.filter((w) => Date.parse(w.dueAt) <= now.getTime());
    await publishEvent(deps.alerts.sns, deps.alerts.topicArn, {
      kind: "enforcer",
      severity: decision.act.length || failures.length ? "critical" : newFlags.length || unitFailures.length ? "warning" : "info",
      title: `Enforcer: ${newFlags.length} flagged, ${decision.act.length} ${settings.mode === "terminate" ? "terminated" : "stopped"}, ${decision.unflag.length} unflagged${unitFailures.length ? `, ${unitFailures.length} units not checked` : ""}`,
      stack: deps.stack,
      lines: lines.slice(0, 30),
      fields: {
        mode: settings.mode,
        "unauthorised (flagged)": String(decision.waiting.length + newFlags.length + decision.act.length + decision.capped.length),
        ...(settings.mode === "audit" ? { "past grace (audit only)": String(overdue.length) } : {}),
        exempt: String(decision.exempt.length),
        ...(settings.scope ? { "units checked": `${listed.units.length - unitFailures.length} of ${listed.units.length}` } : {}),
      },
    });
    out.published = true;
  }
  return out;
}

const located = (settings: EnforcerSettings, unit: Unit): Partial<Unit> => (settings.scope ? { account: unit.account, region: unit.region } : {});

/** One unit's decision and actions, with its own client; returns the stops/terminations made. */
async function enforceUnit(deps: EnforcerDeps, unit: Unit, home: HomeUnit, client: EC2Client, read: UnitRead, storedFlags: ReadonlyMap<string, string>, settings: EnforcerSettings, budget: number, now: Date, out: EnforcerResult): Promise<number> {
  const { instances, terminationProtected } = read;
  const decision = decideEnforcement({ instances, storedFlags: viewOf(storedFlags, unit, home), terminationProtected, settings: { ...settings, maxActionsPerRun: budget }, now });
  const key = (id: string) => unitScopedId(unit, home, id);
  // Records name their unit once a scope is set (today's single-unit records stay as they were).
  const where: Record<string, string> = !settings.scope ? {} : unit.account ? { account: unit.account, region: unit.region } : { region: unit.region };
  const byId = new Map(instances.map((i) => [i.id, i]));
  const loc = located(settings, unit);
  const ec2 = new Ec2Actions(client);
  const time = now.toISOString();
  const describe = (i: InstanceRecord | undefined) => ({ instanceType: i?.instanceType, environment: i?.tags[TAGS.environment] || UNTAGGED });
  const record = async (r: Omit<AuditRecord, "time" | "mode">) => {
    const full: AuditRecord = { time, mode: settings.mode, ...r, ...where };
    out.audit.push(full);
    await deps.store.audit(full);
  };
  const attempt = async (id: string, what: string, fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      out.failures.push({ id: unitPrefix(unit, home) + id, what, error });
      deps.log.warn(`enforcer could not ${what} ${id}`, { error, account: unit.account, region: unit.region });
      await record({ instanceId: id, event: "action-failed", detail: `${what}: ${error}`, ...describe(byId.get(id)) });
      return false;
    }
  };

  for (const f of decision.flag) {
    const info = describe(byId.get(f.id));
    if (f.tagMissing && !(await attempt(f.id, "tag", () => ec2.tag(f.id, f.since)))) continue;
    await deps.store.setFlag(key(f.id), f.since, { instanceType: info.instanceType ?? "unknown", environment: info.environment, ...where });
    await record({ instanceId: f.id, event: f.isNew ? "flagged" : "re-tagged", since: f.since, ...info });
    out.decision.flag.push({ ...f, ...loc });
  }
  let acted = 0;
  for (const a of decision.act) {
    const ok = await attempt(a.id, a.action, () => (a.action === "stop" ? ec2.stop(a.id) : ec2.terminate(a.id)));
    if (!ok) continue;
    acted++;
    out.decision.act.push({ ...a, ...loc });
    await record({ instanceId: a.id, event: a.action === "stop" ? "stopped" : "terminated", since: a.since, ...describe(byId.get(a.id)) });
  }
  for (const u of decision.unflag) {
    if (settings.mode !== "audit" && u.hasTag && !(await attempt(u.id, "untag", () => ec2.untag(u.id)))) continue;
    await deps.store.clearFlag(key(u.id));
    await record({ instanceId: u.id, event: "unflagged", since: u.since, detail: "carries an authorisation tag now", ...describe(byId.get(u.id)) });
    out.decision.unflag.push({ ...u, ...loc });
  }
  for (const id of decision.forget) await deps.store.clearFlag(key(id));
  out.decision.waiting.push(...decision.waiting.map((w) => ({ ...w, ...loc })));
  out.decision.exempt.push(...decision.exempt.map((e) => ({ ...e, ...loc })));
  out.decision.capped.push(...decision.capped.map(key));
  out.decision.forget.push(...decision.forget.map(key));
  return acted;
}

/** Longer than the function's timeout (120 s): a live run never loses it, a dead one frees it. */
export const ENFORCER_LEASE_MS = 150_000;
/** With a scope (many units), a longer timeout, and a lease that outlasts it. */
export const ENFORCER_SCOPED_TIMEOUT_SECONDS = 600;
export const ENFORCER_SCOPED_LEASE_MS = 660_000;

/** One run at a time (EventBridge delivers at least once): a second one does nothing and says why. */
export async function runEnforcerExclusive(deps: EnforcerDeps, settings: EnforcerSettings, now = new Date()): Promise<{ ran: true; result: EnforcerResult } | { ran: false; busy: string }> {
  const out = await deps.store.lease(() => now.getTime()).run(`enforcer#${randomUUID()}`, settings.scope ? ENFORCER_SCOPED_LEASE_MS : ENFORCER_LEASE_MS, () => runEnforcer(deps, settings, now));
  if (out.ran) return out;
  const busy = `another enforcer run (${out.busy.holder}) holds the lease until ${new Date(out.busy.until).toISOString()}: this run did nothing`;
  deps.log.info(busy);
  return { ran: false, busy };
}
