/**
 * The failsafe's DynamoDB tables. Single-item writes only (conditional where it matters), so
 * the code runs the same against DynamoDB and dynalite.
 *
 * - samples: pk = `runs`, sk = epoch ms, `usd` = { group → $/h } of every group sampled by that
 *            check; `expiresAt` (TTL, epoch seconds). One item per run (one write instead of one per
 *            group), read with one query per run: it pays for the lease's two writes.
 * - state:   pk = `env#<group>`, sk = `status` (EnvironmentState) or `saved#<kind>#<id>`
 *            (the values before a stop; written once, so a retry never overwrites them);
 *            pk = `lease#failsafe`, sk = `lease`: one run at a time per stack (runtime/shared/lease.ts);
 *            pk = `once#failsafe-alert#<digest>`, sk = `once`: an alert already sent (expiresAt, TTL).
 * - audit:   pk = group or `decisions`, sk = `<iso time>#<run>#<seq>`; `expiresAt` (TTL).
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, paginateQuery, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { claimOnce, isConditionalCheckFailed, Lease } from "../shared/lease";
import type { EnvironmentState, Sample, StopAction } from "./model";

/** The IAM actions of the calls below on the three tables (UpdateItem: the run lease, runtime/shared/lease.ts). */
export const STORE_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"] as const;

export interface TableNames {
  samples: string;
  state: string;
  audit: string;
}

const AUDIT_RETENTION_DAYS = 400;
/** The partition of the samples table holding one item per check. */
const SAMPLES_PK = "runs";

/**
 * Key of a saved pre-stop value. A resource of another unit carries its account and region:
 * two accounts may each have an Auto Scaling group named "web".
 */
export const savedKey = (a: StopAction): string => (a.unit ? `saved#${a.kind}#${a.unit.account}/${a.unit.region}#${a.id}` : `saved#${a.kind}#${a.id}`);

export interface AuditRecord {
  group: string;
  type: "decision" | "action" | "restore" | "command" | "units";
  time: number;
  runId: string;
  summary: string;
  detail?: Record<string, unknown>;
}


export class FailsafeStore {
  private seq = 0;
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    private readonly retentionHours: number,
  ) {}

  /** The $/h of every group at one check, as one item. */
  async putSamples(time: number, usdByGroup: Record<string, number>): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tables.samples,
        Item: { pk: SAMPLES_PK, sk: time, usd: usdByGroup, expiresAt: Math.floor(time / 1000) + this.retentionHours * 3600 },
      }),
    );
  }

  /** Every group's samples since `from` (epoch ms), oldest first. TTL deletes lazily, so the range is explicit. */
  async samplesSince(from: number): Promise<Record<string, Sample[]>> {
    const out: Record<string, Sample[]> = {};
    const pages = paginateQuery(
      { client: this.db },
      { TableName: this.tables.samples, KeyConditionExpression: "pk = :p AND sk >= :from", ExpressionAttributeValues: { ":p": SAMPLES_PK, ":from": from } },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        for (const [group, usd] of Object.entries((item.usd ?? {}) as Record<string, unknown>)) (out[group] ??= []).push({ time: Number(item.sk), usdPerHour: Number(usd) });
      }
    }
    return out;
  }

  /** The latest check's samples, if any: its time and each group's $/h. */
  async latestSamples(): Promise<{ time: number; usd: Record<string, number> } | undefined> {
    const out = await this.db.send(
      new QueryCommand({ TableName: this.tables.samples, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": SAMPLES_PK }, ScanIndexForward: false, Limit: 1 }),
    );
    const item = out.Items?.[0];
    return item ? { time: Number(item.sk), usd: Object.fromEntries(Object.entries((item.usd ?? {}) as Record<string, unknown>).map(([g, v]) => [g, Number(v)])) } : undefined;
  }

  async getState(group: string): Promise<EnvironmentState | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tables.state, Key: { pk: `env#${group}`, sk: "status" } }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...state } = out.Item;
    return state as EnvironmentState;
  }

  async putState(state: EnvironmentState): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tables.state, Item: { pk: `env#${state.environment}`, sk: "status", ...stripUndefined(state) } }));
  }

  /**
   * Saves the values before a stop. Written only if absent: when a run is retried after a
   * partial failure the first (pre-stop) values survive. Returns false when already saved.
   */
  async saveBeforeStop(action: StopAction, time: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tables.state,
          Item: { pk: `env#${action.environment}`, sk: savedKey(action), action: { ...action, dryRun: false }, savedAt: time },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  /** Every saved pre-stop value of a group (what restore brings back). */
  async savedActions(group: string): Promise<StopAction[]> {
    const out: StopAction[] = [];
    const pages = paginateQuery(
      { client: this.db },
      { TableName: this.tables.state, KeyConditionExpression: "pk = :p AND begins_with(sk, :s)", ExpressionAttributeValues: { ":p": `env#${group}`, ":s": "saved#" } },
    );
    for await (const page of pages) for (const item of page.Items ?? []) out.push(item.action as StopAction);
    return out;
  }

  async forgetSaved(action: StopAction): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tables.state, Key: { pk: `env#${action.environment}`, sk: savedKey(action) } }));
  }

  /** The stack's one-run-at-a-time lease, in the state table (string sort key). */
  lease(now: () => number): Lease {
    return new Lease(this.db, this.tables.state, "failsafe", { sortKey: { sk: "lease" }, now });
  }

  /** True the first time an alert with this digest is claimed within `ttlMs`: send it then only. */
  claimAlert(digest: string, ttlMs: number, now: number): Promise<boolean> {
    return claimOnce(this.db, this.tables.state, `failsafe-alert#${digest}`, ttlMs, { sortKey: { sk: "once" }, now: () => now });
  }

  async audit(record: AuditRecord): Promise<void> {
    const sk = `${new Date(record.time).toISOString()}#${record.runId}#${String(this.seq++).padStart(5, "0")}`;
    await this.db.send(
      new PutCommand({
        TableName: this.tables.audit,
        Item: { pk: record.group, sk, ...stripUndefined(record), expiresAt: Math.floor(record.time / 1000) + AUDIT_RETENTION_DAYS * 86400 },
      }),
    );
  }

  /** The latest audit records of a group, newest first. */
  async recentAudit(group: string, limit: number): Promise<AuditRecord[]> {
    const out = await this.db.send(
      new QueryCommand({ TableName: this.tables.audit, KeyConditionExpression: "pk = :g", ExpressionAttributeValues: { ":g": group }, ScanIndexForward: false, Limit: limit }),
    );
    return (out.Items ?? []).map((i) => ({ group: i.group, type: i.type, time: i.time, runId: i.runId, summary: i.summary, detail: i.detail }) as AuditRecord);
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
