/**
 * Reads the generated EC2 price table (data/ec2Table.ts) on first use and keeps it as a map. It is
 * stored as compact text because the catalog is bundled into the guard's Lambdas (the failsafe,
 * the report and the optimizer price any instance type they meet); parsing it costs well under a
 * millisecond, once per process.
 */
import { EC2_US_EAST_1 } from "./data/ec2Table";

/** Normalization factor of a size (nano 0.25 … xlarge 8, Nxlarge 8N); undefined for metal and the like. */
export function sizeFactor(size: string): number | undefined {
  const fixed: Record<string, number> = { nano: 0.25, micro: 0.5, small: 1, medium: 2, large: 4, xlarge: 8 };
  const m = /^(\d+)xlarge$/.exec(size);
  return fixed[size] ?? (m ? 8 * Number(m[1]) : undefined);
}

/** Decodes the table: each family "base price size [price] ...", a size without a price scaled from the base. */
export function decodeEc2Table(table: Record<string, string>): Map<string, number> {
  const prices = new Map<string, number>();
  for (const [family, list] of Object.entries(table)) {
    const tokens = list.split(" ");
    let base: [number, number | undefined] | undefined; // [price, factor]
    for (let i = 0; i < tokens.length; i++) {
      const size = tokens[i]!;
      const next = tokens[i + 1];
      let hourly: number;
      if (next !== undefined && /^[\d.]+$/.test(next)) {
        hourly = Number(next);
        i++;
      } else hourly = Math.round(((base![0] * sizeFactor(size)!) / base![1]!) * 1e6) / 1e6;
      base ??= [hourly, sizeFactor(size)];
      prices.set(`${family}.${size}`, hourly);
    }
  }
  return prices;
}

let ec2: Map<string, number> | undefined;

/** us-east-1 on-demand $/h of any EC2 type the table lists (Linux, shared tenancy). */
export function ec2TableHourly(instanceType: string): number | undefined {
  ec2 ??= decodeEc2Table(EC2_US_EAST_1);
  return ec2.get(instanceType);
}
