/**
 * Usage the estimator cannot read from inputs: how often an event-driven function runs, how
 * much a log group ingests, how many requests a queue sees. Each has a default (below, shown
 * in the basis of every line item that uses it) and may be declared per resource.
 *
 * Declaring a known usage: put the tag `costguard:estimate` (TAGS.estimate) on the resource,
 * as space-separated `key=value` pairs, e.g.
 *
 *   tags: { "costguard:estimate": "invocationsPerMonth=300 durationMs=2000 costExplorerRequestsPerRun=5" }
 *
 * AWS allows letters, digits, spaces and `+ - = . _ : / @` in tag values, so this is a valid
 * tag. A Lambda may instead carry its Cost Explorer budget in its COSTGUARD_SETTINGS JSON
 * (`costExplorerRequestsPerRun` or `maxCostExplorerRequests`): the report function does.
 */

import { TAGS } from "../contract";

/** The tag a resource uses to declare its expected usage. */
export const ESTIMATE_TAG = TAGS.estimate;

export interface UsageAssumptions {
  /** Invocations/month of a function not driven by a schedule (SNS, events, manual). */
  eventDrivenInvocationsPerMonth: number;
  /** Average duration of an invocation, ms. */
  lambdaDurationMs: number;
  /** Log bytes an invocation writes (START/END/REPORT lines, app logs, EMF metrics). */
  logKbPerInvocation: number;
  /** GB/month ingested by a log group no known function writes to. */
  logGbPerMonth: number;
  /** Requests/month of a queue with no consumer (e.g. a dead-letter queue). */
  idleQueueRequestsPerMonth: number;
  /** Requests/month of a queue polled by a Lambda event source mapping (long polling). */
  polledQueueRequestsPerMonth: number;
  /** Publishes/month of an SNS topic. */
  topicPublishesPerMonth: number;
  /** Writes and reads/month of an on-demand DynamoDB table no function in the stack names. */
  dynamodbWritesPerMonth: number;
  dynamodbReadsPerMonth: number;
  /** Writes and reads per invocation of a function that names the table in its environment. */
  dynamodbWritesPerInvocation: number;
  dynamodbReadsPerInvocation: number;
  /** GB stored in a DynamoDB table, an S3 bucket, an ECR repository. */
  dynamodbStorageGb: number;
  s3StorageGb: number;
  s3PutsPerMonth: number;
  ecrStorageGb: number;
  /** GB/month processed by a NAT gateway. */
  natGbPerMonth: number;
  /** Hours/month a workload runs (730 = always on). */
  runningHoursPerMonth: number;
  /** Root volume of an instance whose AMI size is not known, GB. */
  defaultRootVolumeGb: number;
}

export const DEFAULT_USAGE: UsageAssumptions = {
  eventDrivenInvocationsPerMonth: 1_000,
  lambdaDurationMs: 1_000,
  logKbPerInvocation: 2,
  logGbPerMonth: 0.1,
  idleQueueRequestsPerMonth: 1_000,
  polledQueueRequestsPerMonth: 650_000,
  topicPublishesPerMonth: 1_000,
  dynamodbWritesPerMonth: 10_000,
  dynamodbReadsPerMonth: 10_000,
  dynamodbWritesPerInvocation: 2,
  dynamodbReadsPerInvocation: 4,
  dynamodbStorageGb: 0.1,
  s3StorageGb: 0.1,
  s3PutsPerMonth: 1_000,
  ecrStorageGb: 0.1,
  natGbPerMonth: 10,
  runningHoursPerMonth: 730,
  defaultRootVolumeGb: 8,
};

/**
 * Keys a `costguard:estimate` tag may set. Traffic-priced services without a declared figure are
 * listed as "depends on usage" at their rate: `capacityUnits` (a load balancer's average LCUs),
 * `dataGbPerMonth` (CloudFront data out, Kinesis on-demand data in), `requestsPerMonth` (API
 * Gateway, CloudFront, Kinesis PUT payload units), `queriesPerMonth` (a Route 53 record),
 * `storageGb` (EFS, ElastiCache Serverless).
 */
export const HINT_KEYS = [
  "invocationsPerMonth",
  "durationMs",
  "costExplorerRequestsPerRun",
  "costExplorerRequestsPerMonth",
  "logGbPerMonth",
  "requestsPerMonth",
  "writesPerMonth",
  "readsPerMonth",
  "storageGb",
  "backupStorageGb",
  "natGbPerMonth",
  "runningHoursPerMonth",
  "customMetrics",
  "capacityUnits",
  "dataGbPerMonth",
  "queriesPerMonth",
  // A state machine's distributed Map: items per execution (batched by its ItemBatcher), and 1 when that count is an assumption.
  "mapItemsPerRun",
  "mapItemsAssumed",
  // Its shape where the definition is not known at a first preview (built from other resources'
  // ARNs): states one execution passes, and the items per child of its distributed EXPRESS Map.
  "statesPerRun",
  "mapItemsPerBatch",
] as const;
export type HintKey = (typeof HINT_KEYS)[number];
export type UsageHint = Partial<Record<HintKey, number>>;

/** Parses `key=value key=value`; unknown keys and non-numbers are reported, not guessed. */
export function parseHint(text: string): { hint: UsageHint; problems: string[] } {
  const hint: UsageHint = {};
  const problems: string[] = [];
  for (const pair of text.trim().split(/[\s;,]+/).filter(Boolean)) {
    const [key, value] = pair.split("=");
    const n = Number(value);
    if (!(HINT_KEYS as readonly string[]).includes(key ?? "")) problems.push(`unknown key "${key}" (known: ${HINT_KEYS.join(", ")})`);
    else if (value === undefined || !Number.isFinite(n) || n < 0) problems.push(`${key} must be a number ≥ 0 (got "${value ?? ""}")`);
    else hint[key as HintKey] = n;
  }
  return { hint, problems };
}
