/**
 * costguard's DynamoDB tables, one shape for every capability (the runtime stores in
 * runtime/{failsafe,spot,waste,enforcer} and the dynalite tests assume it):
 * - on-demand billing: each table sees a few thousand small writes a month, cents on demand,
 *   where provisioned capacity would bill for idle hours;
 * - a string partition key `pk`, and a sort key `sk` where records are listed per key;
 * - TTL on `expiresAt` (epoch seconds) where records expire: DynamoDB deletes them eventually,
 *   so the readers also check expiry themselves;
 * - the `costguard:estimate` tag saying how much it holds and is used, for the cost estimate.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { GUARD_TABLE_TAGS } from "./estimateHints";
import { transformed, type Transform } from "./transform";

export interface GuardTableShape {
  /** Adds the sort key `sk` of this type (string or number). */
  sortKey?: "S" | "N";
  /** Whether items carry `expiresAt`; default true. */
  ttl?: boolean;
  /** Tags, usually the estimate hint; default GUARD_TABLE_TAGS (10 MB, generic usage). */
  tags?: Record<string, string>;
}

export function guardTableArgs(shape: GuardTableShape = {}): aws.dynamodb.TableArgs {
  const { sortKey, ttl = true, tags = GUARD_TABLE_TAGS } = shape;
  return {
    billingMode: "PAY_PER_REQUEST",
    hashKey: "pk",
    ...(sortKey ? { rangeKey: "sk" } : {}),
    attributes: [{ name: "pk", type: "S" }, ...(sortKey ? [{ name: "sk", type: sortKey }] : [])],
    ...(ttl ? { ttl: { attributeName: "expiresAt", enabled: true } } : {}),
    tags,
  };
}

export function guardTable(name: string, shape: GuardTableShape, opts: pulumi.CustomResourceOptions, transform?: Transform<aws.dynamodb.TableArgs>): aws.dynamodb.Table {
  return new aws.dynamodb.Table(...transformed(transform, name, guardTableArgs(shape), opts));
}
