/**
 * The pricing catalog: dated, sourced AWS list prices for us-east-1, us-west-2 and
 * eu-west-1, implementing `PriceBook` plus the service prices the estimator needs.
 *
 * EC2: every on-demand type in us-east-1 (the complete Price List table, data/ec2Table.ts); in
 * us-west-2 and eu-west-1 the checked prices of 11 families, and the rest derived from us-east-1
 * by the region's factor, which a quote's `derived` says. ElastiCache is priced in elasticache.ts.
 * Other regions are priced at us-east-1 rates (`isCatalogRegion` tells which); an estimate, not a
 * bill. `sourceOf` says where each kind of figure came from and when it was recorded.
 */
import { EC2_FAMILIES, SIZE_FACTOR, SPOT_DISCOUNT } from "./data/ec2";
import * as svc from "./data/services";
import { REGIONS, SOURCES, type Region } from "./data/sources";
import { ec2TableHourly } from "./tables";
import { HOURS_PER_MONTH, type Architecture, type InstanceSpec, type LoadBalancerKind, type PriceBook, type PriceSource } from "./types";

export { HOURS_PER_MONTH } from "./types";
export { ALWAYS_FREE } from "./data/services";
export { CATALOG_DATE, REGIONS, SOURCES } from "./data/sources";
export { SPOT_DISCOUNT } from "./data/ec2";

export type PriceKind = keyof typeof SOURCES;

/** An hourly price and, when it is not a listed figure, how it was derived (shown in the basis). */
export interface Quote {
  hourly: number;
  derived?: string;
}

export interface CloudWatchPrices {
  alarmMonth: number;
  highResolutionAlarmMonth: number;
  compositeAlarmMonth: number;
  dashboardMonth: number;
  customMetricMonth: number;
  logsIngestGb: number;
  logsStorageGbMonth: number;
}

/** Everything the estimator prices beyond the PriceBook interface. */
export interface CatalogPriceBook extends PriceBook {
  isCatalogRegion(region: string): boolean;
  sourceOf(kind: PriceKind): PriceSource;
  /** On-demand $/h of an EC2 type, with how it was derived when the region's price is not listed. */
  ec2OnDemandQuote(region: string, instanceType: string): Quote | undefined;
  /** RDS instance $/h (multi-AZ: twice), with how it was derived when the size is not listed. */
  rdsQuote(region: string, instanceClass: string, engine: string, multiAz: boolean): Quote | undefined;
  cloudfront(): { dataOutGb: number; perRequest: number };
  apiGateway(): { restPerRequest: number; httpPerRequest: number; websocketPerMessage: number; websocketPerConnectionMinute: number };
  route53(): { hostedZoneMonth: number; perQuery: number; healthCheckAwsEndpointMonth: number; healthCheckOtherEndpointMonth: number };
  efs(): { standardGbMonth: number; provisionedMibpsMonth: number };
  kinesis(): { shardHour: number; perPutUnit: number; onDemandStreamHour: number; onDemandPerGbIngested: number };
  elasticacheServerless(): { gbHour: number; perEcpu: number };
  /** ALB/NLB $ per capacity-unit hour. */
  loadBalancerCapacityUnitHourly(region: string, kind: "application" | "network"): number;
  ebsGp3ExtrasMonth(region: string, iops: number, throughputMbps: number): number;
  ebsProvisionedIopsMonth(region: string, iops: number): number;
  lambda(region: string): { perRequest: number; gbSecond: Record<Architecture, number> };
  dynamodb(region: string): { onDemandWrite: number; onDemandRead: number; wcuHour: number; rcuHour: number; storageGbMonth: number };
  cloudwatch(region: string): CloudWatchPrices;
  kmsKeyMonth(region: string): number;
  kmsPerRequest(region: string): number;
  secretsManagerSecretMonth(region: string): number;
  /** $ per GB-month of RDS automated backups beyond the provisioned storage. */
  rdsBackupGbMonth(region: string): number;
  /** Step Functions: $ per Standard state transition, per Express request and GB-second, and Express's memory chunk (MB). */
  stepFunctions(region: string): { perTransition: number; expressPerRequest: number; expressGbSecond: number; expressMemoryChunkMb: number };
  /** $ per EventBridge Scheduler invocation. */
  schedulerPerInvocation(region: string): number;
  ssmParameterMonth(region: string, tier: "Standard" | "Advanced" | "Intelligent-Tiering"): number;
  sqsPerRequest(region: string, fifo: boolean): number;
  snsPerPublish(region: string): number;
  snsPerEmail(region: string): number;
  s3StandardGbMonth(region: string): number;
  s3PerPut(region: string): number;
  costExplorerPerRequest(): number;
  /** $ per budget-month beyond the free ones. */
  budgetMonth(): number;
  ecrStorageGbMonth(region: string): number;
  route53HostedZoneMonth(): number;
  auroraAcuHourly(region: string): number;
  eksClusterHourly(region: string): number;
  vpcInterfaceEndpointHourly(region: string): number;
}

