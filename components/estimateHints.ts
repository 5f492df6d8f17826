/**
 * Usage the cost estimator cannot read from a resource's inputs, declared on the resource
 * itself as the `costguard:estimate` tag (see runtime/pricing/usage.ts). costguard declares
 * what it knows of its own resources so its estimate of itself is not built on generic guesses.
 */
import { TAGS } from "../runtime/contract";

export function estimateTags(usage: Record<string, number>): Record<string, string> {
  return { [TAGS.estimate]: Object.entries(usage).map(([k, v]) => `${k}=${v}`).join(" ") };
}

/**
 * costguard's own tables hold small items kept briefly (TTL) or few of them (state per
 * environment, per instance type, per finding): 10 MB is a generous bound, where the
 * estimator's generic assumption for an unknown table is 100 MB.
 */
export const GUARD_TABLE_TAGS = estimateTags({ storageGb: 0.01 });
