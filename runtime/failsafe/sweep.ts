/**
 * The failsafe's steps of the organisation sweep (the contract is runtime/shared/sweep.ts): the
 * Step Functions state machine calls `list`, then `inventory` per batch of units from its
 * distributed Map, then `decide` with the Map's ResultWriter output. Decide takes the same
 * decision as the in-Lambda check (decideAndAct), reading again, live, only the units it acts on.
 *
 * A single account (no organisation) never needs this: its regions are read in the check itself.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { SWEEP_SHAPE, sweepKeys, type SweepEvent, type SweepInventoryResult, type SweepListResult, type UnitBurn, type UnitSummary } from "../shared/sweep";
import { mapUnits, unitKey, type Unit, type UnitFailure } from "../shared/units";
import * as z from "../shared/zod";
import type { StoppableInventory } from "./decideStop";
import { readInventory, STOPPABLE_PARTS } from "./inventory";
import { decideAndAct, type CheckResult, type FailsafeDeps } from "./run";
import { mergeStoppable, readUnit, tagWithUnit, type UnitAccess } from "./scope";

/** The S3 IAM actions of the steps (the component grants them on `<bucket>/sweeps/*` only). */
export const SWEEP_ACTIONS = ["s3:GetObject", "s3:PutObject"] as const;

export interface SweepAccess {
  s3: S3Client;
  bucket: string;
}

async function getJson(s3: S3Client, Bucket: string, Key: string): Promise<unknown> {
  const out = await s3.send(new GetObjectCommand({ Bucket, Key }));
  const text = await out.Body!.transformToString();
  return parseJsonOrLines(text);
}

/** ResultWriter writes a JSON array, or JSON Lines with OutputType JSONL: both are read. */
function parseJsonOrLines(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown);
  }
}

const putJson = (s3: S3Client, Bucket: string, Key: string, value: unknown) => s3.send(new PutObjectCommand({ Bucket, Key, Body: JSON.stringify(value), ContentType: "application/json" }));

export async function runSweepStep(event: SweepEvent, deps: FailsafeDeps & { units: UnitAccess; sweep: SweepAccess }): Promise<(SweepListResult & { ok: true; command: "sweep-list" }) | (SweepInventoryResult & { ok: true; command: "sweep-inventory" }) | CheckResult> {
  const { s3, bucket } = deps.sweep;
  switch (event.sweep) {
    case "list": {
      const list = await deps.units.listUnits();
      const Key = sweepKeys.units(event.runId);
      const failures = list.failures.map((f) => ({ ...f.unit, error: f.error }));
      // decide reads them back: the Map's results hold only units that were listed.
      await putJson(s3, bucket, sweepKeys.listFailures(event.runId), list.failures);
      await putJson(s3, bucket, Key, list.units);
      return { ok: true, command: "sweep-list", runId: event.runId, Bucket: bucket, Key, units: list.units.length, failures };
    }
    case "inventory": {
      const now = (deps.now ?? Date.now)();
      const outcomes = await mapUnits(event.Items, SWEEP_SHAPE.unitConcurrencyInBatch, async (unit) => {
        // Nothing written per unit: decide re-reads the few units it acts on, live (S3 bills each
        // PUT: one per unit would be 74 M a month at 3,400 units every 2 minutes).
        const { burn } = await readUnit(unit, deps.units.clientsFor(unit), deps.prices, now, deps.spotPriceHistory !== false);
        return { burn };
      });
      const results: UnitSummary[] = outcomes.map((o) =>
        o.ok
          ? { ...o.value.burn, ok: true as const }
          : { account: o.unit.account, region: o.unit.region, ok: false, error: o.error, ...(o.code ? { code: o.code } : {}) },
      );
      return { ok: true, command: "sweep-inventory", results };
    }
    case "decide": {
      const now = (deps.now ?? Date.now)();
      const { units, failures } = await readResults(s3, event.ResultWriterDetails.Bucket, event.ResultWriterDetails.Key);
      failures.unshift(...(await listFailures(s3, bucket, event.runId)));
      // The units acted on are read again, live: what is stopped is what runs now, not what ran
      // when the Map read it (an instance its owner stopped meanwhile is left alone).
      const access = deps.units;
      const inventoryFor = async (wanted: Unit[]): Promise<StoppableInventory> => {
        const parts = await mapUnits(wanted, SWEEP_SHAPE.unitConcurrencyInBatch, async (u) => tagWithUnit(await readInventory(access.clientsFor(u), u.region, STOPPABLE_PARTS), u));
        const failed = parts.filter((p) => !p.ok);
        if (failed.length) throw new Error(`could not read ${failed.map((f) => unitKey(f.unit)).join(", ")} again before acting: ${failed[0]!.ok ? "" : failed[0]!.error}`);
        return mergeStoppable(parts.map((p) => (p.ok ? p.value : mergeStoppable([]))));
      };
      return decideAndAct(deps, { units, failures }, inventoryFor, now, `sweep-${event.runId}`);
    }
  }
}