function regionOf(region: string): Region {
  return (REGIONS as readonly string[]).includes(region) ? (region as Region) : "us-east-1";
}

const round = (v: number, digits = 6) => Math.round(v * 10 ** digits) / 10 ** digits;

function splitType(instanceType: string): { family: string; size: string } | undefined {
  const m = /^([a-z0-9-]+)\.([a-z0-9]+)$/.exec(instanceType);
  return m ? { family: m[1]!, size: m[2]! } : undefined;
}

/** A checked family's price in a region (its `large` price scaled by the size's factor). */
function checkedEc2Hourly(region: Region, instanceType: string): number | undefined {
  const parts = splitType(instanceType);
  const family = parts && EC2_FAMILIES[parts.family];
  if (!parts || !family || !family.sizes[parts.size]) return undefined;
  return round((family.largeHourly[region] * SIZE_FACTOR[parts.size]!) / SIZE_FACTOR.large!, 5);
}

const ec2Factors = new Map<Region, number>();
/** The region's price over us-east-1's: the median over the checked families (e.g. eu-west-1 ≈ 1.12). */
export function ec2RegionFactor(region: Region): number {
  let f = ec2Factors.get(region);
  if (f === undefined) {
    const ratios = Object.values(EC2_FAMILIES)
      .map((fam) => fam.largeHourly[region] / fam.largeHourly["us-east-1"])
      .sort((a, b) => a - b);
    const mid = ratios.length >> 1;
    f = round(ratios.length % 2 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2, 3);
    ec2Factors.set(region, f);
  }
  return f;
}

function ec2Quote(region: string, instanceType: string): Quote | undefined {
  const r = regionOf(region);
  if (r !== "us-east-1") {
    const checked = checkedEc2Hourly(r, instanceType);
    if (checked !== undefined) return { hourly: checked };
  }
  const us = ec2TableHourly(instanceType) ?? checkedEc2Hourly("us-east-1", instanceType);
  if (us === undefined) return undefined;
  if (r === "us-east-1") return { hourly: us };
  const f = ec2RegionFactor(r);
  return { hourly: round(us * f, 5), derived: `estimated: us-east-1 $${us}/h × ${f} (${r} factor)` };
}
const ec2Hourly = (region: string, instanceType: string) => ec2Quote(region, instanceType)?.hourly;

function rdsEngineGroup(engine: string): keyof typeof svc.RDS_HOURLY {
  if (engine.startsWith("aurora")) return "aurora";
  if (engine.startsWith("postgres")) return "postgres";
  return "mysql";
}

/** Single-AZ us-east-1 $/h of an RDS class: listed, or scaled from the nearest smaller listed size of its family. */
function rdsBaseQuote(instanceClass: string, engine: string): Quote | undefined {
  const prices = svc.RDS_HOURLY[rdsEngineGroup(engine)];
  const listed = prices[instanceClass];
  if (listed !== undefined) return { hourly: listed };
  const m = /^(db\.[a-z0-9-]+)\.([a-z0-9]+)$/.exec(instanceClass);
  const sizes = m && svc.RDS_FAMILY_SIZES[m[1]!];
  if (!m || !sizes?.includes(m[2]!)) return undefined;
  const smaller = sizes.slice(0, sizes.indexOf(m[2]!)).reverse().find((s) => prices[`${m[1]}.${s}`] !== undefined);
  if (!smaller) return undefined;
  const factor = svc.RDS_SIZE_FACTOR[m[2]!]! / svc.RDS_SIZE_FACTOR[smaller]!;
  return { hourly: round(prices[`${m[1]}.${smaller}`]! * factor, 5), derived: `${factor} × ${m[1]}.${smaller}: sizes of a family are priced in proportion` };
}

