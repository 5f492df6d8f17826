/**
 * Instances EC2 will not stop (one-time spot instances, instance-store roots, any other
 * UnsupportedOperation): what a group's state remembers about them between runs, so that a
 * refusal is asked once, never takes a place under the per-run cap again, and is announced
 * once per incident rather than every two minutes. Pure functions over plain records.
 */
import type { SkippedResource } from "./decide";
import type { ActionResult, EnvironmentState } from "./model";

export interface NotStoppableUpdate {
  /** The group's refusals, pruned to instances still running, with this run's added. */
  refused: Record<string, string>;
  /** Every instance of the group that cannot be stopped now: the announced set. */
  reported: string[];
  /** Those not announced before in this incident. */
  newly: { id: string; reason: string }[];
}

export function trackNotStoppable(
  before: EnvironmentState | undefined,
  group: string,
  results: readonly ActionResult[],
  skipped: readonly SkippedResource[],
  running: ReadonlySet<string>,
): NotStoppableUpdate {
  const refused = new Map(Object.entries(before?.refused ?? {}).filter(([id]) => running.has(id)));
  const current = new Map<string, string>();
  for (const s of skipped) if (s.notStoppable && s.environment === group) current.set(s.id, s.reason);
  for (const r of results) {
    if (r.outcome !== "refused" || r.action.environment !== group) continue;
    const answer = r.error ?? "UnsupportedOperation";
    refused.set(r.action.id, answer);
    current.set(r.action.id, `EC2 refused to stop it (${answer})`);
  }
  const announced = new Set(before?.reported ?? []);
  return {
    refused: Object.fromEntries([...refused].sort(([a], [b]) => a.localeCompare(b))),
    // A group no longer being stopped has none: its next incident is announced afresh.
    reported: [...current.keys()].sort(),
    newly: [...current].filter(([id]) => !announced.has(id)).map(([id, reason]) => ({ id, reason })),
  };
}

/** One alert line for a group's newly found instances that cannot be stopped. */
export function describeNotStoppable(group: string, newly: NotStoppableUpdate["newly"]): string {
  const reasons = [...new Set(newly.map((n) => n.reason))];
  const ids = newly.map((n) => n.id);
  const listed = ids.length > 10 ? `${ids.slice(0, 10).join(", ")} and ${ids.length - 10} more` : ids.join(", ");
  return `${group}: ${newly.length} instance${newly.length === 1 ? "" : "s"} cannot be stopped (${reasons.slice(0, 2).join("; ")}${reasons.length > 2 ? "; …" : ""}): ${listed}`;
}

/** JSON with sorted keys: a state read back from DynamoDB compares equal to the same state built here. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
