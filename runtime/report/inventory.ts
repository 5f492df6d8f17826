/**
 * The daily report's inventory, from Cost Explorer: every request costs $0.01, so the report asks
 * for the least data that answers everything, in priority order, under a request budget:
 *
 *  1. GetCostAndUsage, DAILY, over the last 30 days (or the month to date, when longer),
 *     grouped by SERVICE and USAGE_TYPE with UnblendedCost and UsageQuantity. This one request
 *     answers yesterday's total, by service, the 7/30-day averages, the month to date, the
 *     chart, spot vs on-demand (EC2 `SpotUsage:<type>` vs `BoxUsage:<type>` usage types) and
 *     the spot hours per instance type that the savings need.
 *  2. GetCostAndUsage of the report day grouped by the `Environment` cost-allocation tag.
 *  3. In organisation mode, GetCostAndUsage of the report day grouped by LINKED_ACCOUNT and
 *     REGION: one request (and its pages) answers both breakdowns. Run from the management or a
 *     delegated-administrator account, LINKED_ACCOUNT covers every member account.
 *  4. GetCostForecast of the rest of the month (only while that month is current).
 *
 * Each page of a paginated answer is a request too. What the budget leaves out is listed in
 * `gaps` and the report says so; the forecast then falls back to a local projection.
 */
import {
  DataUnavailableException,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  type CostExplorerClient,
  type GetCostAndUsageCommandInput,
  type GetCostAndUsageCommandOutput,
  type ResultByTime,
} from "@aws-sdk/client-cost-explorer";
import { addDays, firstOfMonth, firstOfNextMonth } from "./dates";

/** The IAM actions of the requests below; Cost Explorer has no resource-level permissions (granted on "*"). */
export const INVENTORY_ACTIONS = ["ce:GetCostAndUsage", "ce:GetCostForecast"] as const;

/** One day's cost of one service × usage type. */
export interface CostRow {
  date: string;
  service: string;
  usageType: string;
  costUsd: number;
  /** In the usage type's unit (hours for instance usage). */
  usageQuantity: number;
}

export interface CostData {
  /** First day covered by `rows` (inclusive) and the day after the last (exclusive). */
  start: string;
  end: string;
  rows: CostRow[];
  /** The report day's cost by Environment tag value ("" = untagged); undefined when not fetched. */
  byEnvironment?: Record<string, number>;
  /** The report day's cost by linked account and region; undefined when not asked for or not fetched. */
  byAccountRegion?: { account: string; accountName?: string; region: string; usd: number }[];
  /** Whether the account and region breakdown was asked for (organisation mode), fetched or not. */
  accountsRequested?: boolean;
  /** Cost Explorer's forecast of [forecastFrom, end of month); undefined when not fetched. */
  forecast?: { from: string; to: string; usd: number };
  /** Whether Cost Explorer marked the report day's figures as estimated (they may still change). */
  estimated: boolean;
  /** Whether a paginated answer was cut short by the request budget. */
  partial: boolean;
  requestsUsed: number;
  maxRequests: number;
  /** What was not fetched, and why (shown in the report). */
  gaps: string[];
}

export interface FetchOptions {
  /** The day the report is about (normally yesterday), YYYY-MM-DD. */
  reportDate: string;
  /** Today (UTC), YYYY-MM-DD: forecasts start here. */
  today: string;
  /** Cost Explorer requests this run may make (report.maxCostExplorerRequests). */
  maxRequests: number;
  /** Break the report day down by linked account and region (organisation mode). */
  byAccountAndRegion?: boolean;
}

/** The cost-allocation tag the environment breakdown groups by. */
export const ENVIRONMENT_TAG = "Environment";

class RequestBudget {
  used = 0;
  constructor(readonly max: number) {}
  get left(): number {
    return this.max - this.used;
  }
}