export const catalog: CatalogPriceBook = {
  ec2OnDemandHourly: ec2Hourly,
  ec2SpotHourly(region, instanceType) {
    const od = ec2Hourly(region, instanceType);
    return od === undefined ? undefined : round(od * (1 - SPOT_DISCOUNT), 5);
  },
  instanceSpec(instanceType): InstanceSpec | undefined {
    const parts = splitType(instanceType);
    const family = parts && EC2_FAMILIES[parts.family];
    const size = parts && family?.sizes[parts.size];
    if (!family || !size) return undefined;
    return { instanceType, vcpu: size[0], memoryGiB: size[1], architecture: family.architecture };
  },
  instanceTypes(_region) {
    return Object.entries(EC2_FAMILIES).flatMap(([family, f]) => Object.keys(f.sizes).map((size) => `${family}.${size}`));
  },
  ebsGbMonth(region, volumeType) {
    return svc.EBS_GB_MONTH[volumeType]?.[regionOf(region)];
  },
  snapshotGbMonth: (region) => svc.SNAPSHOT_GB_MONTH[regionOf(region)],
  publicIpv4Hourly: (region) => svc.PUBLIC_IPV4_HOURLY[regionOf(region)],
  natGatewayHourly: (region) => svc.NAT_GATEWAY_HOURLY[regionOf(region)],
  natGatewayPerGb: (region) => svc.NAT_GATEWAY_PER_GB[regionOf(region)],
  loadBalancerHourly: (region, kind: LoadBalancerKind) => svc.LOAD_BALANCER_HOURLY[kind][regionOf(region)],
  rdsHourly(region, instanceClass, engine, multiAz) {
    return catalog.rdsQuote(region, instanceClass, engine, multiAz)?.hourly;
  },
  rdsStorageGbMonth(region, storageType, multiAz) {
    const base = svc.RDS_STORAGE_GB_MONTH[storageType] ?? svc.RDS_STORAGE_GB_MONTH.gp2!;
    return round(base * svc.REGION_FACTOR[regionOf(region)] * (multiAz ? 2 : 1), 5);
  },
  fargateHourly(region, vcpu, memoryGb, opts = {}) {
    const rates = svc.FARGATE[opts.architecture ?? "x86_64"];
    const r = regionOf(region);
    const onDemand = vcpu * rates.vcpuHour[r] + memoryGb * rates.gbHour[r];
    return round(opts.spot ? onDemand * (1 - svc.FARGATE.spotDiscount) : onDemand, 9);
  },

  isCatalogRegion: (region) => (REGIONS as readonly string[]).includes(region),
  sourceOf: (kind) => SOURCES[kind],
  ec2OnDemandQuote: ec2Quote,
  rdsQuote(region, instanceClass, engine, multiAz) {
    const base = rdsBaseQuote(instanceClass, engine);
    if (!base) return undefined;
    return { hourly: round(base.hourly * svc.REGION_FACTOR[regionOf(region)] * (multiAz ? 2 : 1), 5), ...(base.derived ? { derived: base.derived } : {}) };
  },
  cloudfront: () => ({ dataOutGb: svc.CLOUDFRONT.dataOutGb, perRequest: svc.CLOUDFRONT.perTenThousandHttpsRequests / 1e4 }),
  apiGateway: () => ({
    restPerRequest: svc.API_GATEWAY.restPerMillion / 1e6,
    httpPerRequest: svc.API_GATEWAY.httpPerMillion / 1e6,
    websocketPerMessage: svc.API_GATEWAY.websocketPerMillionMessages / 1e6,
    websocketPerConnectionMinute: svc.API_GATEWAY.websocketPerMillionConnectionMinutes / 1e6,
  }),
  route53: () => ({ ...svc.ROUTE53, perQuery: svc.ROUTE53.perMillionQueries / 1e6 }),
  efs: () => ({ ...svc.EFS }),
  kinesis: () => ({ ...svc.KINESIS, perPutUnit: svc.KINESIS.perMillionPutUnits / 1e6 }),
  elasticacheServerless: () => ({ gbHour: svc.ELASTICACHE_SERVERLESS.gbHour, perEcpu: svc.ELASTICACHE_SERVERLESS.perMillionEcpus / 1e6 }),
  loadBalancerCapacityUnitHourly: (region, kind) => svc.LOAD_BALANCER_LCU_HOURLY[kind][regionOf(region)],
  ebsGp3ExtrasMonth(region, iops, throughputMbps) {
    const r = regionOf(region);
    return Math.max(0, iops - 3000) * svc.EBS_EXTRAS.gp3IopsMonth[r] + Math.max(0, throughputMbps - 125) * svc.EBS_EXTRAS.gp3ThroughputMbpsMonth[r];
  },
  ebsProvisionedIopsMonth: (region, iops) => iops * svc.EBS_EXTRAS.ioIopsMonth[regionOf(region)],
  lambda(region) {
    const r = regionOf(region);
    return { perRequest: svc.LAMBDA.perMillionRequests[r] / 1e6, gbSecond: { x86_64: svc.LAMBDA.gbSecond.x86_64[r], arm64: svc.LAMBDA.gbSecond.arm64[r] } };
  },
  dynamodb(region) {
    const f = svc.REGION_FACTOR[regionOf(region)];
    const d = svc.DYNAMODB;
    return {
      onDemandWrite: (d.onDemandPerMillionWrites * f) / 1e6,
      onDemandRead: (d.onDemandPerMillionReads * f) / 1e6,
      wcuHour: d.provisionedWcuHour * f,
      rcuHour: d.provisionedRcuHour * f,
      storageGbMonth: d.storageGbMonth * f,
    };
  },
  cloudwatch(region) {
    const r = regionOf(region);
    const c = svc.CLOUDWATCH;
    return { ...c, logsIngestGb: c.logsIngestGb[r], logsStorageGbMonth: c.logsStorageGbMonth[r] };
  },
  kmsKeyMonth: () => svc.KMS.keyMonth,
  kmsPerRequest: () => svc.KMS.perTenThousandRequests / 1e4,
  secretsManagerSecretMonth: () => svc.SECRETS_MANAGER.secretMonth,
  rdsBackupGbMonth: (region) => round(svc.RDS_BACKUP_GB_MONTH * svc.REGION_FACTOR[regionOf(region)], 5),
  stepFunctions: () => ({
    perTransition: svc.STEP_FUNCTIONS.standardPerThousandTransitions / 1000,
    expressPerRequest: svc.STEP_FUNCTIONS.expressPerMillionRequests / 1e6,
    expressGbSecond: svc.STEP_FUNCTIONS.expressGbSecond,
    expressMemoryChunkMb: svc.STEP_FUNCTIONS.expressMemoryChunkMb,
  }),
  schedulerPerInvocation: () => svc.SCHEDULER.perMillionInvocations / 1e6,
  ssmParameterMonth: (_region, tier) => (tier === "Advanced" ? svc.SSM.advancedParameterMonth : svc.SSM.standardParameterMonth),
  sqsPerRequest: (_region, fifo) => (fifo ? svc.SQS.perMillionFifo : svc.SQS.perMillionStandard) / 1e6,
  snsPerPublish: () => svc.SNS.perMillionPublishes / 1e6,
  snsPerEmail: () => svc.SNS.perHundredThousandEmails / 1e5,
  s3StandardGbMonth: (region) => svc.S3.standardGbMonth[regionOf(region)],
  s3PerPut: () => svc.S3.perThousandPuts / 1000,
  costExplorerPerRequest: () => svc.COST_EXPLORER.perRequest,
  budgetMonth: () => (svc.BUDGETS.perBudgetDay * HOURS_PER_MONTH) / 24,
  ecrStorageGbMonth: () => svc.ECR.storageGbMonth,
  route53HostedZoneMonth: () => svc.ROUTE53.hostedZoneMonth,
  auroraAcuHourly: (region) => round(svc.AURORA_ACU_HOURLY * svc.REGION_FACTOR[regionOf(region)], 5),
  eksClusterHourly: () => svc.EKS_CLUSTER_HOURLY,
  vpcInterfaceEndpointHourly: (region) => svc.VPC_INTERFACE_ENDPOINT_HOURLY[regionOf(region)],
};
