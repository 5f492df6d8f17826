/**
 * The circuit breakers in DynamoDB: one item per breaker key, read-modify-write with
 * optimistic locking. Every state-changing write is conditioned on the version read (or on the
 * item not existing), so when 100 interruptions arrive at once each is applied exactly once: a
 * writer that loses the race re-reads and re-applies, with jittered backoff. Transitions are
 * only reported from writes that succeeded, so each is announced once.
 *
 * Two writes cannot change the state and skip the version check, which keeps a burst from
 * turning into a retry storm: an interruption while the circuit is open and cooling (an atomic
 * ADD/append conditioned on exactly that: still open, cooldown not over, instance not yet
 * counted) and a rebalance signal (an atomic ADD). Both bump the version, so a concurrent
 * read-modify-write retries instead of overwriting them.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed } from "../shared/lease";
import {
  breakerExpiry,
  breakerKey,
  claimProbe,
  newBreaker,
  recordInterruption,
  resetBreaker,
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
  /** Attempts before giving up on a contended item (the error then makes Lambda retry). */
  maxAttempts?: number;
  /** Backoff: full jitter between 0 and min(cap, base × 2^attempt) ms. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type Written<T extends Step> = T & { attempts: number; written: boolean };

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
    this.maxAttempts = opts.maxAttempts ?? 200;
    this.baseMs = opts.backoffBaseMs ?? 5;
    this.capMs = opts.backoffCapMs ?? 200;
  }

  keyFor(instanceType: string, availabilityZone?: string): string {
    return breakerKey(instanceType, availabilityZone, this.settings.perAz);
  }

  /** The stored record (a fresh closed one when there is none). Strongly consistent. */
  async get(key: string): Promise<BreakerRecord> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: key }, ConsistentRead: true }));
    return out.Item ? fromItem(out.Item) : newBreaker(key, this.settings);
  }

  /**
   * Applies `change` to the current record and writes it if it changed, conditioned on the
   * version read. Retries on a lost race; throws after maxAttempts.
   */
  async mutate<T extends Step>(key: string, change: (record: BreakerRecord, now: number) => T): Promise<Written<T>> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(key);
      const now = this.now();
      const step = change(current, now);
      if (step.record === current) return { ...step, attempts: attempt, written: false };
      const next: BreakerRecord = { ...step.record, version: current.version + 1 };
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...toItem(next), expiresAt: breakerExpiry(next, now, this.settings) },
            ConditionExpression: current.version === 0 ? "attribute_not_exists(pk)" : "version = :v",
            ExpressionAttributeValues: current.version === 0 ? undefined : { ":v": current.version },
          }),
        );
        return { ...step, record: next, attempts: attempt, written: true };
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        if (attempt >= this.maxAttempts) throw new Error(`breaker ${key}: still contended after ${attempt} attempts; giving up so the event is retried`, { cause: err });
        await this.sleep(Math.floor(this.random() * Math.min(this.capMs, this.baseMs * 2 ** Math.min(attempt, 16))));
      }
    }
  }

  async recordInterruption(instanceType: string, availabilityZone: string | undefined, instanceId: string, at: number): Promise<Written<InterruptionStep>> {
    const key = this.keyFor(instanceType, availabilityZone);
    for (let attempt = 1; ; attempt++) {
      // Through mutate() unless the circuit is open and cooling: then only counters change.
      let fast: { current: BreakerRecord; step: InterruptionStep; now: number } | undefined;
      const result = await this.mutate(key, (current, now) => {
        const step = recordInterruption(current, { instanceId, at }, now, this.settings);
        if (step.counted && current.state === "open" && step.record.state === "open" && step.transitions.length === 0) {
          fast = { current, step, now };
          return { ...step, record: current }; // unchanged: mutate() writes nothing
        }
        return step;
      });
      if (!fast) return { ...result, attempts: result.attempts + attempt - 1 };
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: key },
            UpdateExpression: "SET seenInstanceIds = list_append(seenInstanceIds, :ids), lastInterruptionAt = :at ADD interruptions :one, version :one",
            ConditionExpression: "#state = :open AND openUntil > :now AND NOT contains(seenInstanceIds, :id)",
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: { ":ids": [instanceId], ":at": at, ":one": 1, ":open": "open", ":now": fast.now, ":id": instanceId },
          }),
        );
        return { ...fast.step, attempts: result.attempts + attempt - 1, written: true };
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        if (attempt >= this.maxAttempts) throw new Error(`breaker ${key}: still contended after ${attempt} attempts; giving up so the event is retried`, { cause: err });
        // The state moved on (or the instance was counted meanwhile): decide again.
      }
    }
  }

  /**
   * A rebalance recommendation is a signal only: counted atomically, never a transition. One
   * UpdateItem creates the item (closed) when missing, so a burst does not contend.
   */
  async recordRebalance(instanceType: string, availabilityZone: string | undefined, at: number): Promise<{ attempts: number; written: boolean; transitions: [] }> {
    const key = this.keyFor(instanceType, availabilityZone);
    const fresh = newBreaker(key, this.settings);
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: key },
        UpdateExpression:
          "SET lastRebalanceAt = :at, #state = if_not_exists(#state, :closed), recent = if_not_exists(recent, :empty), seenInstanceIds = if_not_exists(seenInstanceIds, :empty), " +
          "cooldownMinutes = if_not_exists(cooldownMinutes, :cooldown), expiresAt = if_not_exists(expiresAt, :ttl) ADD rebalanceSignals :one, interruptions :zero, version :one",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: {
          ":at": at,
          ":closed": "closed",
          ":empty": [],
          ":cooldown": fresh.cooldownMinutes,
          ":ttl": breakerExpiry(fresh, this.now(), this.settings),
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

  reset(key: string, by?: string): Promise<Written<Step>> {
    return this.mutate(key, (r, now) => resetBreaker(r, now, this.settings, by));
  }
}

function toItem(r: BreakerRecord): Record<string, unknown> {
  const { key, ...rest } = r;
  return { pk: key, ...rest };
}

function fromItem(item: Record<string, unknown>): BreakerRecord {
  const { pk, expiresAt: _expiresAt, ...rest } = item as Record<string, unknown> & { pk: string };
  const r = rest as unknown as Omit<BreakerRecord, "key">;
  return { ...r, key: pk, recent: r.recent ?? [], seenInstanceIds: r.seenInstanceIds ?? [], version: Number(r.version ?? 0) };
}
