/**
 * The enforcer's table: its flags (costguard's own record of when it first saw an unauthorised
 * instance: the only clock the grace period trusts) and its audit records.
 *
 * Table (hash `pk`, range `sk`):
 *   pk "flag",               sk <instanceId>             { since, environment, instanceType }
 *                            (outside the function's own account and region, sk is
 *                            `<account>/<region>/<instanceId>`: see shared/unitScope.ts)
 *   pk "lease#enforcer",     sk "lease"                  one run at a time (runtime/shared/lease.ts)
 *   pk "audit#<YYYY-MM-DD>", sk <time>#<instanceId>#<event> { ... , expiresAt } (TTL)
 */
import { DeleteCommand, PutCommand, paginateQuery, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Lease } from "../shared/lease";

/** The IAM actions of the calls below on the enforcer's table (GetItem, UpdateItem: the run lease). */
export const STORE_ACTIONS = ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:UpdateItem"] as const;

export type AuditEvent = "flagged" | "re-tagged" | "unflagged" | "stopped" | "terminated" | "action-failed" | "grace-over-audit-only";

export interface AuditRecord {
  time: string;
  instanceId: string;
  event: AuditEvent;
  mode: string;
  since?: string;
  instanceType?: string;
  environment?: string;
  detail?: string;
  /** The instance's account and region (absent on records written before scopes, and without one). */
  account?: string;
  region?: string;
}

/** Audit records are kept this long. */
export const AUDIT_RETENTION_DAYS = 400;

export class EnforcerStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The enforcer's one-run-at-a-time lease, in its table (string sort key). */
  lease(now: () => number): Lease {
    return new Lease(this.doc, this.table, "enforcer", { sortKey: { sk: "lease" }, now });
  }

  async flags(): Promise<Map<string, string>> {
    const flags = new Map<string, string>();
    for await (const page of paginateQuery({ client: this.doc }, { TableName: this.table, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": "flag" } })) {
      for (const item of page.Items ?? []) flags.set(String(item.sk), String(item.since));
    }
    return flags;
  }

  async setFlag(id: string, since: string, extra: Record<string, string>): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: "flag", sk: id, since, ...extra } }));
  }

  async clearFlag(id: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: "flag", sk: id } }));
  }

  async audit(r: AuditRecord): Promise<void> {
    const expiresAt = Math.floor(Date.parse(r.time) / 1000) + AUDIT_RETENTION_DAYS * 86400;
    const item = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: `audit#${r.time.slice(0, 10)}`, sk: `${r.time}#${r.instanceId}#${r.event}`, ...item, expiresAt } }));
  }

  /** Audit records of one UTC day, oldest first. */
  async auditOn(date: string): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    for await (const page of paginateQuery({ client: this.doc }, { TableName: this.table, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": `audit#${date}` } })) {
      for (const item of page.Items ?? []) out.push(item as AuditRecord);
    }
    return out;
  }
}
