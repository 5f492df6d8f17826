/**
 * What the report reads from the other capabilities' tables. It decodes the items exactly as
 * their stores write them (each reader is optional: its table name env var may be unset) into
 * the small records the recommendations use. Items that are not records (bookkeeping) are
 * ignored; records that do not decode are skipped and counted, never fatal.
 *
 *  - waste findings (COSTGUARD_FINDINGS_TABLE): items keyed `finding#<kind>#<resourceId>` are
 *    findings; `seen#…` and `scan#last` are bookkeeping.
 *  - circuit breakers (COSTGUARD_BREAKER_TABLE): pk is the breaker key (`<type>` or
 *    `<type>@<az>`), with the stored state and counters.
 *  - failsafe audit (COSTGUARD_AUDIT_TABLE): items of type "action" carry the action's summary
 *    (environment, kind, id, outcome) in `detail`; decision, command and restore records are not actions.
 *
 * Their keys and shapes are runtime/contract.ts's (the writers use the same), so the report
 * imports nothing of the capabilities that write them.
 */
import { paginateScan, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { AuditActionItem, BreakerItem, FINDING_KEY_PREFIX, FindingItem, parseBreakerKey } from "../contract";
import * as z from "../shared/zod";

/** The IAM action of the reads below, on each table the report reads. */
export const HISTORY_ACTION = "dynamodb:Scan";

export interface BreakerRecord {
  instanceType: string;
  availabilityZone?: string;
  state: "closed" | "open" | "half-open";
  interruptions?: number;
}

export interface AuditRecord {
  /** ISO time of the action. */
  time: string;
  /** The stop action's kind: stop-instance, scale-asg, scale-service, stop-db. */
  action: string;
  environment: string;
  resourceId: string;
  dryRun: boolean;
}

/** Everything the recommendations read; a reader that is absent yields undefined. */
export interface History {
  findings?: FindingItem[];
  breakers?: BreakerRecord[];
  audit?: AuditRecord[];
  /** Records skipped because they did not decode. */
  skipped: number;
}

/** One source of records (a DynamoDB table in AWS, an array in tests). */
export type RecordReader = () => Promise<Record<string, unknown>[]>;

export interface HistoryReaders {
  findings?: RecordReader;
  breakers?: RecordReader;
  audit?: RecordReader;
}

/** Scans a whole table (they are small: one item per finding, breaker or action), at most maxPages pages. */
export function dynamoTableReader(ddb: DynamoDBDocumentClient, tableName: string, maxPages = 20): RecordReader {
  return async () => {
    const items: Record<string, unknown>[] = [];
    let pages = 0;
    for await (const page of paginateScan({ client: ddb }, { TableName: tableName })) {
      for (const item of page.Items ?? []) items.push(item);
      if (++pages >= maxPages) break;
    }
    return items;
  };
}

/**
 * Decodes the items that are records (`isRecord`): one that does not match `schema` is skipped
 * and counted; `toRecord` may leave out a well-formed record the report has no use for.
 */
function decodeAll<T, S>(schema: z.ZodMiniType<S>, items: Record<string, unknown>[], isRecord: (item: Record<string, unknown>) => boolean, toRecord: (stored: S) => T | undefined, counter: { skipped: number }): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (!isRecord(item)) continue;
    const r = schema.safeParse(item);
    if (!r.success) {
      counter.skipped++;
      continue;
    }
    const record = toRecord(r.data);
    if (record) out.push(record);
  }
  return out;
}

const isFinding = (item: Record<string, unknown>) => String(item.pk).startsWith(FINDING_KEY_PREFIX);
const isAuditAction = (item: Record<string, unknown>) => item.type === "action";
const always = () => true;

/** Reads the history; audit records older than `since` are dropped. */
export async function readHistory(readers: HistoryReaders, since: string): Promise<History> {
  const counter = { skipped: 0 };
  const history: History = { skipped: 0 };
  if (readers.findings) {
    history.findings = decodeAll(FindingItem, await readers.findings(), isFinding, (f) => f, counter).filter((f) => f.status === undefined || f.status === "open");
  }
  if (readers.breakers) {
    history.breakers = decodeAll(BreakerItem, await readers.breakers(), always, (b) => ({ ...parseBreakerKey(b.pk), state: b.state, interruptions: b.interruptions }), counter);
  }
  if (readers.audit) {
    // Failed attempts were alerted when they happened; the report counts what was done or would have been.
    const toAction = (a: AuditActionItem): AuditRecord | undefined =>
      a.detail.outcome === "applied" || a.detail.outcome === "dry-run"
        ? { time: new Date(a.time).toISOString(), action: a.detail.kind, environment: a.detail.environment, resourceId: a.detail.id, dryRun: a.detail.outcome === "dry-run" }
        : undefined;
    history.audit = decodeAll(AuditActionItem, await readers.audit(), isAuditAction, toAction, counter).filter((a) => a.time >= since);
  }
  history.skipped = counter.skipped;
  return history;
}
