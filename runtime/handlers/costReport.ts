/**
 * Lambda entry point of the daily cost report (SPEC S7): runs on its schedule (yesterday's
 * report) and serves the AdminCommand `report-now` (optional `date`) sent by guardctl.
 */
import { CostExplorerClient } from "@aws-sdk/client-cost-explorer";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { z } from "zod";
import { AdminCommand, ENV } from "../contract";
import { dynamoTableReader, type HistoryReaders } from "../report/history";
import { runDailyReport, type ReportDeps, type ReportSettings } from "../report/run";
import { createLogger, createMetrics, emitMetric } from "../shared/observability";
import { catalog } from "../pricing/catalog";

/** Runtime settings passed as JSON in COSTGUARD_SETTINGS by components/costReport.ts. */
export const CostReportSettings = z.object({
  maxCostExplorerRequests: z.number().int().min(1).max(5),
  monthlyBudgetUsd: z.number().positive().optional(),
});
export type CostReportSettings = z.infer<typeof CostReportSettings>;

const Env = z.object({
  [ENV.stack]: z.string().min(1),
  [ENV.reportBucket]: z.string().min(1),
  [ENV.alertTopicArn]: z.string().min(1).optional(),
  [ENV.settings]: z.string().transform((s, ctx) => {
    const r = CostReportSettings.safeParse(JSON.parse(s));
    if (!r.success) {
      ctx.addIssue({ code: "custom", message: `${ENV.settings} is invalid: ${r.error.message}` });
      return z.NEVER;
    }
    return r.data;
  }),
  [ENV.findingsTable]: z.string().min(1).optional(),
  [ENV.breakerTable]: z.string().min(1).optional(),
  [ENV.auditTable]: z.string().min(1).optional(),
});

/** A scheduled run carries no command; guardctl sends `{ command: "report-now", date? }`. */
export function parseInvocation(event: unknown): { date?: string } {
  if (event && typeof event === "object" && "command" in event) {
    const cmd = AdminCommand.parse(event);
    if (cmd.command !== "report-now") throw new Error(`the cost report function serves only report-now (got ${cmd.command})`);
    return { date: cmd.date };
  }
  return {};
}

const logger = createLogger("costguard-costReport");
let deps: { settings: ReportSettings; deps: ReportDeps } | undefined;

function build(): { settings: ReportSettings; deps: ReportDeps } {
  const env = Env.parse(process.env);
  const metrics = createMetrics("costguard-costReport");
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const readers: HistoryReaders = {};
  const findings = env[ENV.findingsTable];
  const breakers = env[ENV.breakerTable];
  const audit = env[ENV.auditTable];
  if (findings) readers.findings = dynamoTableReader(ddb, findings);
  if (breakers) readers.breakers = dynamoTableReader(ddb, breakers);
  if (audit) readers.audit = dynamoTableReader(ddb, audit);
  return {
    settings: {
      stack: env[ENV.stack],
      bucket: env[ENV.reportBucket],
      alertTopicArn: env[ENV.alertTopicArn],
      maxCostExplorerRequests: env[ENV.settings].maxCostExplorerRequests,
      monthlyBudgetUsd: env[ENV.settings].monthlyBudgetUsd,
    },
    deps: {
      // Cost Explorer's endpoint is global (us-east-1).
      ce: new CostExplorerClient({ region: "us-east-1" }),
      s3: new S3Client({}),
      sns: new SNSClient({}),
      readers,
      // On-demand prices of the spot hours, for the savings spot brought.
      priceBook: catalog,
      log: logger,
      emitDailyCost: (usd) => emitMetric(metrics, "dailyCostUsd", usd),
    },
  };
}

export async function handler(event: unknown) {
  let invocation: { date?: string };
  try {
    invocation = parseInvocation(event);
  } catch (err) {
    // A malformed command is answered, not retried.
    logger.error("malformed invocation", { error: (err as Error).message });
    return { ok: false, error: (err as Error).message };
  }
  deps ??= build();
  const result = await runDailyReport(deps.settings, deps.deps, invocation.date);
  return {
    ok: true,
    date: result.date,
    bucket: deps.settings.bucket,
    keys: result.keys,
    yesterdayUsd: result.report.yesterdayUsd,
    monthToDateUsd: result.report.monthToDateUsd,
    forecastUsd: result.report.forecast.usd,
    requestsUsed: result.report.requestsUsed,
  };
}
