/**
 * Optional clean-up of waste findings, in Cloud Custodian's mark-for-op style:
 *
 *   1. a finding that may be cleaned up is marked: tag `costguard:cleanup-due=<date>` (today +
 *      grace) and costguard's own record of that mark (findings table);
 *   2. on a run on or after that date, if the scan still finds it and the tag still says what
 *      costguard recorded, it is acted on: Elastic IP → released; snapshot → deleted; volume →
 *      snapshotted first (tagged `costguard:backup-of=<volume>`, the snapshot id recorded with
 *      the mark) and deleted on a later run once that very snapshot is complete;
 *   3. a marked resource that is no longer waste (a volume attached again) is unmarked, and its
 *      record (backup included) forgotten: a later cycle starts from scratch.
 *
 * Never on a guess: a due date counts only with costguard's record of having set it (a tag
 * copied, typed or moved by anyone else starts a new grace), and a volume is deleted only
 * against the backup recorded in the current cycle (taken after the latest mark), never an
 * older snapshot that merely carries the backup-of tag. `costguard:protect=true` resources are
 * never touched, not even tagged. `planCleanup` is pure; actions.ts's `applyCleanup` runs the
 * plan, or in dry-run only describes it.
 */
import { TAGS } from "../contract";
import { isProtected } from "./decide";
import type { CleanupMark, Finding, Inventory, Tags } from "./model";

export type CleanupStep =
  | { op: "mark"; resourceId: string; dueDate: string; /** A cleanup-due value costguard has no record of setting. */ replacing?: string }
  | { op: "unmark"; resourceId: string }
  | { op: "release-address"; resourceId: string; publicIp: string }
  | { op: "snapshot-volume"; resourceId: string; environment?: string }
  | { op: "delete-volume"; resourceId: string; backupSnapshotId: string }
  | { op: "delete-snapshot"; resourceId: string };

export interface CleanupPlan {
  steps: CleanupStep[];
  /** Marked and not yet due, or waiting for a backup snapshot to complete. */
  waiting: { resourceId: string; reason: string }[];
  /** Left alone, with why. */
  skipped: { resourceId: string; reason: string }[];
  /** Mark records to drop without touching the resource (gone, protected, or no longer waste and untagged). */
  forget: string[];
}

