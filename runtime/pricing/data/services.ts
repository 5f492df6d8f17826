/**
 * List prices of everything that is not an EC2 instance, per region. Figures are us-east-1
 * unless a region is named; `REGION_FACTOR` scales the services that cost more in Ireland (RDS,
 * DynamoDB), stated as a factor because AWS's eu-west-1 prices for them sit 8–12 % above
 * us-east-1 throughout. ElastiCache has a complete per-region table (elasticacheTable.ts).
 * Route 53, CloudFront, API Gateway, EFS and Kinesis are priced at their us-east-1 rates everywhere.
 */
import type { LoadBalancerKind } from "../types";
import type { Region } from "./sources";

type PerRegion = Record<Region, number>;
const same = (v: number): PerRegion => ({ "us-east-1": v, "us-west-2": v, "eu-west-1": v });
const usAndEu = (us: number, eu: number): PerRegion => ({ "us-east-1": us, "us-west-2": us, "eu-west-1": eu });

/** Multiplier of the us-east-1 price for RDS, ElastiCache and DynamoDB. */
export const REGION_FACTOR: PerRegion = { "us-east-1": 1, "us-west-2": 1, "eu-west-1": 1.1 };

/** $ per GB-month of EBS volumes. */
export const EBS_GB_MONTH: Record<string, PerRegion> = {
  gp3: usAndEu(0.08, 0.088),
  gp2: usAndEu(0.1, 0.11),
  io1: usAndEu(0.125, 0.138),
  io2: usAndEu(0.125, 0.138),
  st1: usAndEu(0.045, 0.05),
  sc1: usAndEu(0.015, 0.0168),
  standard: usAndEu(0.05, 0.055),
};
/** gp3 beyond the included 3,000 IOPS and 125 MB/s; io1/io2 per provisioned IOPS. */
export const EBS_EXTRAS = {
  gp3IopsMonth: usAndEu(0.005, 0.0055),
  gp3ThroughputMbpsMonth: usAndEu(0.04, 0.044),
  ioIopsMonth: usAndEu(0.065, 0.072),
};
export const SNAPSHOT_GB_MONTH: PerRegion = same(0.05);
export const SNAPSHOT_ARCHIVE_GB_MONTH: PerRegion = same(0.0125);

export const PUBLIC_IPV4_HOURLY: PerRegion = same(0.005);
export const NAT_GATEWAY_HOURLY: PerRegion = usAndEu(0.045, 0.048);
export const NAT_GATEWAY_PER_GB: PerRegion = usAndEu(0.045, 0.048);

export const LOAD_BALANCER_HOURLY: Record<LoadBalancerKind, PerRegion> = {
  application: usAndEu(0.0225, 0.0252),
  network: usAndEu(0.0225, 0.0252),
  gateway: usAndEu(0.0125, 0.014),
  classic: usAndEu(0.025, 0.028),
};
/** $ per LCU-hour (ALB, NLB); an idle load balancer still bills about one LCU. */
export const LOAD_BALANCER_LCU_HOURLY: Record<"application" | "network", PerRegion> = {
  application: same(0.008),
  network: same(0.006),
};

/**
 * RDS single-AZ $/h (us-east-1) by engine group and class. Multi-AZ (one standby) bills twice.
 * mysql covers MySQL and MariaDB; aurora covers Aurora MySQL and PostgreSQL (standard storage).
 */
