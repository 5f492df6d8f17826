/**
 * The circuit breakers in DynamoDB: one item per breaker key, two kinds of write.
 *
 *  - An interruption is one atomic UpdateItem, whatever the state: append its time and instance
 *    id to the log (two lists of plain values, appended together), ADD 1 to the count
 *    (creating the item with if_not_exists when missing), conditioned only on the id not being
 *    in the log yet, returning the new item. No read, no version check: 100 writers on one hot
 *    item do not retry each other.
 *  - A state change (a trip, a probe claim or confirmation, a reset, a time-driven transition
 *    being materialised) writes only the state fields, conditioned on the state `version` it
 *    was computed from; a lost race re-reads and re-decides. Counters are never overwritten.
 *
 * After its append, an interruption decides from the returned item whether the circuit trips.
 * Of simultaneous writers only the one whose interruption reached the threshold writes the
 * closed → open transition; if that writer dies first, EventBridge's retry of its event finds
 * it already counted and re-decides without that restriction. Transitions are reported only by
 * the write that made them, so each is announced once.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { breakerKey } from "../contract";
import { isConditionalCheckFailed } from "../shared/lease";

/** The IAM actions of the calls below, on the breaker table. */
export const BREAKER_STORE_ACTIONS = ["dynamodb:GetItem", "dynamodb:UpdateItem"] as const;
import {
  SEEN_KEPT,
  STATE_FIELDS,
  advance,
  appendExpiry,
  breakerExpiry,
  claimProbe,
  confirmProbe,
  newBreaker,
  releaseProbe,
  resetBreaker,
  stateChanged,
  trip,
  type BreakerRecord,
  type InterruptionStep,
  type ProbeStep,
  type Step,
} from "./breaker";
import type { BreakerSettings } from "./settings";

export interface StoreClock {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface BreakerStoreOptions extends StoreClock {
  /** Attempts before giving up on a contended state write (the error then makes Lambda retry). */
  maxAttempts?: number;
  /** Backoff: full jitter between 0 and min(cap, base × 2^attempt) ms. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type Written<T extends Step> = T & { attempts: number; written: boolean };

/** Entries past SEEN_KEPT are trimmed in batches of this many, so a trim is rare. */
const TRIM_SLACK = 50;

export class BreakerStore {
  /** The store's clock (injected in tests): whoever reads a record's effective state uses it too. */
  readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly maxAttempts: number;
  private readonly baseMs: number;
  private readonly capMs: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    readonly settings: BreakerSettings,
    opts: BreakerStoreOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
    this.random = opts.random ?? Math.random;
    this.maxAttempts = opts.maxAttempts ?? 50;
    this.baseMs = opts.backoffBaseMs ?? 5;
    this.capMs = opts.backoffCapMs ?? 200;
  }

  keyFor(instanceType: string, availabilityZone?: string): string {
    return breakerKey(instanceType, availabilityZone, this.settings.perAz);
  }

