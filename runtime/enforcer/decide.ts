/**
 * The security enforcer's decisions, pure: which running instances are unauthorised, which to
 * flag, which are past their grace period and must be stopped or terminated, which are
 * compliant again. No AWS calls here.
 *
 * Where a flag lives: in every mode costguard keeps it in its table, and only that record
 * counts. In `stop` and `terminate` modes it is also the tag `costguard:unauthorized-since` on
 * the instance, which the role's Stop/Terminate permission requires; but a tag is never
 * trusted for timing: "launch more like this" copies it, anyone can type one. The grace
 * period starts when costguard first saw and flagged the instance id, and never before the
 * instance's (last) launch time. In `audit` mode nothing on the instance changes.
 */
import { isProtected, TAGS } from "../contract";
import type { EnforcerSettings } from "./settings";

export interface InstanceRecord {
  id: string;
  /** pending, running, stopping, stopped. */
  state: string;
  instanceType: string;
  tags: Record<string, string>;
  /** ISO time EC2 last launched (or started) it. */
  launchTime?: string;
}

export interface EnforcerInput {
  instances: InstanceRecord[];
  /** Instance id → ISO time it was flagged, as kept in costguard's table. */
  storedFlags: ReadonlyMap<string, string>;
  /** Instances with termination protection (DescribeInstanceAttribute disableApiTermination). */
  terminationProtected: ReadonlySet<string>;
  settings: EnforcerSettings;
  now: Date;
}

export interface EnforcerDecision {
  /** Flag these: new flags, a record moved to a later launch, or a tag that does not say what the record says. */
  flag: { id: string; since: string; isNew: boolean; tagMissing: boolean }[];
  /** Compliant again: drop the flag (and the tag, when present). */
  unflag: { id: string; since: string; hasTag: boolean }[];
  /** Past the grace period: stop or terminate. */
  act: { id: string; action: "stop" | "terminate"; since: string }[];
  /** Flagged, still in grace (or audit mode): when action would be due. */
  waiting: { id: string; since: string; dueAt: string }[];
  /** Unauthorised but never touched, with why. */
  exempt: { id: string; reason: string }[];
  /** Due, but over the per-run cap: next run. */
  capped: string[];
  /** Stored flags of instances that no longer exist. */
  forget: string[];
}

export function parseAuthorizationTag(rule: string): { key: string; value?: string } {
  const i = rule.indexOf("=");
  return i < 0 ? { key: rule } : { key: rule.slice(0, i), value: rule.slice(i + 1) };
}

export function isAuthorized(tags: Record<string, string>, rules: string[]): boolean {
  return rules.some((rule) => {
    const { key, value } = parseAuthorizationTag(rule);
    return value === undefined ? key in tags : tags[key] === value;
  });
}

function validTime(s: string | undefined): string | undefined {
  return s !== undefined && Number.isFinite(Date.parse(s)) ? new Date(s).toISOString() : undefined;
}

export function decideEnforcement(input: EnforcerInput): EnforcerDecision {
  const { settings, now } = input;
  const d: EnforcerDecision = { flag: [], unflag: [], act: [], waiting: [], exempt: [], capped: [], forget: [] };
  const tagsOnInstances = settings.mode !== "audit";
  const graceMs = settings.graceHours * 3600_000;
  const seen = new Set<string>();

  for (const i of input.instances) {
    seen.add(i.id);
    const tag = i.tags[TAGS.unauthorizedSince];
    const stored = validTime(input.storedFlags.get(i.id));
    const launched = validTime(i.launchTime);
    // costguard's own record only (removing or copying the tag changes nothing), and never
    // before the launch: an instance started again after a stop gets a new grace period.
    const since = stored !== undefined && launched !== undefined && launched > stored ? launched : stored;

    if (isAuthorized(i.tags, settings.authorizationTags)) {
      // In audit mode costguard may not remove tags, so a leftover tag alone is no reason to unflag every hour.
      const flagged = tagsOnInstances ? since !== undefined || tag !== undefined : stored !== undefined;
      if (flagged) d.unflag.push({ id: i.id, since: since ?? now.toISOString(), hasTag: tag !== undefined });
      continue;
    }
    if (isProtected(i.tags)) {
      d.exempt.push({ id: i.id, reason: `${TAGS.protect}=true` });
      continue;
    }
    if (input.terminationProtected.has(i.id)) {
      d.exempt.push({ id: i.id, reason: "termination protection is on" });
      continue;
    }
    if (i.state !== "running" && i.state !== "pending") continue; // stopped ones cost no compute; keep their flag

    if (since === undefined) {
      d.flag.push({ id: i.id, since: now.toISOString(), isNew: true, tagMissing: tagsOnInstances });
      continue;
    }
    // The tag must say what the record says (it is what the role's Stop/Terminate needs).
    const tagWrong = tagsOnInstances && validTime(tag) !== since;
    if (since !== stored || tagWrong) d.flag.push({ id: i.id, since, isNew: false, tagMissing: tagWrong });
    const dueAt = new Date(Date.parse(since) + graceMs);
    if (settings.mode === "audit" || now < dueAt) {
      d.waiting.push({ id: i.id, since, dueAt: dueAt.toISOString() });
      continue;
    }
    // Stop/Terminate are only allowed on instances carrying the tag: a tag put back this run comes first.
    if (d.act.length < settings.maxActionsPerRun) d.act.push({ id: i.id, action: settings.mode, since });
    else d.capped.push(i.id);
  }
  for (const id of input.storedFlags.keys()) if (!seen.has(id)) d.forget.push(id);
  return d;
}

/** Instances whose termination protection must be looked up: unauthorised, running, not tag-protected. */
export function needsProtectionCheck(instances: InstanceRecord[], rules: string[]): string[] {
  return instances
    .filter((i) => (i.state === "running" || i.state === "pending") && !isAuthorized(i.tags, rules) && !isProtected(i.tags))
    .map((i) => i.id);
}
