/**
 * The security enforcer's hourly run: inventory → termination-protection lookups for the
 * unauthorised → decision → tags, stops/terminations, flags and audit records → one alert
 * when anything changed.
 */
import { randomUUID } from "node:crypto";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { SNSClient } from "@aws-sdk/client-sns";
import { TAGS, UNTAGGED } from "../contract";
import { publishEvent } from "../shared/events";
import type { Log } from "../shared/observability";
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
}

export interface EnforcerResult {
  decision: EnforcerDecision;
  /** Audit records written this run. */
  audit: AuditRecord[];
  failures: { id: string; what: string; error: string }[];
  published: boolean;
}

export async function runEnforcer(deps: EnforcerDeps, settings: EnforcerSettings, now = new Date()): Promise<EnforcerResult> {
  const instances = await listInstances(deps.ec2);
  const storedFlags = await deps.store.flags();
  const terminationProtected = await withTerminationProtection(deps.ec2, needsProtectionCheck(instances, settings.authorizationTags));
  const decision = decideEnforcement({ instances, storedFlags, terminationProtected, settings, now });

  const byId = new Map(instances.map((i) => [i.id, i]));
  const ec2 = new Ec2Actions(deps.ec2);
  const time = now.toISOString();
  const audit: AuditRecord[] = [];
  const failures: EnforcerResult["failures"] = [];
  const describe = (i: InstanceRecord | undefined) => ({ instanceType: i?.instanceType, environment: i?.tags[TAGS.environment] || UNTAGGED });
  const record = async (r: Omit<AuditRecord, "time" | "mode">) => {
    const full = { time, mode: settings.mode, ...r };
    audit.push(full);
    await deps.store.audit(full);
  };
  const attempt = async (id: string, what: string, fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      failures.push({ id, what, error });
      deps.log.warn(`enforcer could not ${what} ${id}`, { error });
      await record({ instanceId: id, event: "action-failed", detail: `${what}: ${error}`, ...describe(byId.get(id)) });
      return false;
    }
  };

  for (const f of decision.flag) {
    const info = describe(byId.get(f.id));
    if (f.tagMissing && !(await attempt(f.id, "tag", () => ec2.tag(f.id, f.since)))) continue;
    await deps.store.setFlag(f.id, f.since, { instanceType: info.instanceType ?? "unknown", environment: info.environment });
    await record({ instanceId: f.id, event: f.isNew ? "flagged" : "re-tagged", since: f.since, ...info });
  }
  const acted: EnforcerDecision["act"] = [];
  for (const a of decision.act) {
    const ok = await attempt(a.id, a.action, () => (a.action === "stop" ? ec2.stop(a.id) : ec2.terminate(a.id)));
    if (!ok) continue;
    acted.push(a);
    await record({ instanceId: a.id, event: a.action === "stop" ? "stopped" : "terminated", since: a.since, ...describe(byId.get(a.id)) });
  }
  for (const u of decision.unflag) {
    if (settings.mode !== "audit" && u.hasTag && !(await attempt(u.id, "untag", () => ec2.untag(u.id)))) continue;
    await deps.store.clearFlag(u.id);
    await record({ instanceId: u.id, event: "unflagged", since: u.since, detail: "carries an authorisation tag now", ...describe(byId.get(u.id)) });
  }
  for (const id of decision.forget) await deps.store.clearFlag(id);

  const overdue = decision.waiting.filter((w) => Date.parse(w.dueAt) <= now.getTime());
  deps.log.info("enforcer run done", {
    mode: settings.mode,
    instances: instances.length,
    flagged: decision.flag.filter((f) => f.isNew).length,
    acted: acted.length,
    unflagged: decision.unflag.length,
    waiting: decision.waiting.length,
    exempt: decision.exempt.length,
    capped: decision.capped.length,
    failures: failures.length,
  });

  let published = false;
  const newFlags = decision.flag.filter((f) => f.isNew);
  if (deps.alerts && (newFlags.length || acted.length || decision.unflag.length || failures.length || decision.capped.length)) {
    const verb = (a: { action: string }) => (a.action === "stop" ? "stopped" : "terminated");
    const lines = [
      ...newFlags.map((f) => `flagged ${f.id} (${describe(byId.get(f.id)).environment}, ${byId.get(f.id)?.instanceType}): no authorisation tag; ${settings.mode === "audit" ? "audit mode, no action will be taken" : `will be ${settings.mode === "stop" ? "stopped" : "terminated"} after ${settings.graceHours} h`}`),
      ...acted.map((a) => `${verb(a)} ${a.id}: unauthorised since ${a.since}`),
      ...decision.unflag.map((u) => `unflagged ${u.id}: authorised now`),
      ...failures.map((f) => `FAILED to ${f.what} ${f.id}: ${f.error}`),
      ...(decision.capped.length ? [`action cap of ${settings.maxActionsPerRun} reached: ${decision.capped.length} instance(s) left for the next run`] : []),
    ];
    await publishEvent(deps.alerts.sns, deps.alerts.topicArn, {
      kind: "enforcer",
      severity: acted.length || failures.length ? "critical" : newFlags.length ? "warning" : "info",
      title: `Enforcer: ${newFlags.length} flagged, ${acted.length} ${settings.mode === "terminate" ? "terminated" : "stopped"}, ${decision.unflag.length} unflagged`,
      stack: deps.stack,
      lines: lines.slice(0, 30),
      fields: {
        mode: settings.mode,
        "unauthorised (flagged)": String(decision.waiting.length + newFlags.length + decision.act.length + decision.capped.length),
        ...(settings.mode === "audit" ? { "past grace (audit only)": String(overdue.length) } : {}),
        exempt: String(decision.exempt.length),
      },
    });
    published = true;
  }
  return { decision, audit, failures, published };
}

/** Longer than the function's timeout (120 s): a live run never loses it, a dead one frees it. */
export const ENFORCER_LEASE_MS = 150_000;

/** One run at a time (EventBridge delivers at least once): a second one does nothing and says why. */
export async function runEnforcerExclusive(deps: EnforcerDeps, settings: EnforcerSettings, now = new Date()): Promise<{ ran: true; result: EnforcerResult } | { ran: false; busy: string }> {
  const out = await deps.store.lease(() => now.getTime()).run(`enforcer#${randomUUID()}`, ENFORCER_LEASE_MS, () => runEnforcer(deps, settings, now));
  if (out.ran) return out;
  const busy = `another enforcer run (${out.busy.holder}) holds the lease until ${new Date(out.busy.until).toISOString()}: this run did nothing`;
  deps.log.info(busy);
  return { ran: false, busy };
}
