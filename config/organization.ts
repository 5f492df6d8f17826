/**
 * Organisation mode's figures that come from stack config alone: how many (account, region)
 * units a sweep covers, for the plan's estimate. "all" cannot be counted before the sweep runs
 * (ListAccounts, DescribeRegions), so it is priced at a stated assumption. Pure, no @pulumi.
 */
import { DEFAULT_ENABLED_REGIONS } from "../runtime/shared/units";
import type { GuardConfigParsed } from "./schema";

/**
 * Accounts assumed for `accounts: "all"` (the design's scale), and regions for `regions: "all"`:
 * those every account has enabled by default, 17 (200 × 17 = 3,400 units).
 */
export const ASSUMED_ALL_ACCOUNTS = 200;
export const ASSUMED_ALL_REGIONS = DEFAULT_ENABLED_REGIONS.length;

export interface SweepUnits {
  units: number;
  /** True when "all" made part of it an assumption. */
  assumed: boolean;
  /** How it was counted, for notes and docs. */
  basis: string;
}

export function sweepUnits(c: Pick<GuardConfigParsed, "regions" | "organization">): SweepUnits {
  const org = c.organization;
  const accounts = !org ? 1 : org.accounts === "all" ? ASSUMED_ALL_ACCOUNTS : org.accounts.filter((a) => !org.excludeAccounts.includes(a)).length;
  const regions = c.regions === undefined ? 1 : c.regions === "all" ? ASSUMED_ALL_REGIONS : c.regions.length;
  const assumed = org?.accounts === "all" || c.regions === "all";
  const accountsText = org?.accounts === "all" ? `${ASSUMED_ALL_ACCOUNTS} accounts (assumed for "all")` : `${accounts} account${accounts === 1 ? "" : "s"}`;
  const regionsText = c.regions === "all" ? `${ASSUMED_ALL_REGIONS} regions (assumed for "all")` : `${regions} region${regions === 1 ? "" : "s"}`;
  return { units: accounts * regions, assumed, basis: `${accountsText} × ${regionsText}` };
}
