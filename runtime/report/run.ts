/**
 * The daily cost report's run: fetch (Cost Explorer, under the request budget) → history
 * (optional tables) → figures and recommendations (pure) → render → store → summary event
 * and the DailyCostUsd metric. Everything AWS-facing is a dependency, so tests and the sample
 * generator run it against fakes.
 */
import type { CostExplorerClient } from "@aws-sdk/client-cost-explorer";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { PriceBook } from "../pricing/types";
import { publishEvent } from "../shared/events";
import type { Log } from "../shared/observability";
import { addDays, isoDay } from "./dates";
import { recommend } from "./decide";
import { fetchCostData } from "./inventory";
import { readHistory, type HistoryReaders } from "./inventoryHistory";
import { buildReport, type DailyCostReport } from "./model";
import { keyFigures, renderHtml, renderMarkdown, usd } from "./render";
import { storeReport } from "./store";

export interface ReportSettings {
  stack: string;
  bucket: string;
  alertTopicArn?: string;
  maxCostExplorerRequests: number;
  monthlyBudgetUsd?: number;
  /** Organisation mode: by linked account and region too. */
  byAccountAndRegion?: boolean;
}

export interface ReportDeps {
  ce: CostExplorerClient;
  s3: S3Client;
  sns?: SNSClient;
  readers: HistoryReaders;
  priceBook?: PriceBook;
  log: Log;
  /** Emits the DailyCostUsd metric (EMF in Lambda). */
  emitDailyCost?: (usd: number) => void;
  now?: () => Date;
}

export interface ReportRunResult {
  date: string;
  keys: { markdown: string; html: string };
  report: DailyCostReport;
}

export async function runDailyReport(settings: ReportSettings, deps: ReportDeps, date?: string): Promise<ReportRunResult> {
  const now = deps.now?.() ?? new Date();
  const today = isoDay(now);
  const reportDate = date ?? addDays(today, -1);
  if (reportDate >= today) throw new Error(`report-now needs a day before today (got ${reportDate}; Cost Explorer has no full data for today)`);

  const data = await fetchCostData(deps.ce, { reportDate, today, maxRequests: settings.maxCostExplorerRequests, byAccountAndRegion: settings.byAccountAndRegion });
  const history = await readHistory(deps.readers, new Date(now.getTime() - 7 * 86_400_000).toISOString());
  const report = buildReport(data, { stack: settings.stack, reportDate, now, priceBook: deps.priceBook, monthlyBudgetUsd: settings.monthlyBudgetUsd });
  report.recommendations = recommend(report, history);

  const keys = await storeReport(deps.s3, settings.bucket, reportDate, { markdown: renderMarkdown(report), html: renderHtml(report) });
  deps.log.info("daily cost report stored", { date: reportDate, keys, requestsUsed: data.requestsUsed, yesterdayUsd: report.yesterdayUsd });
  deps.emitDailyCost?.(report.yesterdayUsd);

  if (deps.sns && settings.alertTopicArn) {
    const overBudget = report.monthlyBudgetUsd !== undefined && report.forecast.usd > report.monthlyBudgetUsd;
    const warnings = report.recommendations.filter((r) => r.severity === "warning");
    await publishEvent(deps.sns, settings.alertTopicArn, {
      kind: "report",
      severity: overBudget || warnings.length ? "warning" : "info",
      title: `Daily cost ${reportDate}: ${usd(report.yesterdayUsd)}`,
      stack: settings.stack,
      lines: [...warnings.map((w) => w.text).slice(0, 3), `Report: s3://${settings.bucket}/${keys.html}`],
      fields: Object.fromEntries(keyFigures(report).slice(0, 5)),
      url: `https://s3.console.aws.amazon.com/s3/object/${settings.bucket}?prefix=${encodeURIComponent(keys.html)}`,
    });
  }
  return { date: reportDate, keys, report };
}
