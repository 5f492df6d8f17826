/**
 * Where the catalog's figures come from. Every price in data/ points at one of these.
 *
 * Figures marked specChecked were checked by hand against AWS's pricing pages (us-east-1).
 * The others are AWS public list prices as published on the named page and recorded here on
 * the date given; they could not be re-fetched offline, so the Price List API refresh
 * (pricing/live.ts) should be trusted over them when it is available.
 */
import type { PriceSource } from "../types";
import { EC2_TABLE_SOURCE } from "./ec2Table";
import { ELASTICACHE_TABLE_SOURCE } from "./elasticacheTable";

/** The date the catalog's list prices were recorded. */
export const CATALOG_DATE = "2026-11-23";

/** The date the usage-priced services (CloudFront, API Gateway, Route 53 queries, EFS, Kinesis) were recorded. */
export const USAGE_PRICES_DATE = "2026-12-02";

const page = (path: string, note?: string, date = CATALOG_DATE): PriceSource => ({ date, source: `https://aws.amazon.com/${path}${note ? ` (${note})` : ""}` });

export const SOURCES = {
  specChecked: { date: CATALOG_DATE, source: "checked by hand against the AWS pricing pages (us-east-1)" },
  ec2OnDemand: page("ec2/pricing/on-demand/", "us-west-2 and eu-west-1, 11 checked families; sizes scale with the normalization factor"),
  ec2Table: { date: EC2_TABLE_SOURCE.date, source: `${EC2_TABLE_SOURCE.source}; us-east-1, every instance type` },
  ec2Regional: {
    date: EC2_TABLE_SOURCE.date,
    source: "estimate: us-east-1 price × the region's factor (the median ratio of the checked families' regional prices to us-east-1), for types outside the checked families",
  },
  ec2Spot: {
    date: CATALOG_DATE,
    source: "estimate: on-demand × (1 − SPOT_DISCOUNT); https://aws.amazon.com/ec2/spot/pricing/ varies by pool and hour, use spot price history when available",
  },
  ebs: page("ebs/pricing/"),
  vpc: page("vpc/pricing/", "public IPv4 addresses and NAT gateways"),
  elb: page("elasticloadbalancing/pricing/", "hourly charge; capacity units by usage"),
  rds: page("rds/pricing/", "single-AZ; multi-AZ deployments are billed twice"),
  elasticache: { date: ELASTICACHE_TABLE_SOURCE.date, source: `${ELASTICACHE_TABLE_SOURCE.source}; on-demand nodes per region, Memcached = Redis OSS, Valkey 20 % less` },
  rdsSizes: page("rds/pricing/", "sizes of a class family priced in proportion to their normalization factor, from the nearest listed size"),
  cloudfront: page("cloudfront/pricing/", "US and Europe, first 10 TB; always free 1 TB and 10 M requests a month", USAGE_PRICES_DATE),
  apiGateway: page("api-gateway/pricing/", "REST first 333 M requests, HTTP first 300 M, WebSocket messages", USAGE_PRICES_DATE),
  efs: page("efs/pricing/", "Standard storage, provisioned throughput", USAGE_PRICES_DATE),
  kinesis: page("kinesis/data-streams/pricing/", "provisioned shard-hours and PUT payload units, on-demand stream-hours", USAGE_PRICES_DATE),
  elasticacheServerless: page("elasticache/pricing/", "Serverless, Redis OSS: data stored and ECPUs", USAGE_PRICES_DATE),
  fargate: page("fargate/pricing/"),
  lambda: page("lambda/pricing/"),
  dynamodb: page("dynamodb/pricing/", "on-demand prices after the November 2024 reduction"),
  cloudwatch: page("cloudwatch/pricing/"),
  kms: page("kms/pricing/"),
  secretsManager: page("secrets-manager/pricing/"),
  ssm: page("systems-manager/pricing/", "Parameter Store"),
  sqs: page("sqs/pricing/"),
  sns: page("sns/pricing/"),
  s3: page("s3/pricing/", "S3 Standard"),
  costExplorer: page("aws-cost-management/aws-cost-explorer/pricing/"),
  budgets: page("aws-cost-management/aws-budgets/pricing/", "first two budgets free"),
  freeTier: page("free/", "Always Free offers (not the 12-month trial)"),
  ecr: page("ecr/pricing/"),
  route53: page("route53/pricing/", "hosted zones, standard queries, health checks", USAGE_PRICES_DATE),
  eventBridge: page("eventbridge/pricing/", "scheduled rules and AWS service events are free"),
  stepFunctions: page("step-functions/pricing/", "Standard: $0.025 per 1,000 state transitions, 4,000 a month free; Express: $1.00 per million requests and $0.00001667 per GB-second, 64-MB chunks", USAGE_PRICES_DATE),
  scheduler: page("eventbridge/pricing/", "EventBridge Scheduler: $1.00 per million invocations, 14 million a month free"),
  rdsBackup: page("rds/postgresql/pricing/", "backup storage free up to 100 % of provisioned storage, $0.095/GB-month beyond"),
  rdsFreeTier: page("rds/free/", "12-month free tier: 750 h db.t*.micro single-AZ, 20 GB storage, 20 GB backups; accounts created before 2025-07-15"),
} satisfies Record<string, PriceSource>;

/** Regions the catalog prices. */
export const REGIONS = ["us-east-1", "us-west-2", "eu-west-1"] as const;
export type Region = (typeof REGIONS)[number];
