/**
 * The findings table: open and resolved findings with first/last seen, and the "first seen"
 * times the API cannot give (when a volume was detached, an EIP released, an instance stopped).
 *
 * Items (hash key `pk`):
 *   finding#<kind>#<resourceId>  a StoredFinding; resolved ones carry `expiresAt` (TTL)
 *   seen#<category>#<resourceId> { since }: first time the resource was seen in that state
 *   (outside the function's own account and region, <resourceId> is `<account>/<region>/<id>`
 *   in these keys and in mark#: see shared/unitScope.ts; older items are the function's own unit's)
 *   scan#last                    { at, openFindings, totalMonthlyUsd }: the latest scan; an open
 *                                finding's lastSeen is this time, unless its item says the scans
 *                                could not read its unit since (`notCheckedSince`)
 *   mark#<resourceId>            a CleanupMark: costguard's own record of a clean-up mark
 *   lease#waste-scanner          one run at a time (runtime/shared/lease.ts)
 *
 * One Scan per run reads everything; the diff is computed in memory (`reconcileFindings`) and
 * only what changed is written, in batches of 25. One run at a time holds the table's lease.
 */
import { BatchWriteCommand, DeleteCommand, PutCommand, paginateScan, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { FINDING_KEY_PREFIX, findingKey } from "../contract";
import { Lease } from "../shared/lease";
import type { CleanupMark, Finding, StoredFinding } from "./model";

/** The IAM actions of the calls below on the findings table (GetItem, UpdateItem: the run lease). */
export const STORE_ACTIONS = ["dynamodb:Scan", "dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:UpdateItem"] as const;

export const SEEN_CATEGORIES = ["unattached-volume", "unattached-eip", "stopped-instance"] as const;
export type SeenCategory = (typeof SEEN_CATEGORIES)[number];

/** Resolved findings stay this long (then DynamoDB's TTL removes them). */
export const RESOLVED_RETENTION_DAYS = 90;

export interface StoredState {
  findings: StoredFinding[];
  /** Time of the latest scan, when there was one. */
  lastScan?: string;
  seen: Record<SeenCategory, Map<string, string>>;
  /** costguard's own clean-up marks, by resource id. */
  marks: Map<string, CleanupMark>;
}

export interface Reconciliation {
  /** Every finding now open, with its history. */
  open: StoredFinding[];
  /** Findings new in this run (or back after being resolved). */
  opened: StoredFinding[];
  /** Findings open before and gone now. */
  resolved: StoredFinding[];
  /**
   * Items to write: new, resolved, and open ones whose figures changed. An unchanged open
   * finding is not rewritten: its lastSeen is the latest scan's time (kept in one item), so a
   * daily scan of thousands of findings costs a handful of writes, not thousands.
   */
  writes: StoredFinding[];
  /** True when the set of open findings changed. */
  changed: boolean;
}

function sameFigures(a: Finding, b: Finding): boolean {
  return a.monthlyUsd === b.monthlyUsd && a.upperBound === b.upperBound && a.environment === b.environment && a.detail === b.detail && a.since === b.since && a.region === b.region && (a.account === undefined || b.account === undefined || a.account === b.account);
}

export function reconcileFindings(previous: StoredFinding[], current: Finding[], now: Date): Reconciliation {
  const at = now.toISOString();
  const before = new Map(previous.map((p) => [p.id, p]));
  const open: StoredFinding[] = [];
  const opened: StoredFinding[] = [];
  const writes: StoredFinding[] = [];
  for (const f of current) {
    const p = before.get(f.id);
    const stillOpen = p?.status === "open";
    const item: StoredFinding = { ...f, status: "open", firstSeen: stillOpen ? p.firstSeen : at, lastSeen: at };
    open.push(item);
    if (!stillOpen) opened.push(item);
    // A finding read again after scans could not read its unit: the item drops notCheckedSince.
    if (!stillOpen || !sameFigures(p, f) || p.notCheckedSince) writes.push(item);
  }
  const currentIds = new Set(current.map((f) => f.id));
  const resolved = previous
    .filter((p) => p.status === "open" && !currentIds.has(p.id))
    .map((p): StoredFinding => ({ ...p, status: "resolved", resolvedAt: at }));
  return { open, opened, resolved, writes: [...writes, ...resolved], changed: opened.length > 0 || resolved.length > 0 };
}

/** First-seen maps with nothing in them. */
export const emptySeen = (): StoredState["seen"] => ({ "unattached-volume": new Map(), "unattached-eip": new Map(), "stopped-instance": new Map() });

const LAST_SCAN_KEY = "scan#last";
const seenKey = (category: SeenCategory, id: string) => `seen#${category}#${id}`;
const MARK_KEY_PREFIX = "mark#";

export class FindingsStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly opts: { maxAttempts?: number; backoffMs?: number } = {},
  ) {}

  async load(): Promise<StoredState> {
    const state: StoredState = { findings: [], seen: emptySeen(), marks: new Map() };
    for await (const page of paginateScan({ client: this.doc }, { TableName: this.table })) {
      for (const item of page.Items ?? []) {
        const pk = String(item.pk ?? "");
        if (pk.startsWith(FINDING_KEY_PREFIX)) {
          const { pk: _pk, expiresAt: _ttl, ...finding } = item;
          state.findings.push(finding as StoredFinding);
        } else if (pk === LAST_SCAN_KEY) {
          state.lastScan = String(item.at);
        } else if (pk.startsWith("seen#")) {
          const category = item.category as SeenCategory;
          state.seen[category]?.set(String(item.resourceId), String(item.since));
        } else if (pk.startsWith(MARK_KEY_PREFIX)) {
          const { pk: _pk, ...mark } = item;
          // Keyed as written: the bare resource id in the function's own unit, unit-qualified elsewhere.
          state.marks.set(pk.slice(MARK_KEY_PREFIX.length), mark as CleanupMark);
        }
      }
    }
    // Open findings were seen by the latest scan, whether or not their item was rewritten then,
    // unless it could not read their unit (it wrote that in the item).
    if (state.lastScan) for (const f of state.findings) if (f.status === "open" && !f.notCheckedSince && f.lastSeen < state.lastScan) f.lastSeen = state.lastScan;
    return state;
  }

  /** Writes changed findings and the first-seen maps' differences from what was loaded. */
  async save(writes: StoredFinding[], seenBefore: StoredState["seen"], seenNow: StoredState["seen"], now: Date, summary: { openFindings: number; totalMonthlyUsd: number }): Promise<number> {
    const requests: Record<string, unknown>[] = [{ PutRequest: { Item: { pk: LAST_SCAN_KEY, at: now.toISOString(), ...summary } } }];
    const expiresAt = Math.floor(now.getTime() / 1000) + RESOLVED_RETENTION_DAYS * 86400;
    for (const f of writes) {
      requests.push({ PutRequest: { Item: { pk: findingKey(f.id), ...stripUndefined(f), ...(f.status === "resolved" ? { expiresAt } : {}) } } });
    }
    for (const category of SEEN_CATEGORIES) {
      const before = seenBefore[category];
      const after = seenNow[category];
      for (const [id, since] of after) {
        if (before.get(id) !== since) requests.push({ PutRequest: { Item: { pk: seenKey(category, id), category, resourceId: id, since } } });
      }
      for (const id of before.keys()) if (!after.has(id)) requests.push({ DeleteRequest: { Key: { pk: seenKey(category, id) } } });
    }
    for (let i = 0; i < requests.length; i += 25) await this.batchWrite(requests.slice(i, i + 25));
    return requests.length;
  }

  /** Records a clean-up mark (or its backup) costguard made, under `key` (unit-qualified outside the function's own unit). */
  async putMark(mark: CleanupMark, key = mark.resourceId): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: `${MARK_KEY_PREFIX}${key}`, ...stripUndefined(mark) } }));
  }

  async deleteMark(key: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: `${MARK_KEY_PREFIX}${key}` } }));
  }

  /** The scanner's one-run-at-a-time lease, in this table (no sort key). */
  lease(now: () => number): Lease {
    return new Lease(this.doc, this.table, "waste-scanner", { now });
  }

  private async batchWrite(requests: Record<string, unknown>[]): Promise<void> {
    const maxAttempts = this.opts.maxAttempts ?? 8;
    let pending = requests;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending as never } }));
      pending = (out.UnprocessedItems?.[this.table] ?? []) as Record<string, unknown>[];
      if (pending.length === 0) return;
      // Throttled: DynamoDB hands back what it could not write; retry with backoff, then give up loudly.
      if (attempt >= maxAttempts) throw new Error(`findings table ${this.table}: ${pending.length} writes still unprocessed after ${attempt} attempts`);
      await new Promise((r) => setTimeout(r, (this.opts.backoffMs ?? 50) * 2 ** attempt));
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
