/**
 * A write-ahead journal per group, in the optimizer's own table, so that a swap or rebalance
 * is never left half-done by a run that dies (Lambda timeout, crash, throttled retries): each
 * run writes what it is about to do, with the values it found before it started, and the next
 * run that takes the group's lease reads the journal and finishes or undoes that work before
 * starting anything new.
 *
 * One item per group (`journal#<kind>#<group>`), single-item conditional writes only:
 *  - `begin` creates it only if none exists (one piece of work per group at a time);
 *  - `adopt` hands it to a later holder of the group's lease (a larger fence);
 *  - `save` and `finish` succeed only for the holder whose fence it carries, so a run that
 *    outlived its lease can no longer write over the next one's progress.
 * The item has no TTL: a journal must outlive any outage until a run has settled it.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed } from "./lease";

/** The IAM actions of the calls below, on the table that holds the journals (and the leases that guard them). */
export const JOURNAL_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"] as const;

export interface JournalEntry<T> {
  fence: number;
  startedAt: number;
  updatedAt: number;
  data: T;
}

/** The journal moved on without us: another run holds the group now. */
export class JournalFenceLost extends Error {
  constructor(key: string, fence: number) {
    super(`journal ${key}: another run took it over (our fence ${fence} is stale); leaving the group to it`);
    this.name = "JournalFenceLost";
  }
}

export class JournalStore<T extends object> {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    /** What is journaled, e.g. `asg-swap` or `node-rebalance`. */
    private readonly kind: string,
    private readonly now: () => number = Date.now,
  ) {}

  key(group: string): string {
    return `journal#${this.kind}#${group}`;
  }

  async get(group: string): Promise<JournalEntry<T> | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: this.key(group) }, ConsistentRead: true }));
    return Item ? { fence: Number(Item.fence), startedAt: Number(Item.startedAt), updatedAt: Number(Item.updatedAt), data: Item.data as T } : undefined;
  }

  /** Starts the journal; false when one already exists (someone else's work to settle first). */
  async begin(group: string, fence: number, data: T): Promise<boolean> {
    const now = this.now();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: this.key(group), fence, startedAt: now, updatedAt: now, data: plain(data) },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  /** Takes the journal over with this run's (larger) fence; undefined when there is none or a newer holder has it. */
  async adopt(group: string, fence: number): Promise<JournalEntry<T> | undefined> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: this.key(group) },
          UpdateExpression: "SET fence = :f, updatedAt = :now",
          ConditionExpression: "attribute_exists(pk) AND fence <= :f",
          ExpressionAttributeValues: { ":f": fence, ":now": this.now() },
          ReturnValues: "ALL_NEW",
        }),
      );
      const a = out.Attributes!;
      return { fence, startedAt: Number(a.startedAt), updatedAt: Number(a.updatedAt), data: a.data as T };
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  /** Records progress; throws JournalFenceLost when another run holds the journal now. */
  async save(group: string, fence: number, data: T): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: this.key(group) },
          UpdateExpression: "SET #data = :d, updatedAt = :now",
          ConditionExpression: "fence = :f",
          ExpressionAttributeNames: { "#data": "data" },
          ExpressionAttributeValues: { ":d": plain(data), ":f": fence, ":now": this.now() },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new JournalFenceLost(this.key(group), fence);
      throw err;
    }
  }

  /** The work is settled: the journal goes (only ours). */
  async finish(group: string, fence: number): Promise<void> {
    try {
      await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: this.key(group) }, ConditionExpression: "fence = :f", ExpressionAttributeValues: { ":f": fence } }));
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new JournalFenceLost(this.key(group), fence);
      throw err;
    }
  }
}

/** Plain JSON data (no undefined values, which DynamoDB cannot store). */
function plain<T>(data: T): T {
  return JSON.parse(JSON.stringify(data)) as T;
}
