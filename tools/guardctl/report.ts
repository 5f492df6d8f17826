/**
 * guardctl `report-now [YYYY-MM-DD]`: runs the daily cost report now (yesterday by default)
 * by invoking the stack's cost report function (stack output `costReportFunction`).
 * tools/guardctl.ts registers this definition; it invokes the function with `payload(args)`
 * and prints `render(result)`.
 */
import type { AdminCommand } from "../../runtime/contract";
import { adminCommand } from "./command";

export interface ReportNowResult {
  ok: boolean;
  error?: string;
  date?: string;
  bucket?: string;
  keys?: { markdown: string; html: string };
  yesterdayUsd?: number;
  monthToDateUsd?: number;
  forecastUsd?: number;
  requestsUsed?: number;
}

const money = (n: number | undefined) => (n === undefined ? "–" : `$${n.toFixed(2)}`);

export const reportNowCommand = {
  name: "report-now",
  /** Stack output holding the function name to invoke. */
  output: "costReportFunction",
  usage: "report-now [YYYY-MM-DD]   run the daily cost report now (default: yesterday, UTC); costs up to report.maxCostExplorerRequests × $0.01",
  payload(args: string[]): AdminCommand {
    if (args.length > 1) throw new Error(`report-now takes at most one date (got ${args.length} arguments)`);
    const [date] = args;
    if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`report-now: the date must be YYYY-MM-DD (got "${date}")`);
    return adminCommand(date ? { command: "report-now", date } : { command: "report-now" });
  },
  render(result: unknown): string {
    const r = result as ReportNowResult;
    if (!r || typeof r !== "object") return `unexpected answer: ${JSON.stringify(result)}`;
    if (!r.ok) return `report-now failed: ${r.error ?? "unknown error"}`;
    return [
      `Cost report for ${r.date}:`,
      `  day            ${money(r.yesterdayUsd)}`,
      `  month to date  ${money(r.monthToDateUsd)}`,
      `  forecast       ${money(r.forecastUsd)}`,
      `  Cost Explorer  ${r.requestsUsed ?? "?"} request(s)`,
      `  stored at      s3://${r.bucket}/${r.keys?.html}`,
      `                 s3://${r.bucket}/${r.keys?.markdown}`,
    ].join("\n");
  },
};