  /** The stored record (a fresh closed one when there is none). Strongly consistent. */
  async get(key: string): Promise<BreakerRecord & { logLength?: number }> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: key }, ConsistentRead: true }));
    return out.Item ? fromItem(out.Item) : newBreaker(key, this.settings);
  }

  /** Writes the state fields of `next`, if the stored state is still at `version`. */
  private async writeState(key: string, version: number, next: BreakerRecord, now: number): Promise<void> {
    const set: string[] = ["version = :next", "expiresAt = :ttl"];
    const remove: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ":next": version + 1, ":ttl": breakerExpiry(next, now, this.settings) };
    for (const f of STATE_FIELDS) {
      names[`#${f}`] = f;
      if (next[f] === undefined) remove.push(`#${f}`);
      else {
        set.push(`#${f} = :${f}`);
        values[`:${f}`] = next[f];
      }
    }
    values[":v"] = version;
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: key },
        UpdateExpression: `SET ${set.join(", ")}${remove.length ? ` REMOVE ${remove.join(", ")}` : ""}`,
        ConditionExpression: version === 0 ? "attribute_not_exists(version) OR version = :v" : "version = :v",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /**
   * Applies `change` to the current record and writes the state if it changed, conditioned on
   * the version read. Retries on a lost race; throws after maxAttempts.
   */
  async mutate<T extends Step>(key: string, change: (record: BreakerRecord, now: number) => T, first?: BreakerRecord): Promise<Written<T>> {
    let current = first;
    for (let attempt = 1; ; attempt++) {
      current ??= await this.get(key);
      const now = this.now();
      const step = change(current, now);
      if (!stateChanged(current, step.record)) return { ...step, attempts: attempt, written: false };
      try {
        await this.writeState(key, current.version, step.record, now);
        return { ...step, record: { ...step.record, version: current.version + 1 }, attempts: attempt, written: true };
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        if (attempt >= this.maxAttempts) throw new Error(`breaker ${key}: still contended after ${attempt} attempts; giving up so the event is retried`, { cause: err });
        current = undefined;
        await this.sleep(Math.floor(this.random() * Math.min(this.capMs, this.baseMs * 2 ** Math.min(attempt, 16))));
      }
    }
  }

  async recordInterruption(instanceType: string, availabilityZone: string | undefined, instanceId: string, at: number): Promise<Written<InterruptionStep>> {
    const key = this.keyFor(instanceType, availabilityZone);
    const now = this.now();
    let appended: BreakerRecord & { logLength?: number };
    let counted = true;
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: key },
          UpdateExpression:
            "SET recentAt = list_append(if_not_exists(recentAt, :empty), :ats), recentIds = list_append(if_not_exists(recentIds, :empty), :ids), " +
            "lastInterruptionAt = :at, #state = if_not_exists(#state, :closed), cooldownMinutes = if_not_exists(cooldownMinutes, :cooldown), " +
            "version = if_not_exists(version, :zero), expiresAt = :ttl ADD interruptions :one",
          ConditionExpression: "NOT contains(recentIds, :id) AND NOT contains(seenInstanceIds, :id)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":empty": [],
            ":ats": [at],
            ":ids": [instanceId],
            ":at": at,
            ":closed": "closed",
            ":cooldown": this.settings.cooldownMinutes,
            ":zero": 0,
            ":ttl": appendExpiry(now, this.settings),
            ":one": 1,
            ":id": instanceId,
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      appended = fromItem(out.Attributes!);
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      // Already counted: a re-delivered event. Its first delivery may have died before tripping.
      counted = false;
      appended = await this.get(key);
    }
    if ((appended.logLength ?? 0) > SEEN_KEPT + TRIM_SLACK) await this.trim(key, appended.logLength!);

    const decide = (r: BreakerRecord, t: number, restrict: boolean) => {
      const advanced = advance(r, t, this.settings);
      const tripped = trip(advanced.record, t, this.settings, restrict ? instanceId : undefined);
      return { record: tripped.record, transitions: [...advanced.transitions, ...tripped.transitions], counted };
    };
    // Only the crossing writer trips a closed circuit on its first try; a retry or a re-delivery decides freely.
    let first = true;
    const result = await this.mutate(
      key,
      (r, t) => {
        const restrict = first && counted;
        first = false;
        return decide(r, t, restrict);
      },
      appended,
    );
    return { ...result, counted, written: counted || result.written };
  }

  /** Drops the oldest entries of the log, only if nobody appended meanwhile. */
  private async trim(key: string, length: number): Promise<void> {
    const drop = Array.from({ length: length - SEEN_KEPT }, (_, i) => i);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: key },
          UpdateExpression: `REMOVE ${drop.map((i) => `recentAt[${i}], recentIds[${i}]`).join(", ")}`,
          ConditionExpression: "size(recentIds) = :n AND size(recentAt) = :n",
          ExpressionAttributeValues: { ":n": length },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      // Someone appended or trimmed meanwhile: the next long append trims.
    }
  }

  /**
   * A rebalance recommendation is a signal only: counted atomically, never a transition. One
   * UpdateItem creates the item (closed) when missing, so a burst does not contend.
   */
  async recordRebalance(instanceType: string, availabilityZone: string | undefined, at: number): Promise<{ attempts: number; written: boolean; transitions: [] }> {
    const key = this.keyFor(instanceType, availabilityZone);
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: key },
        UpdateExpression:
          "SET lastRebalanceAt = :at, #state = if_not_exists(#state, :closed), " +
          "cooldownMinutes = if_not_exists(cooldownMinutes, :cooldown), version = if_not_exists(version, :zero), expiresAt = if_not_exists(expiresAt, :ttl) " +
          "ADD rebalanceSignals :one, interruptions :zero",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: {
          ":at": at,
          ":closed": "closed",
          ":cooldown": this.settings.cooldownMinutes,
          ":ttl": appendExpiry(this.now(), this.settings),
          ":one": 1,
          ":zero": 0,
        },
      }),
    );
    return { attempts: 1, written: true, transitions: [] };
  }

  claimProbe(key: string): Promise<Written<ProbeStep>> {
    return this.mutate(key, (r, now) => claimProbe(r, now, this.settings));
  }

  confirmProbe(key: string): Promise<Written<Step & { confirmed: boolean }>> {
    return this.mutate(key, (r, now) => confirmProbe(r, now, this.settings));
  }

  releaseProbe(key: string): Promise<Written<Step>> {
    return this.mutate(key, (r, now) => releaseProbe(r, now, this.settings));
  }

  reset(key: string, by?: string): Promise<Written<Step>> {
    return this.mutate(key, (r, now) => resetBreaker(r, now, this.settings, by));
  }
}

/** A stored item as a record; `logLength` is the stored log's length (for trimming). */
function fromItem(item: Record<string, unknown>): BreakerRecord & { logLength?: number } {
  const { pk, expiresAt: _expiresAt, recentAt, recentIds, recent, seenInstanceIds, ...rest } = item as Record<string, unknown> & { pk: string };
  const r = rest as unknown as Omit<BreakerRecord, "key" | "recent" | "seenInstanceIds">;
  const ats = (recentAt as number[] | undefined) ?? [];
  const ids = (recentIds as string[] | undefined) ?? [];
  // Items written before the two-list log kept entries as maps and ids in a list of their own.
  const log = [...((recent as BreakerRecord["recent"] | undefined) ?? []), ...ids.map((instanceId, i) => ({ at: Number(ats[i]), instanceId }))];
  return {
    ...r,
    key: pk,
    state: r.state ?? "closed",
    recent: log,
    seenInstanceIds: [...((seenInstanceIds as string[] | undefined) ?? []), ...ids],
    interruptions: Number(r.interruptions ?? 0),
    rebalanceSignals: Number(r.rebalanceSignals ?? 0),
    version: Number(r.version ?? 0),
    logLength: ids.length,
  };
}
