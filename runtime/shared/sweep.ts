/**
 * The organisation sweep's contract: the events the Step Functions state machine (components/
 * sweep.ts) sends the failsafe function, and what each step answers. Three steps:
 *
 *   list      → the units of the scope, written to S3 as one JSON array (the distributed Map's
 *               ItemReader reads it); answers where, and how many.
 *   inventory → a batch of units (the Map's ItemBatcher hands each child `Items`): each unit is
 *               read and a small summary answered (burn per environment), so no state payload
 *               nears Step Functions' 256 KiB limit; nothing is written per unit.
 *   decide    → reads every summary the Map's ResultWriter wrote (its manifest), decides over the
 *               whole organisation, reads again, live, only the units it acts on, and acts.
 *
 * A unit whose inventory failed answers `ok: false` with the reason; the Map tolerates every
 * failure (ToleratedFailurePercentage 100) so that one unreachable account never stops the sweep,
 * and decide reports them.
 */
import * as z from "./zod";
import { ACCOUNT_ID, REGION } from "./units";

const unit = z.object({ account: z.string().check(z.regex(ACCOUNT_ID)), region: z.string().check(z.regex(REGION)) });
/** A run id: the schedule's time stamp or the execution's name (S3 key safe). */
const runId = z.string().check(z.regex(/^[\w.:-]{1,80}$/));

export const SweepListEvent = z.object({ sweep: z.literal("list"), runId });
export const SweepInventoryEvent = z.object({
  sweep: z.literal("inventory"),
  runId,
  /** The Map's ItemBatcher puts the batch's items here. */
  Items: z.array(unit).check(z.minLength(1), z.maxLength(100)),
});
export const SweepDecideEvent = z.object({
  sweep: z.literal("decide"),
  runId,
  /** The distributed Map's ResultWriter output: where its manifest.json is. */
  ResultWriterDetails: z.object({ Bucket: z.string().check(z.minLength(3)), Key: z.string().check(z.minLength(1)) }),
});
export const SweepEvent = z.discriminatedUnion("sweep", [SweepListEvent, SweepInventoryEvent, SweepDecideEvent]);
export type SweepEvent = z.infer<typeof SweepEvent>;

/** The list step's answer; the state machine passes Bucket/Key to the Map's ItemReader. */
export interface SweepListResult {
  runId: string;
  Bucket: string;
  Key: string;
  units: number;
  /** Accounts that could not be listed (their regions unknown): reported by decide too. */
  failures: { account: string; region: string; error: string }[];
}

/** One unit's figures: $/h per group, priced with its region's prices. */
export interface UnitBurn {
  account: string;
  region: string;
  /** $/h per Environment tag value (untagged included) in this unit. */
  burn: Record<string, number>;
  instancesByLifecycle: { spot: number; "on-demand": number };
  unpriced: Record<string, number>;
  /** The catalog has no exact prices for this region: us-east-1's scaled, an estimate. */
  estimated?: boolean;
}

/** One unit's answer to the inventory step: its figures, or why it could not be read. */
export type UnitSummary =
  | (UnitBurn & { ok: true })
  | { account: string; region: string; ok: false; error: string; code?: string };

export interface SweepInventoryResult {
  results: UnitSummary[];
}

/** S3 keys of a sweep's objects; the bucket's lifecycle rule expires them after a day. */
export const sweepKeys = {
  units: (runId: string) => `sweeps/${runId}/units.json`,
  results: (runId: string) => `sweeps/${runId}/results`,
  /** Accounts the list step could not list (written by list, read by decide; added, optional). */
  listFailures: (runId: string) => `sweeps/${runId}/list-failures.json`,
};

/**
 * The sweep's shape, shared by the state machine (components/sweep.ts), the bench's simulation
 * and the plan's price: units per child execution (ItemBatcher), child executions at once (the
 * Map's MaxConcurrency), and units one child reads at the same time.
 */
export const SWEEP_SHAPE = {
  unitsPerBatch: 20,
  maxConcurrency: 100,
  unitConcurrencyInBatch: 20,
} as const;