export const RDS_HOURLY: Record<"mysql" | "postgres" | "aurora", Record<string, number>> = {
  mysql: {
    "db.t3.micro": 0.017, "db.t3.small": 0.034, "db.t3.medium": 0.068, "db.t3.large": 0.136, "db.t3.xlarge": 0.272,
    "db.t4g.micro": 0.016, "db.t4g.small": 0.032, "db.t4g.medium": 0.065, "db.t4g.large": 0.129, "db.t4g.xlarge": 0.258,
    "db.m5.large": 0.171, "db.m5.xlarge": 0.342, "db.m5.2xlarge": 0.684, "db.m5.4xlarge": 1.368,
    "db.m6g.large": 0.152, "db.m6g.xlarge": 0.304, "db.m6g.2xlarge": 0.608,
    "db.m6i.large": 0.171, "db.m6i.xlarge": 0.342, "db.m6i.2xlarge": 0.684,
    "db.r5.large": 0.24, "db.r5.xlarge": 0.48, "db.r5.2xlarge": 0.96,
    "db.r6g.large": 0.215, "db.r6g.xlarge": 0.43, "db.r6g.2xlarge": 0.86,
  },
  postgres: {
    "db.t3.micro": 0.018, "db.t3.small": 0.036, "db.t3.medium": 0.072, "db.t3.large": 0.145, "db.t3.xlarge": 0.29,
    "db.t4g.micro": 0.016, "db.t4g.small": 0.032, "db.t4g.medium": 0.065, "db.t4g.large": 0.129, "db.t4g.xlarge": 0.258,
    "db.m5.large": 0.178, "db.m5.xlarge": 0.356, "db.m5.2xlarge": 0.712, "db.m5.4xlarge": 1.424,
    "db.m6g.large": 0.159, "db.m6g.xlarge": 0.318, "db.m6g.2xlarge": 0.636,
    "db.m6i.large": 0.178, "db.m6i.xlarge": 0.356, "db.m6i.2xlarge": 0.712,
    "db.r5.large": 0.25, "db.r5.xlarge": 0.5, "db.r5.2xlarge": 1.0,
    "db.r6g.large": 0.225, "db.r6g.xlarge": 0.45, "db.r6g.2xlarge": 0.9,
  },
  aurora: {
    "db.t3.medium": 0.082, "db.t3.large": 0.164, "db.t4g.medium": 0.073, "db.t4g.large": 0.146,
    "db.r5.large": 0.29, "db.r5.xlarge": 0.58, "db.r5.2xlarge": 1.16,
    "db.r6g.large": 0.26, "db.r6g.xlarge": 0.519, "db.r6g.2xlarge": 1.038,
    "db.r6i.large": 0.29, "db.r6i.xlarge": 0.58,
  },
};
/**
 * Sizes each RDS class family offers. Within a family RDS prices sizes in proportion to their
 * normalization factor (db.m5.8xlarge = 2 × db.m5.4xlarge), so a size missing from RDS_HOURLY is
 * priced from the nearest smaller listed size of its family, and the basis says so.
 */
const LARGE_UP = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"];
const upTo = (largest: string) => LARGE_UP.slice(0, LARGE_UP.indexOf(largest) + 1);
export const RDS_FAMILY_SIZES: Record<string, string[]> = {
  "db.t3": ["micro", "small", "medium", "large", "xlarge", "2xlarge"],
  "db.t4g": ["micro", "small", "medium", "large", "xlarge", "2xlarge"],
  "db.m5": upTo("24xlarge"),
  "db.m6g": upTo("16xlarge"),
  "db.m6i": upTo("32xlarge"),
  "db.r5": upTo("24xlarge"),
  "db.r6g": upTo("16xlarge"),
  "db.r6i": upTo("32xlarge"),
};
/** Normalization factors of the sizes (AWS's size-flexibility units). */
export const RDS_SIZE_FACTOR: Record<string, number> = {
  micro: 0.5, small: 1, medium: 2, large: 4, xlarge: 8, "2xlarge": 16, "4xlarge": 32, "8xlarge": 64, "12xlarge": 96, "16xlarge": 128, "24xlarge": 192, "32xlarge": 256,
};
/** RDS storage $ per GB-month, single-AZ (multi-AZ bills twice). Aurora: per GB stored. */
export const RDS_STORAGE_GB_MONTH: Record<string, number> = { gp2: 0.115, gp3: 0.115, io1: 0.125, io2: 0.125, standard: 0.1, aurora: 0.1 };
/**
 * Automated backup storage, $ per GB-month: free up to 100 % of the region's provisioned database
 * storage (a standing RDS price rule, not a free-tier offer), billed beyond it.
 */
export const RDS_BACKUP_GB_MONTH = 0.095;
/**
 * RDS's 12-month free tier (750 h a month of db.t2/t3/t4g.micro single-AZ, 20 GB of General
 * Purpose storage, 20 GB of backups), only for accounts created before 15 July 2025; newer
 * accounts get Free Tier credits instead. The estimator does not count it; bases name it.
 */
export const RDS_TWELVE_MONTH_FREE_TIER = { hours: 750, storageGb: 20, backupGb: 20, classes: /^db\.t(2|3|4g)\.micro$/ };

/** Aurora Serverless v2, $ per ACU-hour (us-east-1). */
export const AURORA_ACU_HOURLY = 0.12;


/** Fargate $ per vCPU-hour and per GB-hour (Linux). Spot: about 70 % below on-demand. */
export const FARGATE = {
  x86_64: { vcpuHour: same(0.04048), gbHour: same(0.004445) },
  arm64: { vcpuHour: same(0.03238), gbHour: same(0.00356) },
  spotDiscount: 0.7,
  /** Ephemeral storage beyond the included 20 GB, $ per GB-hour. */
  storageGbHour: same(0.000111),
};

export const LAMBDA = {
  perMillionRequests: same(0.2),
  gbSecond: { x86_64: same(0.0000166667), arm64: same(0.0000133334) },
};

export const DYNAMODB = {
  onDemandPerMillionWrites: 0.625,
  onDemandPerMillionReads: 0.125,
  provisionedWcuHour: 0.00065,
  provisionedRcuHour: 0.00013,
  storageGbMonth: 0.25,
};

