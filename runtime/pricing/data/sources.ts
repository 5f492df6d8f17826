/**
 * Where the catalog's figures come from. Every price in data/ points at one of these.
 *
 * Figures marked SPEC_CHECKED were checked by hand against AWS's pricing pages (SPEC S11).
 * Figures marked AWS_LIST_* are AWS public list prices as published on the named page and
 * recorded here on the date given; they could not be re-fetched offline, so the Price List
 * API refresh (S11) should be trusted over them when it is available.
 */
import type { PriceSource } from "../types";

/** The date the catalog's list prices were recorded. */
export const CATALOG_DATE = "2026-11-23";

const page = (path: string, note?: string): PriceSource => ({ date: CATALOG_DATE, source: `https://aws.amazon.com/${path}${note ? ` (${note})` : ""}` });

export const SOURCES = {
  specChecked: { date: CATALOG_DATE, source: "SPEC S11 table (checked against the AWS pricing pages, us-east-1)" },
  ec2OnDemand: page("ec2/pricing/on-demand/", "Linux, shared tenancy; sizes scale with the normalization factor"),
  ec2Spot: {
    date: CATALOG_DATE,
    source: "estimate: on-demand × (1 − SPOT_DISCOUNT); https://aws.amazon.com/ec2/spot/pricing/ varies by pool and hour, use spot price history when available",
  },
  ebs: page("ebs/pricing/"),
  vpc: page("vpc/pricing/", "public IPv4 addresses and NAT gateways"),
  elb: page("elasticloadbalancing/pricing/", "hourly charge; capacity units extra"),
  rds: page("rds/pricing/", "single-AZ; multi-AZ deployments are billed twice"),
  elasticache: page("elasticache/pricing/", "on-demand nodes, Redis OSS / Memcached"),
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
  route53: page("route53/pricing/"),
  eventBridge: page("eventbridge/pricing/", "scheduled rules and AWS service events are free"),
  scheduler: page("eventbridge/pricing/", "EventBridge Scheduler: $1.00 per million invocations, 14 million a month free"),
  rdsBackup: page("rds/postgresql/pricing/", "backup storage free up to 100 % of provisioned storage, $0.095/GB-month beyond"),
  rdsFreeTier: page("rds/free/", "12-month free tier: 750 h db.t*.micro single-AZ, 20 GB storage, 20 GB backups; accounts created before 2025-07-15"),
} satisfies Record<string, PriceSource>;

/** Regions the catalog prices. */
export const REGIONS = ["us-east-1", "us-west-2", "eu-west-1"] as const;
export type Region = (typeof REGIONS)[number];
