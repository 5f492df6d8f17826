/**
 * Mutual exclusion and once-only claims on a costguard DynamoDB table, with single-item
 * conditional writes (no transactions: dynalite has none, and one item is all a lease needs).
 *
 * EventBridge and asynchronous Lambda deliver at least once, an operator's command can overlap
 * the schedule, and a Lambda can die half-way: so a run that changes things takes a lease, a
 * lease expires by itself (a dead holder never blocks the next run for longer than its TTL),
 * and a holder proves it still holds the lease with the `fence` number it was given.
 *
 * Items live beside the capability's own records, under their own partition key
 * (`lease#<name>`, `once#<key>`), with `expiresAt` (epoch seconds) for the table's TTL.
 * Reserved concurrency would give mutual exclusion too, but it must leave 100 unreserved
 * executions, which new accounts (quota 10) do not have.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** The IAM actions of the calls below, on the table that holds the leases and claims. */
export const LEASE_ACTIONS = ["dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:PutItem"] as const;

export interface LeaseOptions {
  /** Attribute values that complete the table's key besides `pk`, e.g. `{ sk: "lease" }` for a table with a string sort key. */
  sortKey?: Record<string, string | number>;
  /** The clock (epoch ms); injected in tests. */
  now?: () => number;
}

export interface LeaseHeld {
  acquired: true;
  /** Increases by one at every acquisition: a later holder always has a larger fence. */
  fence: number;
  until: number;
}
export interface LeaseBusy {
  acquired: false;
  /** Who holds it and until when (epoch ms), for the log line that says why this run did nothing. */
  holder: string;
  until: number;
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string } | undefined)?.name === "ConditionalCheckFailedException";
}

export class Lease {
  private readonly key: Record<string, string | number>;
  private readonly now: () => number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** What is being guarded, e.g. `failsafe` or `asg#my-group`. */
    readonly name: string,
    opts: LeaseOptions = {},
  ) {
    this.key = { pk: `lease#${name}`, ...opts.sortKey };
    this.now = opts.now ?? Date.now;
  }

  /**
   * Takes the lease for `ttlMs` when it is free, expired, or already held by `owner` (a retry of
   * the same run renews it). Never throws for a busy lease: says who holds it instead.
   */
  async acquire(owner: string, ttlMs: number): Promise<LeaseHeld | LeaseBusy> {
    const now = this.now();
    const until = now + ttlMs;
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key,
          UpdateExpression: "SET #owner = :owner, #until = :until, expiresAt = :exp ADD fence :one",
          ConditionExpression: "attribute_not_exists(#owner) OR #until < :now OR #owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner", "#until": "leaseUntil" },
          ExpressionAttributeValues: { ":owner": owner, ":until": until, ":now": now, ":exp": Math.ceil(until / 1000) + 3600, ":one": 1 },
          ReturnValues: "ALL_NEW",
        }),
      );
      return { acquired: true, fence: Number(out.Attributes?.fence ?? 0), until };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: this.key, ConsistentRead: true }));
      return { acquired: false, holder: String(Item?.owner ?? "unknown"), until: Number(Item?.leaseUntil ?? 0) };
    }
  }

  /**
   * Gives the lease up, only if `owner` still holds it (a holder that outlived its TTL frees
   * nothing of the next one's). The item stays, without owner, so the fence keeps counting up.
   */
  async release(owner: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key,
          UpdateExpression: "REMOVE #owner SET #until = :zero",
          ConditionExpression: "#owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner", "#until": "leaseUntil" },
          ExpressionAttributeValues: { ":owner": owner, ":zero": 0 },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  /**
   * Runs `work` holding the lease, and releases it afterwards even when `work` throws.
   * Returns `{ ran: false, busy }` without calling `work` when another run holds it.
   */
  async run<T>(owner: string, ttlMs: number, work: (lease: LeaseHeld) => Promise<T>): Promise<{ ran: true; result: T } | { ran: false; busy: LeaseBusy }> {
    const lease = await this.acquire(owner, ttlMs);
    if (!lease.acquired) return { ran: false, busy: lease };
    try {
      return { ran: true, result: await work(lease) };
    } finally {
      await this.release(owner);
    }
  }
}

/**
 * Claims `key` once for `ttlMs`: true for the first caller, false for every later or concurrent
 * one until the claim expires. Used so that one decision sends one alert, however many times
 * (or however concurrently) the run that made it is delivered.
 */
export async function claimOnce(
  db: DynamoDBDocumentClient,
  table: string,
  key: string,
  ttlMs: number,
  opts: LeaseOptions & { detail?: Record<string, unknown> } = {},
): Promise<boolean> {
  const now = (opts.now ?? Date.now)();
  try {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { pk: `once#${key}`, ...opts.sortKey, claimedAt: now, claimUntil: now + ttlMs, expiresAt: Math.ceil((now + ttlMs) / 1000), ...opts.detail },
        ConditionExpression: "attribute_not_exists(pk) OR claimUntil < :now",
        ExpressionAttributeValues: { ":now": now },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}
