/** Shared fixtures of the waste scanner's tests: a small fixed price book and time units. */
import type { WastePrices } from "../../runtime/waste/model";

/** Fixed figures (us-east-1 list prices) so expected costs can be computed by hand. */
export const PRICES: WastePrices = {
  ebsGbMonth: (_region, type) => ({ gp2: 0.1, gp3: 0.08, io1: 0.125 })[type],
  snapshotGbMonth: () => 0.05,
  publicIpv4Hourly: () => 0.005,
};

export const DAY = 24 * 3600 * 1000;
export const HOUR = 3600 * 1000;