export interface CleanupOptions {
  graceDays: number;
  maxActions: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CLEANABLE = new Set<Finding["kind"]>(["unattached-eip", "unattached-volume", "old-snapshot"]);

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function describeStep(s: CleanupStep): string {
  switch (s.op) {
    case "mark":
      return `tag ${s.resourceId} ${TAGS.cleanupDue}=${s.dueDate}${s.replacing !== undefined ? ` (replacing "${s.replacing}", which costguard did not set: a new grace period starts)` : ""}`;
    case "unmark":
      return `remove tag ${TAGS.cleanupDue} from ${s.resourceId} (no longer waste)`;
    case "release-address":
      return `release Elastic IP ${s.publicIp} (${s.resourceId})`;
    case "snapshot-volume":
      return `snapshot volume ${s.resourceId} (tagged ${TAGS.backupOf}=${s.resourceId}); delete it on a later run once the snapshot is complete`;
    case "delete-volume":
      return `delete volume ${s.resourceId} (backup ${s.backupSnapshotId} is complete)`;
    case "delete-snapshot":
      return `delete snapshot ${s.resourceId}`;
  }
}

export function planCleanup(
  findings: Finding[],
  inv: Pick<Inventory, "addresses" | "volumes" | "snapshots">,
  opts: CleanupOptions,
  now: Date,
  marks: ReadonlyMap<string, CleanupMark> = new Map(),
): CleanupPlan {
  const tagsById = new Map<string, Tags>();
  const publicIp = new Map<string, string>();
  for (const a of inv.addresses) {
    if (!a.allocationId) continue;
    tagsById.set(a.allocationId, a.tags);
    publicIp.set(a.allocationId, a.publicIp);
  }
  for (const v of inv.volumes) tagsById.set(v.id, v.tags);
  for (const s of inv.snapshots) tagsById.set(s.id, s.tags);
  const snapshotById = new Map(inv.snapshots.map((s) => [s.id, s]));

  const today = isoDate(now);
  const dueDate = isoDate(new Date(now.getTime() + opts.graceDays * 86400_000));
  const plan: CleanupPlan = { steps: [], waiting: [], skipped: [], forget: [] };
  const marksToMake: CleanupStep[] = [];
  const actions: CleanupStep[] = [];
  const eligible = new Set<string>();

  for (const f of findings) {
    if (!CLEANABLE.has(f.kind)) continue;
    const tags = tagsById.get(f.resourceId);
    if (!tags) {
      plan.skipped.push({ resourceId: f.resourceId, reason: "no allocation id (EC2-Classic address): release it by hand" });
      continue;
    }
    if (isProtected(tags)) {
      plan.skipped.push({ resourceId: f.resourceId, reason: `${TAGS.protect}=true` });
      continue;
    }
    if (f.kind === "old-snapshot" && tags[TAGS.backupOf]) {
      plan.skipped.push({ resourceId: f.resourceId, reason: `backup costguard took of deleted volume ${tags[TAGS.backupOf]}: delete it by hand when no longer needed` });
      continue;
    }
    eligible.add(f.resourceId);
    const tag = tags[TAGS.cleanupDue];
    const mark = marks.get(f.resourceId);
    // Only costguard's own mark counts: its record, and the tag still saying what it wrote.
    if (!mark || tag !== mark.dueDate || !DATE.test(mark.dueDate)) {
      marksToMake.push({ op: "mark", resourceId: f.resourceId, dueDate, ...(tag !== undefined ? { replacing: tag } : {}) });
      continue;
    }
    if (mark.dueDate > today) {
      plan.waiting.push({ resourceId: f.resourceId, reason: `due ${mark.dueDate}` });
      continue;
    }
    if (f.kind === "unattached-eip") actions.push({ op: "release-address", resourceId: f.resourceId, publicIp: publicIp.get(f.resourceId) ?? "" });
    else if (f.kind === "old-snapshot") actions.push({ op: "delete-snapshot", resourceId: f.resourceId });
    else {
      // The backup of this cycle: the snapshot costguard recorded, of this volume, taken after the mark.
      const backup = mark.backupSnapshotId ? snapshotById.get(mark.backupSnapshotId) : undefined;
      const valid = backup && backup.volumeId === f.resourceId && backup.tags[TAGS.backupOf] === f.resourceId && Date.parse(backup.startTime) >= Date.parse(mark.markedAt);
      if (valid && backup.state === "completed") actions.push({ op: "delete-volume", resourceId: f.resourceId, backupSnapshotId: backup.id });
      else if (valid && backup.state === "pending") plan.waiting.push({ resourceId: f.resourceId, reason: `backup ${backup.id} not complete yet` });
      else actions.push({ op: "snapshot-volume", resourceId: f.resourceId, environment: tags[TAGS.environment] });
    }
  }

  // Marked resources that are no longer waste lose the mark (protected ones are not touched at all).
  const unmarks: CleanupStep[] = [];
  for (const [id, tags] of tagsById) {
    if (tags[TAGS.cleanupDue] !== undefined && !eligible.has(id) && !isProtected(tags) && !tags[TAGS.backupOf]) unmarks.push({ op: "unmark", resourceId: id });
  }
  const unmarking = new Set(unmarks.map((u) => u.resourceId));
  for (const id of marks.keys()) if (!eligible.has(id) && !unmarking.has(id)) plan.forget.push(id);

  // Unmarking first (it only ever makes things safer), then due actions, then new marks.
  for (const step of [...unmarks, ...actions, ...marksToMake]) {
    if (plan.steps.length < opts.maxActions) plan.steps.push(step);
    else plan.skipped.push({ resourceId: step.resourceId, reason: `action cap of ${opts.maxActions} per run reached (${describeStep(step)} next run)` });
  }
  return plan;
}
