/**
 * The daily cost report's settings: how many Cost Explorer requests a run may make (1 to 5,
 * $0.01 each) and the monthly budget the forecast is compared with. The component builds them
 * from stack config, checks them with `parseCostReportSettings` at preview and puts them in
 * COSTGUARD_SETTINGS; the handler reads them back with `costReportSettingsFromEnv`.
 */
import { checkSettings, settingsFromEnv } from "../shared/settings";
import * as z from "../shared/zod";

export const CostReportSettings = z.object({
  maxCostExplorerRequests: z.int().check(z.gte(1), z.lte(5)),
  monthlyBudgetUsd: z.optional(z.number().check(z.positive())),
  /** Organisation mode: break the day down by linked account and region (one more request, and its pages). */
  byAccountAndRegion: z.optional(z.boolean()),
});
export type CostReportSettings = z.infer<typeof CostReportSettings>;
export type CostReportSettingsInput = z.input<typeof CostReportSettings>;

/** The settings as the handler will read them; throws naming every problem, after `what`. */
export function parseCostReportSettings(value: unknown, what = "cost report settings"): CostReportSettings {
  return checkSettings(CostReportSettings, value, what);
}

/** The settings the component put in the function's COSTGUARD_SETTINGS. */
export function costReportSettingsFromEnv(env: Record<string, string | undefined> = process.env): CostReportSettings {
  return settingsFromEnv(CostReportSettings, env);
}
