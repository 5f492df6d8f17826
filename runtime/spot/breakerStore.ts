/**
 * The circuit breakers in DynamoDB: one item per breaker key, read-modify-write with
 * optimistic locking. Every write is conditioned on the version read (or on the item not
 * existing), so when 100 interruptions arrive at once each is applied exactly once: a writer
 * that loses the race re-reads and re-applies, with jittered backoff. Transitions are only
 * reported from writes that succeeded, so each is announced once.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  breakerExpiry,
  breakerKey,
  claimProbe,
  newBreaker,
  recordInterruption,
  recordRebalance,
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

export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string } | null)?.name === "ConditionalCheckFailedException";
}

export type Written<T extends Step> = T & { attempts: number; written: boolean };

export class BreakerStore {
  private readonly now: () => number;
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

  recordInterruption(instanceType: string, availabilityZone: string | undefined, instanceId: string, at: number): Promise<Written<InterruptionStep>> {
    return this.mutate(this.keyFor(instanceType, availabilityZone), (r, now) => recordInterruption(r, { instanceId, at }, now, this.settings));
  }

  recordRebalance(instanceType: string, availabilityZone: string | undefined, at: number): Promise<Written<Step>> {
    return this.mutate(this.keyFor(instanceType, availabilityZone), (r, now) => recordRebalance(r, at, now, this.settings));
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
  return { ...r, key: pk, recent: r.recent ?? [], version: Number(r.version ?? 0) };
}