function amount(v: { Amount?: string } | undefined): number {
  const n = Number(v?.Amount ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** Pages through GetCostAndUsage while the budget allows; returns whether every page was read. */
async function costAndUsagePages(
  ce: CostExplorerClient,
  input: GetCostAndUsageCommandInput,
  budget: RequestBudget,
  onPage: (results: ResultByTime[], page: GetCostAndUsageCommandOutput) => void,
): Promise<boolean> {
  let token: string | undefined;
  do {
    if (budget.left <= 0) return false;
    budget.used++;
    const out = await ce.send(new GetCostAndUsageCommand({ ...input, NextPageToken: token }));
    onPage(out.ResultsByTime ?? [], out);
    token = out.NextPageToken;
  } while (token);
  return true;
}

export async function fetchCostData(ce: CostExplorerClient, opts: FetchOptions): Promise<CostData> {
  const budget = new RequestBudget(opts.maxRequests);
  const end = addDays(opts.reportDate, 1);
  const thirtyBack = addDays(opts.reportDate, -29);
  const monthStart = firstOfMonth(opts.reportDate);
  const start = monthStart < thirtyBack ? monthStart : thirtyBack;
  const data: CostData = { start, end, rows: [], estimated: false, partial: false, requestsUsed: 0, maxRequests: opts.maxRequests, gaps: [] };

  // 1. The daily series by service and usage type.
  const complete = await costAndUsagePages(
    ce,
    {
      TimePeriod: { Start: start, End: end },
      Granularity: "DAILY",
      Metrics: ["UnblendedCost", "UsageQuantity"],
      GroupBy: [
        { Type: "DIMENSION", Key: "SERVICE" },
        { Type: "DIMENSION", Key: "USAGE_TYPE" },
      ],
    },
    budget,
    (results) => {
      for (const r of results) {
        const date = r.TimePeriod?.Start;
        if (!date) continue;
        if (date === opts.reportDate && r.Estimated) data.estimated = true;
        for (const g of r.Groups ?? []) {
          data.rows.push({
            date,
            service: g.Keys?.[0] ?? "(unknown)",
            usageType: g.Keys?.[1] ?? "",
            costUsd: amount(g.Metrics?.UnblendedCost),
            usageQuantity: amount(g.Metrics?.UsageQuantity),
          });
        }
      }
    },
  );
  if (!complete) {
    data.partial = true;
    data.gaps.push(`the daily cost series needed more pages than the ${opts.maxRequests} request(s) allowed: totals may be low`);
  }

  // 2. The report day by Environment tag.
  if (budget.left > 0) {
    const byEnv: Record<string, number> = {};
    const envComplete = await costAndUsagePages(
      ce,
      {
        TimePeriod: { Start: opts.reportDate, End: end },
        Granularity: "DAILY",
        Metrics: ["UnblendedCost"],
        GroupBy: [{ Type: "TAG", Key: ENVIRONMENT_TAG }],
      },
      budget,
      (results) => {
        for (const r of results) {
          for (const g of r.Groups ?? []) {
            // Keys look like "Environment$dev"; "Environment$" is cost without the tag.
            const key = g.Keys?.[0] ?? "";
            const value = key.includes("$") ? key.slice(key.indexOf("$") + 1) : key;
            byEnv[value] = (byEnv[value] ?? 0) + amount(g.Metrics?.UnblendedCost);
          }
        }
      },
    );
    data.byEnvironment = byEnv;
    if (!envComplete) {
      data.partial = true;
      data.gaps.push("the cost by environment needed more pages than the request budget allowed: it may be incomplete");
    }
  } else {
    data.gaps.push(`cost by environment not fetched: report.maxCostExplorerRequests is ${opts.maxRequests}`);
  }

  // 3. The report day by linked account and region (organisation mode).
  if (opts.byAccountAndRegion) {
    data.accountsRequested = true;
    await fetchByAccountAndRegion(ce, opts, end, budget, data);
  }

  // 4. Cost Explorer's forecast of the rest of the report's month, while that month is current.
  const monthEnd = firstOfNextMonth(opts.reportDate);
  const forecastable = opts.today >= end && opts.today < monthEnd;
  if (forecastable && budget.left > 0) {
    budget.used++;
    try {
      const out = await ce.send(
        new GetCostForecastCommand({ TimePeriod: { Start: opts.today, End: monthEnd }, Metric: "UNBLENDED_COST", Granularity: "MONTHLY" }),
      );
      data.forecast = { from: opts.today, to: monthEnd, usd: amount(out.Total) };
    } catch (err) {
      // A young or idle account has too little history to forecast: project locally instead.
      if (!(err instanceof DataUnavailableException)) throw err;
      data.gaps.push("Cost Explorer has too little history to forecast: the forecast is projected from the 7-day average");
    }
  } else if (forecastable) {
    data.gaps.push(`forecast projected from the 7-day average (no Cost Explorer request left of ${opts.maxRequests})`);
  }
  data.requestsUsed = budget.used;
  return data;
}

async function fetchByAccountAndRegion(ce: CostExplorerClient, opts: FetchOptions, end: string, budget: RequestBudget, data: CostData): Promise<void> {
  if (budget.left <= 0) {
    data.gaps.push(`cost by account and region not fetched: report.maxCostExplorerRequests is ${opts.maxRequests} (the series and the environments come first)`);
    return;
  }
  const rows: NonNullable<CostData["byAccountRegion"]> = [];
  const names = new Map<string, string>();
  const complete = await costAndUsagePages(
    ce,
    {
      TimePeriod: { Start: opts.reportDate, End: end },
      Granularity: "DAILY",
      Metrics: ["UnblendedCost"],
      GroupBy: [
        { Type: "DIMENSION", Key: "LINKED_ACCOUNT" },
        { Type: "DIMENSION", Key: "REGION" },
      ],
    },
    budget,
    (results, page) => {
      // The accounts' names come with the page (DimensionValueAttributes), not with each group.
      for (const a of page.DimensionValueAttributes ?? []) if (a.Value && a.Attributes?.description) names.set(a.Value, a.Attributes.description);
      for (const r of results) for (const g of r.Groups ?? []) rows.push({ account: g.Keys?.[0] ?? "(unknown)", region: g.Keys?.[1] || "(no region)", usd: amount(g.Metrics?.UnblendedCost) });
    },
  );
  data.byAccountRegion = rows.map((r) => ({ ...r, ...(names.has(r.account) ? { accountName: names.get(r.account) } : {}) }));
  if (!complete) {
    data.partial = true;
    data.gaps.push("the cost by account and region needed more pages than the request budget allowed: it is incomplete");
  }
}