const Manifest = z.object({
  ResultFiles: z.object({
    SUCCEEDED: z.optional(z.array(z.object({ Key: z.string() }))),
    FAILED: z.optional(z.array(z.object({ Key: z.string() }))),
    PENDING: z.optional(z.array(z.object({ Key: z.string() }))),
  }),
});

interface ChildExecution {
  Input?: string;
  Output?: string;
  Status?: string;
  Error?: string;
  Cause?: string;
}

/** The units a child execution was given (its input is the batch: `{ Items: [...] }`). */
function itemsOf(child: ChildExecution): Unit[] {
  try {
    const input = JSON.parse(child.Input ?? "{}") as { Items?: Unit[] };
    return input.Items ?? [];
  } catch {
    return [];
  }
}

/**
 * Every unit's summary from the Map's ResultWriter output: its manifest lists result files by
 * status; each holds the children's executions, output as a JSON string (the function's answer,
 * or `{ Payload }` when invoked through the lambda:invoke integration without an OutputPath).
 * A failed or unfinished child's units are reported as not checked.
 */
export async function readResults(s3: S3Client, bucket: string, manifestKey: string): Promise<{ units: UnitBurn[]; failures: UnitFailure[] }> {
  const manifest = Manifest.parse(await getJson(s3, bucket, manifestKey));
  const units: UnitBurn[] = [];
  const failures: UnitFailure[] = [];
  for (const status of ["SUCCEEDED", "FAILED", "PENDING"] as const) {
    for (const file of manifest.ResultFiles[status] ?? []) {
      const children = (await getJson(s3, bucket, file.Key)) as ChildExecution[];
      for (const child of children) {
        if (status !== "SUCCEEDED" || !child.Output) {
          const why = status === "PENDING" ? "its child execution did not finish" : `its child execution failed (${child.Error ?? "no error"}: ${child.Cause ?? ""})`;
          for (const unit of itemsOf(child)) failures.push({ unit, error: `${unitKey(unit)}: ${why}`, code: child.Error });
          continue;
        }
        const parsed = JSON.parse(child.Output) as { results?: UnitSummary[]; Payload?: { results?: UnitSummary[] } };
        for (const s of parsed.results ?? parsed.Payload?.results ?? []) {
          const unit = { account: s.account, region: s.region };
          if (!s.ok) {
            failures.push({ unit, error: s.error, ...(s.code ? { code: s.code } : {}) });
            continue;
          }
          units.push({ ...unit, burn: s.burn, instancesByLifecycle: s.instancesByLifecycle, unpriced: s.unpriced, ...(s.estimated ? { estimated: true } : {}) });
        }
      }
    }
  }
  return { units, failures };
}

async function listFailures(s3: S3Client, bucket: string, runId: string): Promise<UnitFailure[]> {
  try {
    return (await getJson(s3, bucket, sweepKeys.listFailures(runId))) as UnitFailure[];
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchKey") return [];
    throw err;
  }
}
