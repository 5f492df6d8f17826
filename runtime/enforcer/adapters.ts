/**
 * The enforcer's I/O: EC2 inventory and actions, and its table of flags and audit records.
 *
 * Table (hash `pk`, range `sk`):
 *   pk "flag",               sk <instanceId>             { since, environment, instanceType }
 *   pk "lease#enforcer",     sk "lease"                  one run at a time (runtime/shared/lease.ts)
 *   pk "audit#<YYYY-MM-DD>", sk <time>#<instanceId>#<event> { ... , expiresAt } (TTL)
 */
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstanceAttributeCommand,
  paginateDescribeInstances,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { DeleteCommand, PutCommand, paginateQuery, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Lease } from "../shared/lease";
import { TAGS } from "../contract";
import type { InstanceRecord } from "./decide";

export async function listInstances(ec2: EC2Client): Promise<InstanceRecord[]> {
  const out: InstanceRecord[] = [];
  const filter = { Filters: [{ Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] }] };
  for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 1000 }, filter)) {
    for (const r of page.Reservations ?? []) {
      for (const i of r.Instances ?? []) {
        if (!i.InstanceId) continue;
        const tags: Record<string, string> = {};
        for (const t of i.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? "";
        out.push({ id: i.InstanceId, state: i.State?.Name ?? "unknown", instanceType: i.InstanceType ?? "unknown", tags, launchTime: i.LaunchTime ? new Date(i.LaunchTime).toISOString() : undefined });
      }
    }
  }
  return out;
}

/**
 * Which of these instances have termination protection on. The attribute is not in
 * DescribeInstances, so it takes one call per instance: only unauthorised candidates are
 * asked, a few at a time to stay under EC2's request rate.
 */
export async function withTerminationProtection(ec2: EC2Client, ids: string[], concurrency = 5): Promise<Set<string>> {
  const on = new Set<string>();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const out = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: "disableApiTermination" }));
      if (out.DisableApiTermination?.Value) on.add(id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return on;
}

export class Ec2Actions {
  constructor(private readonly ec2: EC2Client) {}
  tag(id: string, since: string) {
    return this.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: TAGS.unauthorizedSince, Value: since }] }));
  }
  untag(id: string) {
    return this.ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: TAGS.unauthorizedSince }] }));
  }
  stop(id: string) {
    return this.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
  }
  terminate(id: string) {
    return this.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  }
}

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
