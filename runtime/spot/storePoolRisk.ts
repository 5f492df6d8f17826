/**
 * Pool risk ("herd immunity"): a pool is region + AZ + instance type. An
 * interruption of an instance in a poisoning environment (default: prod) poisons its pool
 * for 15 days, so no one launches spot there meanwhile; lab and dev interruptions do not.
 * Expiry is checked on every read (DynamoDB's TTL deletes items only eventually, up to days
 * later) and the TTL attribute cleans up.
 *
 * The poisoned-until time only ever moves forward: the write is conditioned on the stored
 * value being earlier, and the counter is an atomic ADD, so concurrent writers lose nothing.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed } from "../shared/lease";
import { DAY_MS } from "./settings";

/** The IAM actions of the calls below, on the pool-risk table: readers (the advice) only get. */
export const POOL_RISK_STORE_ACTIONS = ["dynamodb:GetItem", "dynamodb:UpdateItem"] as const;
export const POOL_RISK_READ_ACTION = "dynamodb:GetItem";

export interface PoolRef {
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
}

export function poolId(p: PoolRef): string {
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

  async get(pool: PoolRef): Promise<PoolRisk> {
    const id = poolId(pool);
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: id } }));
    const item = out.Item as Record<string, unknown> | undefined;
    const poisonedUntil = item?.poisonedUntil as number | undefined;
    return {
      pool: id,
      poisoned: isPoisoned(poisonedUntil, this.now()),
      poisonedUntil,
      interruptions: Number(item?.interruptions ?? 0),
      lastInterruptionAt: item?.lastInterruptionAt as number | undefined,
      lastEnvironment: item?.lastEnvironment as string | undefined,
      lastInstanceId: item?.lastInstanceId as string | undefined,
    };
  }

  /**
   * Records an interruption. Only poisoning environments write (others are not a pool signal
   * worth storing); returns whether the pool is now poisoned by this interruption.
   */
  async recordInterruption(pool: PoolRef, i: { environment?: string; instanceId: string; at: number }): Promise<{ poisoned: boolean; poisonedUntil?: number }> {
    if (!poisons(i.environment, this.opts.poisoningEnvironments)) return { poisoned: false };
    const until = i.at + this.opts.poisonDays * DAY_MS;
    const key = { pk: poolId(pool) };
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: "SET poisonedUntil = :until, expiresAt = :ttl, lastInterruptionAt = :at, lastEnvironment = :env, lastInstanceId = :id ADD interruptions :one",
          ConditionExpression: "attribute_not_exists(poisonedUntil) OR poisonedUntil <= :until",
          ExpressionAttributeValues: { ":until": until, ":ttl": Math.ceil(until / 1000), ":at": i.at, ":env": i.environment, ":id": i.instanceId, ":one": 1 },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      // A later interruption already set a later expiry: keep it, count this one.
      await this.doc.send(new UpdateCommand({ TableName: this.table, Key: key, UpdateExpression: "ADD interruptions :one", ExpressionAttributeValues: { ":one": 1 } }));
    }
    return { poisoned: isPoisoned(until, this.now()), poisonedUntil: until };
  }
}
