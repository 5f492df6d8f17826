/**
 * EC2 on-demand list prices (Linux, shared tenancy) and instance specs.
 *
 * Within a family, AWS prices sizes in proportion to their normalization factor (nano 0.25,
 * micro 0.5, small 1, medium 2, large 4, xlarge 8, 2xlarge 16, 4xlarge 32), so each family
 * lists its `large` price per region and the sizes it has; `hourly()` scales (t3.medium =
 * t3.large / 2 = $0.0416, as checked by hand). us-west-2 lists the same prices as us-east-1
 * for these families.
 */
import type { Architecture } from "../types";
import type { Region } from "./sources";

/** Normalization factors of the sizes the catalog covers. */
export const SIZE_FACTOR: Record<string, number> = {
  nano: 0.25,
  micro: 0.5,
  small: 1,
  medium: 2,
  large: 4,
  xlarge: 8,
  "2xlarge": 16,
  "4xlarge": 32,
};

export interface Ec2Family {
  architecture: Architecture;
  /** size → [vCPU, memory GiB] */
  sizes: Record<string, [number, number]>;
  /** $/h of the `large` size, per region. */
  largeHourly: Record<Region, number>;
}

const burstable: Record<string, [number, number]> = {
  nano: [2, 0.5],
  micro: [2, 1],
  small: [2, 2],
  medium: [2, 4],
  large: [2, 8],
  xlarge: [4, 16],
  "2xlarge": [8, 32],
};
/** Sizes of a family with `ratio` GiB per vCPU, from `from` (medium for Graviton, large otherwise). */
function standardSizes(ratio: number, from: "medium" | "large"): Record<string, [number, number]> {
  const sizes: Record<string, [number, number]> = {};
  if (from === "medium") sizes.medium = [1, ratio];
  sizes.large = [2, 2 * ratio];
  sizes.xlarge = [4, 4 * ratio];
  sizes["2xlarge"] = [8, 8 * ratio];
  sizes["4xlarge"] = [16, 16 * ratio];
  return sizes;
}

export const EC2_FAMILIES: Record<string, Ec2Family> = {
  t3: { architecture: "x86_64", sizes: burstable, largeHourly: { "us-east-1": 0.0832, "us-west-2": 0.0832, "eu-west-1": 0.0912 } },
  t4g: { architecture: "arm64", sizes: burstable, largeHourly: { "us-east-1": 0.0672, "us-west-2": 0.0672, "eu-west-1": 0.0736 } },
  m5: { architecture: "x86_64", sizes: standardSizes(4, "large"), largeHourly: { "us-east-1": 0.096, "us-west-2": 0.096, "eu-west-1": 0.107 } },
  m6i: { architecture: "x86_64", sizes: standardSizes(4, "large"), largeHourly: { "us-east-1": 0.096, "us-west-2": 0.096, "eu-west-1": 0.107 } },
  m7g: { architecture: "arm64", sizes: standardSizes(4, "medium"), largeHourly: { "us-east-1": 0.0816, "us-west-2": 0.0816, "eu-west-1": 0.0907 } },
  c5: { architecture: "x86_64", sizes: standardSizes(2, "large"), largeHourly: { "us-east-1": 0.085, "us-west-2": 0.085, "eu-west-1": 0.096 } },
  c6i: { architecture: "x86_64", sizes: standardSizes(2, "large"), largeHourly: { "us-east-1": 0.085, "us-west-2": 0.085, "eu-west-1": 0.096 } },
  c7g: { architecture: "arm64", sizes: standardSizes(2, "medium"), largeHourly: { "us-east-1": 0.0725, "us-west-2": 0.0725, "eu-west-1": 0.0816 } },
  r5: { architecture: "x86_64", sizes: standardSizes(8, "large"), largeHourly: { "us-east-1": 0.126, "us-west-2": 0.126, "eu-west-1": 0.141 } },
  r6i: { architecture: "x86_64", sizes: standardSizes(8, "large"), largeHourly: { "us-east-1": 0.126, "us-west-2": 0.126, "eu-west-1": 0.141 } },
  r7g: { architecture: "arm64", sizes: standardSizes(8, "medium"), largeHourly: { "us-east-1": 0.1071, "us-west-2": 0.1071, "eu-west-1": 0.1198 } },
};

/**
 * Spot estimate when live spot price history is unavailable: on-demand less this fraction.
 * Spot prices move per pool and hour (typically 50–80 % below on-demand for these families);
 * 0.65 is a middle figure, good enough for a burn-rate estimate, not for a bid.
 */
export const SPOT_DISCOUNT = 0.65;