export const CLOUDWATCH = {
  /** Standard-resolution alarm, per metric it evaluates. */
  alarmMonth: 0.1,
  highResolutionAlarmMonth: 0.3,
  compositeAlarmMonth: 0.5,
  dashboardMonth: 3,
  customMetricMonth: 0.3,
  logsIngestGb: usAndEu(0.5, 0.57),
  logsStorageGbMonth: same(0.03),
};

/** EventBridge Scheduler, $ per million invocations (universal targets included); 14 M a month free. */
export const SCHEDULER = { perMillionInvocations: 1 };
/**
 * Step Functions: Standard workflows per state transition (4,000 a month always free); Express
 * workflows per request and per GB-second of duration (first tier), memory billed in 64-MB chunks.
 */
export const STEP_FUNCTIONS = { standardPerThousandTransitions: 0.025, expressPerMillionRequests: 1.0, expressGbSecond: 0.00001667, expressMemoryChunkMb: 64 };
export const KMS = { keyMonth: 1, perTenThousandRequests: 0.03 };
export const SECRETS_MANAGER = { secretMonth: 0.4, perTenThousandCalls: 0.05 };
/** Parameter Store: standard parameters and standard throughput are free. */
export const SSM = { advancedParameterMonth: 0.05, standardParameterMonth: 0 };
export const SQS = { perMillionStandard: 0.4, perMillionFifo: 0.5 };
export const SNS = { perMillionPublishes: 0.5, perHundredThousandEmails: 2, lambdaDelivery: 0 };
export const S3 = { standardGbMonth: usAndEu(0.023, 0.023), perThousandPuts: 0.005, perThousandGets: 0.0004 };
export const COST_EXPLORER = { perRequest: 0.01 };
/** Budgets: the first two budgets of an account are free, then about $0.02 per budget-day. */
export const BUDGETS = { freeBudgets: 2, perBudgetDay: 0.02 };
export const ECR = { storageGbMonth: 0.1 };
/** Route 53 (global): hosted zones (first 25), standard queries (first billion), health checks. */
export const ROUTE53 = { hostedZoneMonth: 0.5, perMillionQueries: 0.4, healthCheckAwsEndpointMonth: 0.5, healthCheckOtherEndpointMonth: 0.75 };
/**
 * CloudFront to viewers in the US and Europe (first 10 TB). Its always-free 1 TB and 10 M requests
 * a month are not deducted (the estimate errs high): they are shared by every distribution.
 */
export const CLOUDFRONT = { dataOutGb: 0.085, perTenThousandHttpsRequests: 0.01 };
/** API Gateway requests (first tiers); REST APIs: first 333 M, HTTP APIs: first 300 M, WebSocket: messages. */
export const API_GATEWAY = { restPerMillion: 3.5, httpPerMillion: 1, websocketPerMillionMessages: 1, websocketPerMillionConnectionMinutes: 0.25 };
/** EFS Standard storage and provisioned throughput. */
export const EFS = { standardGbMonth: 0.3, provisionedMibpsMonth: 6 };
/** Kinesis Data Streams: provisioned shards and PUT payload units (25 KB); on-demand streams. */
export const KINESIS = { shardHour: 0.015, perMillionPutUnits: 0.014, onDemandStreamHour: 0.04, onDemandPerGbIngested: 0.08 };
/** ElastiCache Serverless (Redis OSS): data stored and ElastiCache Processing Units. */
export const ELASTICACHE_SERVERLESS = { gbHour: 0.125, perMillionEcpus: 0.0034 };
/** EKS control plane (standard support), $ per cluster-hour. */
export const EKS_CLUSTER_HOURLY = 0.1;
/** Interface VPC endpoint, $ per endpoint per AZ-hour (gateway endpoints are free). */
export const VPC_INTERFACE_ENDPOINT_HOURLY = usAndEu(0.01, 0.011);

/**
 * AWS's Always Free allowances (per account and month, not the 12-month trial), as far as the
 * estimator applies them.
 */
export const ALWAYS_FREE = {
  cloudwatchAlarms: 10,
  cloudwatchDashboards: 3,
  cloudwatchCustomMetrics: 10,
  /** Logs: 5 GB of ingestion, storage and scanning together. */
  cloudwatchLogsGb: 5,
  lambdaRequests: 1_000_000,
  lambdaGbSeconds: 400_000,
  sqsRequests: 1_000_000,
  snsPublishes: 1_000_000,
  snsEmails: 1_000,
  kmsRequests: 20_000,
  dynamodbStorageGb: 25,
  dynamodbProvisionedWcu: 25,
  dynamodbProvisionedRcu: 25,
  budgets: 2,
  schedulerInvocations: 14_000_000,
  stepFunctionsTransitions: 4_000,
};
