/**
 * Failsafe benchmark: pricing + decision over 5,000 instances, 2,000 volumes and 200 services
 * across 3 environments (time, peak memory), and the AWS API calls one check makes for that
 * inventory against the minimum number of pages the APIs allow.
 *
 *   npx tsx tools/bench/failsafe.ts
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeAddressesCommand, DescribeInstancesCommand, DescribeNatGatewaysCommand, DescribeSpotPriceHistoryCommand, DescribeVolumesCommand, EC2Client, StopInstancesCommand } from "@aws-sdk/client-ec2";
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListClustersCommand, ListServicesCommand, ListTasksCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { DescribeLoadBalancersCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeDBInstancesCommand, RDSClient, StopDBInstanceCommand } from "@aws-sdk/client-rds";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { burnRateByEnvironment } from "../../runtime/failsafe/burnRate";
import { runCheck } from "../../runtime/failsafe/run";
import { decide } from "../../runtime/failsafe/decide";
import { PAGE_SIZES, readInventory } from "../../runtime/failsafe/inventory";
import { FailsafeStore } from "../../runtime/failsafe/store";
import { catalog } from "../../runtime/pricing/catalog";
import type { PriceBook } from "../../runtime/pricing/types";
import { DEFAULT_ENVIRONMENTS, GuardConfigSchema } from "../../config/schema";
import { failsafeSettings } from "../../config/runtimeSettings";
import { memoryLog } from "../../runtime/shared/observability";

const ENVS = ["dev", "staging", "prod"];
const N = { instances: 5000, volumes: 2000, services: 200, tasksPerService: 2, asgSize: 50, asgShare: 0.6, spotShare: 0.2, dbs: 30, lbs: 30, nats: 6, eips: 50 };
const TYPES = ["t3.medium", "m5.large", "m5.xlarge", "c5.xlarge"];
const AZS = ["us-east-1a", "us-east-1b", "us-east-1c"];
// On-demand list prices, used to shape the mocked spot price history (35 % of on-demand).
const PRICE: Record<string, number> = Object.fromEntries(TYPES.map((t) => [t, catalog.ec2OnDemandHourly("us-east-1", t) ?? 0]));

// What a stack ships with: the real pricing catalog and the default settings of the config schema.
const prices: PriceBook = catalog;
const settings = failsafeSettings(DEFAULT_ENVIRONMENTS, GuardConfigSchema.shape.failsafe.parse(undefined));

// --- the synthetic account ---------------------------------------------------------------
const tags = (env: string, extra: Record<string, string> = {}) => Object.entries({ Environment: env, ...extra }).map(([Key, Value]) => ({ Key, Value }));
const asgCount = Math.round((N.instances * N.asgShare) / N.asgSize);
const instances = Array.from({ length: N.instances }, (_, i) => {
  const env = ENVS[i % 3]!;
  const asg = i < asgCount * N.asgSize ? `${env}-asg-${Math.floor(i / N.asgSize)}` : undefined;
  return {
    InstanceId: `i-${i.toString(16).padStart(17, "0")}`,
    InstanceType: TYPES[i % TYPES.length],
    Placement: { AvailabilityZone: AZS[i % 3] },
    InstanceLifecycle: i % Math.round(1 / N.spotShare) === 0 ? ("spot" as const) : undefined,
    State: { Name: "running" as const },
    PublicIpAddress: i % 4 === 0 ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` : undefined,
    Tags: tags(env, asg ? { "aws:autoscaling:groupName": asg } : {}),
  };
});
const volumes = Array.from({ length: N.volumes }, (_, i) => ({ VolumeId: `vol-${i}`, VolumeType: "gp3", Size: 100, Tags: [], Attachments: [{ InstanceId: instances[i]!.InstanceId }] }));
const asgs = Array.from({ length: asgCount }, (_, g) => ({ AutoScalingGroupName: `${ENVS[g % 3]}-asg-${g}`, MinSize: 10, MaxSize: 80, DesiredCapacity: N.asgSize, Tags: tags(ENVS[g % 3]!) }));
const clusters = ENVS.map((e) => `arn:aws:ecs:us-east-1:123456789012:cluster/${e}`);
const servicesOf = (c: string) => Array.from({ length: Math.ceil(N.services / 3) }, (_, s) => `${c.replace("cluster", "service")}/svc-${s}`).slice(0, clusters.indexOf(c) === 2 ? N.services - 2 * Math.ceil(N.services / 3) : undefined);
const tasksOf = (c: string) => servicesOf(c).flatMap((s) => Array.from({ length: N.tasksPerService }, (_, t) => `${s.replace("service", "task")}-${t}`));
const lbs = Array.from({ length: N.lbs }, (_, i) => ({ LoadBalancerArn: `arn:lb/${i}`, LoadBalancerName: `lb-${i}`, Type: "application" as const }));

const calls = new Map<string, number>();
const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
function page<T>(all: T[], size: number | undefined, token: string | undefined) {
  const start = token ? Number(token) : 0;
  const n = size ?? all.length;
  return { items: all.slice(start, start + n), next: start + n < all.length ? String(start + n) : undefined };
}

const ec2 = new EC2Client({ region: "us-east-1" });
const autoScaling = new AutoScalingClient({ region: "us-east-1" });
const ecs = new ECSClient({ region: "us-east-1" });
const rds = new RDSClient({ region: "us-east-1" });
const elbv2 = new ElasticLoadBalancingV2Client({ region: "us-east-1" });
const sns = new SNSClient({ region: "us-east-1" });
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" }));
const fake = <I>(stub: { on: (c: never) => { callsFake: (f: (i: I) => unknown) => unknown } }, cmd: { name: string }, fn: (i: I) => unknown) =>
  stub.on(cmd as never).callsFake(async (i: I) => (count(cmd.name.replace(/Command$/, "")), fn(i)));
type Paged = { MaxResults?: number; NextToken?: string };
const e = mockClient(ec2);
fake(e, DescribeInstancesCommand, (i: Paged) => ({ Reservations: [{ Instances: page(instances, i.MaxResults, i.NextToken).items }], NextToken: page(instances, i.MaxResults, i.NextToken).next }));
fake(e, DescribeVolumesCommand, (i: Paged) => ({ Volumes: page(volumes, i.MaxResults, i.NextToken).items, NextToken: page(volumes, i.MaxResults, i.NextToken).next }));
fake(e, DescribeNatGatewaysCommand, () => ({ NatGateways: Array.from({ length: N.nats }, (_, i) => ({ NatGatewayId: `nat-${i}`, Tags: tags(ENVS[i % 3]!) })) }));
fake(e, DescribeAddressesCommand, () => ({ Addresses: Array.from({ length: N.eips }, (_, i) => ({ PublicIp: `203.0.113.${i}`, AllocationId: `eipalloc-${i}`, Tags: tags(ENVS[i % 3]!) })) }));
fake(e, DescribeSpotPriceHistoryCommand, () => ({ SpotPriceHistory: TYPES.flatMap((t) => AZS.map((az) => ({ InstanceType: t, AvailabilityZone: az, SpotPrice: String((PRICE[t] ?? 0) * 0.35) }))) }));
fake(e, StopInstancesCommand, () => ({}));
const a = mockClient(autoScaling);
fake(a, UpdateAutoScalingGroupCommand, () => ({}));
fake(a, DescribeAutoScalingGroupsCommand, (i: { MaxRecords?: number; NextToken?: string }) => ({ AutoScalingGroups: page(asgs, i.MaxRecords, i.NextToken).items, NextToken: page(asgs, i.MaxRecords, i.NextToken).next }));
const c = mockClient(ecs);
fake(c, UpdateServiceCommand, () => ({}));
fake(c, ListClustersCommand, () => ({ clusterArns: clusters }));
fake(c, ListServicesCommand, (i: { cluster: string; maxResults?: number; nextToken?: string }) => ({ serviceArns: page(servicesOf(i.cluster), i.maxResults, i.nextToken).items, nextToken: page(servicesOf(i.cluster), i.maxResults, i.nextToken).next }));
fake(c, DescribeServicesCommand, (i: { services: string[] }) => ({ services: i.services.map((s) => ({ serviceName: s.split("/").pop(), desiredCount: 2, runningCount: 2, status: "ACTIVE", tags: [{ key: "Environment", value: s.split("/")[1] }] })) }));
fake(c, ListTasksCommand, (i: { cluster: string; maxResults?: number; nextToken?: string }) => ({ taskArns: page(tasksOf(i.cluster), i.maxResults, i.nextToken).items, nextToken: page(tasksOf(i.cluster), i.maxResults, i.nextToken).next }));
fake(c, DescribeTasksCommand, (i: { tasks: string[] }) => ({ tasks: i.tasks.map((t) => ({ taskArn: t, group: `service:${t.split("/").pop()!.replace(/-\d+$/, "")}`, cpu: "512", memory: "1024", capacityProviderName: "FARGATE", tags: [] })) }));
const r = mockClient(rds);
fake(r, StopDBInstanceCommand, () => ({}));
fake(r, DescribeDBInstancesCommand, () => ({ DBInstances: Array.from({ length: N.dbs }, (_, i) => ({ DBInstanceIdentifier: `db-${i}`, DBInstanceClass: "db.t3.medium", Engine: "postgres", StorageType: "gp3", AllocatedStorage: 100, DBInstanceStatus: "available", TagList: tags(ENVS[i % 3]!) })) }));
const l = mockClient(elbv2);
fake(l, DescribeLoadBalancersCommand, () => ({ LoadBalancers: lbs }));
fake(l, DescribeTagsCommand, (i: { ResourceArns: string[] }) => ({ TagDescriptions: i.ResourceArns.map((a) => ({ ResourceArn: a, Tags: tags(ENVS[Number(a.split("/")[1]) % 3]!) })) }));
fake(mockClient(sns), PublishCommand, () => ({ MessageId: "m" }));
const d = mockClient(doc);
fake(d, PutCommand, () => ({}));
fake(d, GetCommand, () => ({}));
fake(d, QueryCommand, () => ({ Items: [] }));

// --- measurements ------------------------------------------------------------------------
const minimumPages = (() => {
  const perCluster = (n: number, size: number) => clusters.length * Math.ceil(n / clusters.length / size);
  return {
    DescribeInstances: Math.ceil(N.instances / PAGE_SIZES.describeInstances),
    DescribeVolumes: Math.ceil(N.volumes / PAGE_SIZES.describeVolumes),
    DescribeNatGateways: 1,
    DescribeAddresses: 1,
    DescribeSpotPriceHistory: 1,
    DescribeLoadBalancers: Math.ceil(N.lbs / PAGE_SIZES.describeLoadBalancers),
    DescribeTags: Math.ceil(N.lbs / PAGE_SIZES.describeElbTags),
    DescribeDBInstances: Math.ceil(N.dbs / PAGE_SIZES.describeDbInstances),
    DescribeAutoScalingGroups: Math.ceil(asgCount / PAGE_SIZES.describeAutoScalingGroups),
    ListClusters: 1,
    ListServices: perCluster(N.services, PAGE_SIZES.listServices),
    DescribeServices: perCluster(N.services, PAGE_SIZES.describeServices),
    ListTasks: perCluster(N.services * N.tasksPerService, PAGE_SIZES.listTasks),
    DescribeTasks: perCluster(N.services * N.tasksPerService, PAGE_SIZES.describeTasks),
  } as Record<string, number>;
})();

async function main() {
  const region = "us-east-1";
  const clients = { ec2, autoScaling, ecs, rds, elbv2 };
  const inventory = await readInventory(clients, region);
  const inventoryCalls = new Map(calls);
  calls.clear();

  // Pricing + decision (pure): median of 20 runs, peak heap over them.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  let peakRss = process.memoryUsage().rss;
  const times: number[] = [];
  let actions = 0;
  const now = Date.now();
  for (let r = 0; r < 20; r++) {
    const t0 = process.hrtime.bigint();
    const burn = burnRateByEnvironment(inventory, prices);
    const decision = decide({ now, settings, burn: Object.fromEntries(Object.entries(burn.groups).map(([g, b]) => [g, b.usdPerHour])), samples: {}, inventory, states: {} });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    actions = decision.actions.length + decision.deferred.length;
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  }
  times.sort((a, b) => a - b);

  // One whole check through the (mocked) clients: every API call it makes.
  const t1 = process.hrtime.bigint();
  const store = new FailsafeStore(doc, { samples: "s", state: "st", audit: "a" }, 48);
  await runCheck({ clients, store, sns, alertTopicArn: "arn:aws:sns:us-east-1:1:a", prices, settings, stack: "bench", region, log: memoryLog(), emit: () => undefined, now: () => now });
  const checkMs = Number(process.hrtime.bigint() - t1) / 1e6;

  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
  console.log(`Failsafe benchmark: ${N.instances} instances (${asgCount} ASGs), ${N.volumes} volumes, ${N.services} services (${N.services * N.tasksPerService} Fargate tasks), ${N.dbs} DBs, ${N.lbs} LBs across ${ENVS.length} environments\n`);
  console.log("| measure | value |\n|---|---|");
  console.log(`| pricing + decision, median of 20 | ${times[10]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[19]!.toFixed(1)}) |`);
  console.log(`| heap growth during pricing + decision (peak) | ${mb(peakHeap - heapBefore)}${gc ? "" : " (run with --expose-gc for a cleaner figure)"} |`);
  console.log(`| process peak RSS | ${mb(peakRss)} |`);
  console.log(`| actions planned for a full stop (cap 20 a run) | ${actions} |`);
  console.log(`| one whole check (mocked AWS, no network) | ${checkMs.toFixed(0)} ms |`);

  const names = Object.keys(minimumPages);
  let made = 0;
  let minimum = 0;
  console.log("\n| AWS API call | calls in one check | minimum pages | ratio |\n|---|---|---|---|");
  for (const name of names) {
    const n = calls.get(name) ?? 0;
    made += n;
    minimum += minimumPages[name]!;
    console.log(`| ${name} | ${n} | ${minimumPages[name]} | ${(n / minimumPages[name]!).toFixed(2)} |`);
  }
  console.log(`| **inventory total** | **${made}** | **${minimum}** | **${(made / minimum).toFixed(2)}** |`);
  const other = [...calls.entries()].filter(([k]) => !names.includes(k));
  console.log(`\nOther calls in the check: ${other.map(([k, v]) => `${k} ${v}`).join(", ")} (DynamoDB samples/state/audit, SNS, stop actions)`);
  const sameAsInventory = names.every((n) => (inventoryCalls.get(n) ?? 0) === (n === "DescribeSpotPriceHistory" ? 0 : calls.get(n)));
  if (!sameAsInventory) console.log("note: readInventory alone made a different number of calls than the check");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
