/**
 * INTERIM: the three figures the waste scanner needs (SPEC S11, us-east-1, checked 2026-11),
 * used by the handler only until the shared pricing catalog in runtime/pricing/ is wired in.
 * The integrator replaces this import in runtime/handlers/wasteScanner.ts with the catalog;
 * this is deliberately not a catalog (no regions, no sources beyond the SPEC).
 */
import type { WastePrices } from "./types";

const EBS_GB_MONTH: Record<string, number> = { gp2: 0.1, gp3: 0.08 };

export const INTERIM_PRICES: WastePrices = {
  ebsGbMonth: (_region, volumeType) => EBS_GB_MONTH[volumeType],
  snapshotGbMonth: () => 0.05,
  publicIpv4Hourly: () => 0.005,
};
