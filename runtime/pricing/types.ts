/**
 * The price book every consumer codes against: the failsafe's burn rate, the waste scanner,
 * the daily report, the spot optimizer's type selection and the policy pack's estimator.
 * Consumers take a PriceBook as a parameter (so tests can pass a small fixed one); the
 * catalog in this folder implements it with dated, sourced list prices.
 */

/** AWS's pricing calculator convention: a month is 730 hours. */
export const HOURS_PER_MONTH = 730;

export type Architecture = "x86_64" | "arm64";
export type LoadBalancerKind = "application" | "network" | "gateway" | "classic";

export interface InstanceSpec {
  instanceType: string;
  vcpu: number;
  memoryGiB: number;
  architecture: Architecture;
}

/** Where a price came from and when it was checked. */
export interface PriceSource {
  /** ISO date the figure was checked. */
  date: string;
  /** Page or API the figure came from. */
  source: string;
}

export interface PriceBook {
  /** On-demand $/h of an EC2 instance type (Linux, shared tenancy); undefined when unknown. */
  ec2OnDemandHourly(region: string, instanceType: string): number | undefined;
  /** Typical spot $/h when live spot price history is not available; undefined when unknown. */
  ec2SpotHourly(region: string, instanceType: string): number | undefined;
  /** vCPU, memory and architecture of an instance type; undefined when unknown. */
  instanceSpec(instanceType: string): InstanceSpec | undefined;
  /** Instance types whose spec the catalog knows (the candidates a replacement is chosen from); it prices more. */
  instanceTypes(region: string): string[];
  /** $ per GB-month of an EBS volume type (gp2, gp3, io1, io2, st1, sc1, standard). */
  ebsGbMonth(region: string, volumeType: string): number | undefined;
  /** $ per GB-month of standard EBS snapshots (billed on changed blocks: size is an upper bound). */
  snapshotGbMonth(region: string): number;
  /** $/h of a public IPv4 address, Elastic IP or in use. */
  publicIpv4Hourly(region: string): number;
  /** $/h of a NAT gateway (data processed is priced per GB separately). */
  natGatewayHourly(region: string): number;
  natGatewayPerGb(region: string): number;
  /** $/h of a load balancer, before capacity units. */
  loadBalancerHourly(region: string, kind: LoadBalancerKind): number;
  /** $/h of an RDS instance class; undefined when unknown. */
  rdsHourly(region: string, instanceClass: string, engine: string, multiAz: boolean): number | undefined;
  /** $ per GB-month of RDS storage. */
  rdsStorageGbMonth(region: string, storageType: string, multiAz: boolean): number;
  /** $/h of a Fargate task of this size. */
  fargateHourly(region: string, vcpu: number, memoryGb: number, opts?: { spot?: boolean; architecture?: Architecture }): number;
}
