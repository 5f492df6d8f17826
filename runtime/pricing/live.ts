/**
 * Live refresh of the catalog: EC2 on-demand prices from the AWS Price List API
 * and spot prices from spot price history, laid over any PriceBook. Both are optional: when a
 * call fails or a type is missing, the catalog's dated list price stays.
 *
 * The Price List API answers only in us-east-1 (and ap-south-1, eu-central-1), for every region.
 */
import { paginateDescribeSpotPriceHistory, type EC2Client } from "@aws-sdk/client-ec2";
import { paginateGetProducts, type PricingClient } from "@aws-sdk/client-pricing";
import type { PriceBook, PriceSource } from "./types";

/** The IAM actions of the calls below (the tools that refresh prices need them; no guard function makes them). */
export const LIVE_PRICE_ACTIONS = ["pricing:GetProducts", "ec2:DescribeSpotPriceHistory"] as const;

/** Price List API `location` names of the regions the catalog covers (and a few more). */
export const LOCATION_OF_REGION: Record<string, string> = {
  "us-east-1": "US East (N. Virginia)",
  "us-east-2": "US East (Ohio)",
  "us-west-2": "US West (Oregon)",
  "eu-west-1": "EU (Ireland)",
  "eu-central-1": "EU (Frankfurt)",
};

interface PriceListProduct {
  product?: { attributes?: { instanceType?: string } };
  terms?: { OnDemand?: Record<string, { priceDimensions?: Record<string, { unit?: string; pricePerUnit?: { USD?: string } }> }> };
}

/** $/h from one Price List product document, or undefined when it has no hourly USD price. */
export function hourlyFromPriceList(doc: string): { instanceType: string; hourly: number } | undefined {
  const p = JSON.parse(doc) as PriceListProduct;
  const instanceType = p.product?.attributes?.instanceType;
  for (const term of Object.values(p.terms?.OnDemand ?? {})) {
    for (const dim of Object.values(term.priceDimensions ?? {})) {
      const usd = Number(dim.pricePerUnit?.USD);
      if (instanceType && dim.unit === "Hrs" && Number.isFinite(usd) && usd > 0) return { instanceType, hourly: usd };
    }
  }
  return undefined;
}

/** On-demand Linux, shared-tenancy $/h of EC2 types in a region, from the Price List API. */
export async function fetchEc2OnDemandPrices(pricing: PricingClient, region: string, instanceTypes: string[]): Promise<Map<string, number>> {
  const location = LOCATION_OF_REGION[region];
  const prices = new Map<string, number>();
  if (!location) return prices;
  const wanted = new Set(instanceTypes);
  const term = (Field: string, Value: string) => ({ Type: "TERM_MATCH" as const, Field, Value });
  const pages = paginateGetProducts(
    { client: pricing },
    {
      ServiceCode: "AmazonEC2",
      Filters: [term("location", location), term("operatingSystem", "Linux"), term("tenancy", "Shared"), term("preInstalledSw", "NA"), term("capacitystatus", "Used"), term("licenseModel", "No License required")],
    },
  );
  for await (const page of pages) {
    for (const doc of page.PriceList ?? []) {
      const price = hourlyFromPriceList(String(doc));
      if (price && wanted.has(price.instanceType)) prices.set(price.instanceType, price.hourly);
    }
  }
  return prices;
}

/** Mean current spot $/h per type across the region's AZs (Linux/UNIX), from spot price history. */
export async function fetchSpotPrices(ec2: EC2Client, instanceTypes: string[], now = new Date()): Promise<Map<string, number>> {
  const samples = new Map<string, Map<string, number>>();
  const pages = paginateDescribeSpotPriceHistory({ client: ec2 }, { InstanceTypes: instanceTypes as never[], ProductDescriptions: ["Linux/UNIX"], StartTime: now });
  for await (const page of pages) {
    for (const h of page.SpotPriceHistory ?? []) {
      const price = Number(h.SpotPrice);
      if (!h.InstanceType || !h.AvailabilityZone || !Number.isFinite(price)) continue;
      const byAz = samples.get(h.InstanceType) ?? new Map<string, number>();
      if (!byAz.has(h.AvailabilityZone)) byAz.set(h.AvailabilityZone, price); // newest first: keep the latest per AZ
      samples.set(h.InstanceType, byAz);
    }
  }
  const means = new Map<string, number>();
  for (const [type, byAz] of samples) means.set(type, [...byAz.values()].reduce((a, b) => a + b, 0) / byAz.size);
  return means;
}

export interface LivePrices {
  region: string;
  onDemand?: Map<string, number>;
  spot?: Map<string, number>;
  source: PriceSource;
}

/** A PriceBook that answers EC2 prices from live data for its region, the base book otherwise. */
export function withLivePrices<T extends PriceBook>(base: T, live: LivePrices): T {
  return {
    ...base,
    ec2OnDemandHourly: (region: string, type: string) => (region === live.region ? live.onDemand?.get(type) : undefined) ?? base.ec2OnDemandHourly(region, type),
    ec2SpotHourly: (region: string, type: string) => (region === live.region ? live.spot?.get(type) : undefined) ?? base.ec2SpotHourly(region, type),
  };
}
