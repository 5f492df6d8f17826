/**
 * Benchmark of the daily report's pure work (figures, recommendations, Markdown and HTML) on
 * a small account and on a large one (many usage types a day), both over 31 days. The work
 * should grow about linearly with the Cost Explorer rows; the Lambda's time is dominated by
 * Cost Explorer's latency, not by this.
 *
 *   npx tsx tools/bench/report.ts
 */
import type { CostData, CostRow } from "../../runtime/report/inventory";
import { addDays, dayRange } from "../../runtime/report/dates";
import { buildReport } from "../../runtime/report/model";
import { recommend } from "../../runtime/report/decide";
import { renderHtml, renderMarkdown } from "../../runtime/report/render";
import { fixturePriceBook } from "../../test/report/fixtures/costExplorer";

function account(usageTypesPerDay: number): CostData {
  const start = "2026-10-22";
  const end = "2026-11-23";
  const rows: CostRow[] = [];
  for (const date of dayRange(start, end)) {
    for (let i = 0; i < usageTypesPerDay; i++) {
      const usageType = i % 3 === 0 ? "SpotUsage:m5.large" : i % 3 === 1 ? "BoxUsage:t3.medium" : `USE1-Other-${i}`;
      rows.push({ date, service: `Service ${i % 40}`, usageType, costUsd: 0.01 * (i + 1), usageQuantity: 1 + (i % 24) });
    }
  }
  return { start, end, rows, estimated: false, partial: false, requestsUsed: 3, maxRequests: 5, gaps: [] };
}

function timeIt(data: CostData, runs: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) {
    const r = buildReport(data, { stack: "bench", reportDate: addDays(data.end, -1), now: new Date("2026-11-23T09:00:00Z"), priceBook: fixturePriceBook, monthlyBudgetUsd: 100 });
    r.recommendations = recommend(r, { skipped: 0 });
    renderMarkdown(r);
    renderHtml(r);
  }
  return Number(process.hrtime.bigint() - t0) / 1e6 / runs;
}

const cases = [
  { name: "small account (5 usage types/day)", data: account(5) },
  { name: "large account (500 usage types/day)", data: account(500) },
];
timeIt(cases[0]!.data, 20); // warm-up
const results = cases.map((c) => ({ ...c, rows: c.data.rows.length, ms: timeIt(c.data, c.data.rows.length > 1000 ? 10 : 200) }));
const base = results[0]!;
console.log("daily report: figures + recommendations + Markdown + HTML");
console.log(`${"case".padEnd(38)} ${"rows".padStart(7)} ${"ms/run".padStart(9)} ${"× time".padStart(8)} ${"× rows".padStart(8)}`);
for (const r of results) {
  console.log(`${r.name.padEnd(38)} ${String(r.rows).padStart(7)} ${r.ms.toFixed(2).padStart(9)} ${(r.ms / base.ms).toFixed(1).padStart(8)} ${(r.rows / base.rows).toFixed(0).padStart(8)}`);
}
