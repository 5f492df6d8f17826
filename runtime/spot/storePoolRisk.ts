/**
 * Pool risk ("herd immunity"): a pool is an Availability Zone ID + instance type, shared by every
 * account of the organisation. An interruption of an instance in a poisoning environment
 * (default: prod) poisons its pool for 15 days, so no one launches spot there meanwhile; lab and
 * dev interruptions do not. Pools are keyed by AZ ID (`use1-az1`), never by name: `us-east-1a`
 * is a different physical zone in each account (zones.ts translates names, per account).
 * Expiry is checked on every read (DynamoDB's TTL deletes items only eventually, up to days
 * later) and the TTL attribute cleans up.
 *
 * Two writes per interruption, each safe to repeat and to run concurrently:
 *  - the poisoning: poisonedUntil (and the "last" fields) only ever move forward, the write being
 *    conditioned on the stored value being earlier;
 *  - the count: an atomic ADD of 1 and of the instance id to the pool's set of seen ids,
 *    conditioned on the id not being in it, so EventBridge delivering an event twice counts once.
 *    The set is emptied when it passes SEEN_CAP ids (the item stays far below DynamoDB's 400 KB).
 *
 * Items written before pools were keyed by AZ ID (`<region>#<AZ name>#<type>`, by the home
 * account's own events only) are still read by the advice, under the home account's name of the
 * zone, until they expire (poolPoisonDays after their last write).
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed } from "../shared/lease";
import { DAY_MS } from "./settings";

/** The IAM actions of the calls below, on the pool-risk table: readers (the advice) only get. */
export const POOL_RISK_STORE_ACTIONS = ["dynamodb:GetItem", "dynamodb:UpdateItem"] as const;
export const POOL_RISK_READ_ACTION = "dynamodb:GetItem";

export interface PoolRef {
  /** The physical zone: `use1-az1`. */
  availabilityZoneId: string;
  instanceType: string;
}

/** A pool as keyed before AZ IDs: the home account's AZ name in its region. */
export interface LegacyPoolRef {
  region: string;
  availabilityZone: string;
  instanceType: string;
}

export interface PoolRisk {
  pool: string;
  poisoned: boolean;
  poisonedUntil?: number;
  interruptions: number;
  lastInterruptionAt?: number;
  lastEnvironment?: string;
  lastInstanceId?: string;
  /** The account of the last poisoning interruption (absent on items written before accounts). */
  lastAccount?: string;
}

export interface Interruption {
  environment?: string;
  instanceId: string;
  /** The account the instance ran in. */
  account?: string;
  at: number;
}

/** Seen instance ids kept per pool for de-duplication before the set is emptied. */
export const SEEN_CAP = 2000;

export function poolId(p: PoolRef): string {
  return `${p.availabilityZoneId}#${p.instanceType}`;
}

export function legacyPoolId(p: LegacyPoolRef): string {
  return `${p.region}#${p.availabilityZone}#${p.instanceType}`;
}

/** Whether an interruption in this environment poisons its pool. */
export function poisons(environment: string | undefined, poisoningEnvironments: readonly string[]): boolean {
  return environment !== undefined && poisoningEnvironments.includes(environment);
}

/** Expiry on read: a pool is poisoned only while its time has not passed. */
export function isPoisoned(poisonedUntil: number | undefined, now: number): boolean {
  return poisonedUntil !== undefined && poisonedUntil > now;
}

export interface PoolRiskStoreOptions {
  poisonDays: number;
  poisoningEnvironments: readonly string[];
  /** Seen instance ids kept per pool (default SEEN_CAP). */
  seenCap?: number;
  now?: () => number;
}

export class PoolRiskStore {
  private readonly now: () => number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly opts: PoolRiskStoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** The pool's risk; `legacy`: the same zone under its pre-AZ-ID key, read when the pool has no item. */
  async get(pool: PoolRef, legacy?: LegacyPoolRef): Promise<PoolRisk> {
    const id = poolId(pool);
    let item = await this.read(id);
    if (!item && legacy) item = await this.read(legacyPoolId(legacy));
    const poisonedUntil = item?.poisonedUntil as number | undefined;
    return {
      pool: id,
      poisoned: isPoisoned(poisonedUntil, this.now()),
      poisonedUntil,
      interruptions: Number(item?.interruptions ?? 0),
      lastInterruptionAt: item?.lastInterruptionAt as number | undefined,
      lastEnvironment: item?.lastEnvironment as string | undefined,
      lastInstanceId: item?.lastInstanceId as string | undefined,
      lastAccount: item?.lastAccount as string | undefined,
    };
  }

  private async read(pk: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk } }));
    return out.Item as Record<string, unknown> | undefined;
  }

  /**
   * Records an interruption. Only poisoning environments write (others are not a pool signal
   * worth storing). Returns whether the pool is poisoned by it, and whether it was counted (false
   * for a repeated delivery of an interruption already recorded).
   */
  async recordInterruption(pool: PoolRef, i: Interruption): Promise<{ poisoned: boolean; poisonedUntil?: number; counted: boolean }> {
    if (!poisons(i.environment, this.opts.poisoningEnvironments)) return { poisoned: false, counted: false };
    const until = i.at + this.opts.poisonDays * DAY_MS;
    const key = { pk: poolId(pool) };
    const [, counted] = await Promise.all([this.poison(key, until, i), this.count(key, i.instanceId)]);
    return { poisoned: isPoisoned(until, this.now()), poisonedUntil: until, counted };
  }

  private async poison(key: { pk: string }, until: number, i: Interruption): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: `SET poisonedUntil = :until, expiresAt = :ttl, lastInterruptionAt = :at, lastEnvironment = :env, lastInstanceId = :id${i.account ? ", lastAccount = :account" : ""}`,
          ConditionExpression: "attribute_not_exists(poisonedUntil) OR poisonedUntil <= :until",
          ExpressionAttributeValues: { ":until": until, ":ttl": Math.ceil(until / 1000), ":at": i.at, ":env": i.environment, ":id": i.instanceId, ...(i.account ? { ":account": i.account } : {}) },
        }),
      );
    } catch (err) {
      // A later interruption already set a later expiry: keep it.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  private async count(key: { pk: string }, instanceId: string): Promise<boolean> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: "ADD interruptions :one, seenInstanceIds :ids",
          ConditionExpression: "attribute_not_exists(seenInstanceIds) OR NOT contains(seenInstanceIds, :id)",
          ExpressionAttributeValues: { ":one": 1, ":ids": new Set([instanceId]), ":id": instanceId },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      const seen = out.Attributes?.seenInstanceIds as Set<string> | undefined;
      const cap = this.opts.seenCap ?? SEEN_CAP;
      if (seen && seen.size > cap) {
        await this.doc
          .send(new UpdateCommand({ TableName: this.table, Key: key, UpdateExpression: "REMOVE seenInstanceIds", ConditionExpression: "size(seenInstanceIds) > :cap", ExpressionAttributeValues: { ":cap": cap } }))
          .catch((err: unknown) => {
            if (!isConditionalCheckFailed(err)) throw err;
          });
      }
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }
}
