/**
 * Lambda entry point of the daily cost report: runs on its schedule (yesterday's
 * report) and serves the AdminCommand `report-now` (optional `date`) sent by guardctl.
 * Anything else (null, "hello", 42, a mistyped command, 2026-13-45) is refused before the
 * first paid Cost Explorer request.
 */
import { CostExplorerClient } from "@aws-sdk/client-cost-explorer";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import * as z from "../shared/zod";
import { AdminCommand, ENV } from "../contract";
import { dynamoTableReader, type HistoryReaders } from "../report/inventoryHistory";
import { runDailyReport, type ReportDeps, type ReportSettings } from "../report/run";
import { costReportSettingsFromEnv } from "../report/settings";
import { commandKeyHint, describeIssues, isPlainObject, isScheduledEvent, preview } from "../shared/invocation";
import { createLogger, createMetrics, emitMetric } from "../shared/observability";
import { catalog } from "../pricing/catalog";

const Env = z.object({
  [ENV.stack]: z.string().check(z.minLength(1)),
  [ENV.reportBucket]: z.string().check(z.minLength(1)),
  [ENV.alertTopicArn]: z.optional(z.string().check(z.minLength(1))),
  [ENV.findingsTable]: z.optional(z.string().check(z.minLength(1))),
  [ENV.breakerTable]: z.optional(z.string().check(z.minLength(1))),
  [ENV.auditTable]: z.optional(z.string().check(z.minLength(1))),
});

/** The shapes the cost report function accepts, named in every refusal. */
export const COST_REPORT_ACCEPTS = 'an EventBridge "Scheduled Event" (source aws.events), or {"command":"report-now","date"?:"YYYY-MM-DD"} with a day before today (UTC)';

/**
 * The event → what to run: a scheduled event reports on yesterday; guardctl's `report-now`
 * on its date. Anything else throws, before any Cost Explorer request ($0.01 each) is made.
 */
export function parseInvocation(event: unknown, now: Date = new Date()): { date?: string } {
  if (!isPlainObject(event)) throw new Error(`expected a JSON object (${COST_REPORT_ACCEPTS}), got ${Array.isArray(event) ? "an array" : preview(event)}`);
  if (!("command" in event)) {
    if (isScheduledEvent(event)) return {};
    throw new Error(`not a scheduled event or a report-now command${commandKeyHint(event)}: got ${preview(event)}; expected ${COST_REPORT_ACCEPTS}`);
  }
  const parsed = AdminCommand.safeParse(event);
  if (!parsed.success) throw new Error(`malformed command (${describeIssues(parsed.error)}); expected ${COST_REPORT_ACCEPTS}`);
  const cmd = parsed.data;
  if (cmd.command !== "report-now") throw new Error(`the cost report function serves only report-now (got ${cmd.command})`);
  // Cost Explorer has no full data for today: refuse here rather than fail after paying.
  if (cmd.date !== undefined && cmd.date >= now.toISOString().slice(0, 10)) throw new Error(`report-now needs a day before today (got ${cmd.date}, today is ${now.toISOString().slice(0, 10)} UTC)`);
  return { date: cmd.date };
}

const logger = createLogger("costguard-costReport");
let deps: { settings: ReportSettings; deps: ReportDeps } | undefined;

function build(): { settings: ReportSettings; deps: ReportDeps } {
  const env = Env.parse(process.env);
  const settings = costReportSettingsFromEnv(process.env);
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
      maxCostExplorerRequests: settings.maxCostExplorerRequests,
      monthlyBudgetUsd: settings.monthlyBudgetUsd,
      byAccountAndRegion: settings.byAccountAndRegion,
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
    // Refused before any AWS call; answered, not retried.
    logger.error("cost report event refused", { error: (err as Error).message, event: preview(event, 500) });
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
