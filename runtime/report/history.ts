/**
 * What the report reads from the other capabilities' tables, as the minimal record shapes it
 * relies on. The tables are built by other capabilities (waste scanner, spot breaker,
 * failsafe audit); each reader is optional (its table name env var may be unset) and
 * tolerant: items that do not match the shape are skipped and counted, never fatal.
 *
 * Minimal shapes (extra attributes are ignored):
 *  - waste finding  (COSTGUARD_FINDINGS_TABLE): { kind: string, resourceId: string,
 *      monthlyUsd: number, status?: "open" | "resolved" | string, environment?: string,
 *      region?: string }                        (`monthlyCostUsd` is accepted for monthlyUsd)
 *  - circuit breaker (COSTGUARD_BREAKER_TABLE): { instanceType: string,
 *      state: "closed" | "open" | "half-open", availabilityZone?: string,
 *      interruptions?: number, openedAt?: ISO string, cooldownMinutes?: number }
 *  - audit record   (COSTGUARD_AUDIT_TABLE):    { time: ISO string, action: string,
 *      environment?: string, dryRun?: boolean, resourceId?: string, kind?: string }
 */
import { paginateScan, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";

export const WasteFinding = z
  .object({
    kind: z.string().min(1),
    resourceId: z.string().min(1),
    monthlyUsd: z.number().nonnegative(),
    status: z.string().optional(),
    environment: z.string().optional(),
    region: z.string().optional(),
  })
  .loose();
export type WasteFinding = z.infer<typeof WasteFinding>;

export const BreakerRecord = z
  .object({
    instanceType: z.string().min(1),
    state: z.enum(["closed", "open", "half-open"]),
    availabilityZone: z.string().optional(),
    interruptions: z.number().int().nonnegative().optional(),
    openedAt: z.string().optional(),
    cooldownMinutes: z.number().optional(),
  })
  .loose();
export type BreakerRecord = z.infer<typeof BreakerRecord>;

export const AuditRecord = z
  .object({
    time: z.string().datetime({ offset: true }),
    action: z.string().min(1),
    environment: z.string().optional(),
    dryRun: z.boolean().optional(),
    resourceId: z.string().optional(),
    kind: z.string().optional(),
  })
  .loose();
export type AuditRecord = z.infer<typeof AuditRecord>;

/** Everything the recommendations read; a reader that is absent yields undefined. */
export interface History {
  findings?: WasteFinding[];
  breakers?: BreakerRecord[];
  audit?: AuditRecord[];
  /** Items skipped because they did not match the shapes above. */
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

function parseAll<T>(schema: z.ZodType<T>, items: Record<string, unknown>[], counter: { skipped: number }): T[] {
  const out: T[] = [];
  for (const item of items) {
    const r = schema.safeParse(item);
    if (r.success) out.push(r.data);
    else counter.skipped++;
  }
  return out;
}

/** Reads the history; audit records older than `since` are dropped. */
export async function readHistory(readers: HistoryReaders, since: string): Promise<History> {
  const counter = { skipped: 0 };
  const history: History = { skipped: 0 };
  if (readers.findings) {
    const raw = (await readers.findings()).map((i) => ("monthlyUsd" in i ? i : { ...i, monthlyUsd: i.monthlyCostUsd }));
    history.findings = parseAll(WasteFinding, raw, counter).filter((f) => f.status === undefined || f.status === "open");
  }
  if (readers.breakers) history.breakers = parseAll(BreakerRecord, await readers.breakers(), counter);
  if (readers.audit) history.audit = parseAll(AuditRecord, await readers.audit(), counter).filter((a) => new Date(a.time).toISOString() >= since);
  history.skipped = counter.skipped;
  return history;
}
