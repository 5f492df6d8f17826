/**
 * Inventory adapter: paginated SDK calls → plain records. Page sizes are the largest each
 * API allows, so one check makes as few calls as the account's size permits.
 */
import { AutoScalingClient, paginateDescribeAutoScalingGroups } from "@aws-sdk/client-auto-scaling";
import { DescribeAddressesCommand, DescribeSpotInstanceRequestsCommand, EC2Client, paginateDescribeInstances, paginateDescribeNatGateways, paginateDescribeSpotPriceHistory, paginateDescribeVolumes, type Tag } from "@aws-sdk/client-ec2";
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, paginateListClusters, paginateListServices, paginateListTasks } from "@aws-sdk/client-ecs";
import { DescribeTagsCommand, ElasticLoadBalancingV2Client, paginateDescribeLoadBalancers } from "@aws-sdk/client-elastic-load-balancing-v2";
import { RDSClient, paginateDescribeDBInstances } from "@aws-sdk/client-rds";
import { emptyInventory, isRunning, type Inventory, type Tags } from "./model";

/** The IAM actions of the reads below; they support no resource-level permissions (granted on "*"). */
export const INVENTORY_ACTIONS = [
  "ec2:DescribeInstances",
  "ec2:DescribeVolumes",
  "ec2:DescribeNatGateways",
  "ec2:DescribeAddresses",
  "ec2:DescribeSpotPriceHistory",
  "ec2:DescribeSpotInstanceRequests",
  "autoscaling:DescribeAutoScalingGroups",
  "elasticloadbalancing:DescribeLoadBalancers",
  "elasticloadbalancing:DescribeTags",
  "rds:DescribeDBInstances",
  "ecs:ListClusters",
  "ecs:ListServices",
  "ecs:DescribeServices",
  "ecs:ListTasks",
  "ecs:DescribeTasks",
] as const;

export interface InventoryClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  ecs: ECSClient;
  rds: RDSClient;
  elbv2: ElasticLoadBalancingV2Client;
}

/** Largest page sizes the APIs accept (also used by the benchmark to count the minimum pages). */
export const PAGE_SIZES = {
  describeInstances: 1000,
  describeVolumes: 500,
  describeNatGateways: 1000,
  describeLoadBalancers: 400,
  describeElbTags: 20,
  describeDbInstances: 100,
  describeAutoScalingGroups: 100,
  listClusters: 100,
  listServices: 100,
  describeServices: 10,
  listTasks: 100,
  describeTasks: 100,
  describeSpotPriceHistory: 1000,
  /** Spot request ids per DescribeSpotInstanceRequests call (kept well under the request size limit). */
  describeSpotRequests: 100,
} as const;

/** Which parts to read: a stop or restore needs only the stoppable kinds. */
export type InventoryPart = "instances" | "volumes" | "natGateways" | "loadBalancers" | "addresses" | "dbInstances" | "autoScalingGroups" | "ecs";
export const ALL_PARTS: InventoryPart[] = ["instances", "volumes", "natGateways", "loadBalancers", "addresses", "dbInstances", "autoScalingGroups", "ecs"];
export const STOPPABLE_PARTS: InventoryPart[] = ["instances", "dbInstances", "autoScalingGroups", "ecs"];

const tagMap = (tags: { Key?: string; Value?: string }[] | undefined): Tags =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? ""]));

const chunks = <T>(items: T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export async function readInventory(clients: InventoryClients, region: string, parts: InventoryPart[] = ALL_PARTS): Promise<Inventory> {
  const inv = emptyInventory(region);
  const want = new Set(parts);
  const jobs: Promise<void>[] = [];

  if (want.has("instances")) jobs.push(readInstances(clients.ec2, inv));
  if (want.has("volumes")) jobs.push(readVolumes(clients.ec2, inv));
  if (want.has("natGateways")) {
    jobs.push(
      (async () => {
        const pages = paginateDescribeNatGateways({ client: clients.ec2, pageSize: PAGE_SIZES.describeNatGateways }, { Filter: [{ Name: "state", Values: ["pending", "available"] }] });
        for await (const page of pages) for (const n of page.NatGateways ?? []) inv.natGateways.push({ id: n.NatGatewayId!, tags: tagMap(n.Tags as Tag[]) });
      })(),
    );
  }
  if (want.has("addresses")) {
    jobs.push(
      (async () => {
        // DescribeAddresses is not paginated: one call returns every Elastic IP.
        const out = await clients.ec2.send(new DescribeAddressesCommand({}));
        for (const a of out.Addresses ?? []) if (a.PublicIp) inv.addresses.push({ publicIp: a.PublicIp, allocationId: a.AllocationId, instanceId: a.InstanceId, tags: tagMap(a.Tags) });
      })(),
    );
  }
  if (want.has("loadBalancers")) jobs.push(readLoadBalancers(clients.elbv2, inv));
  if (want.has("dbInstances")) {
    jobs.push(
      (async () => {
        for await (const page of paginateDescribeDBInstances({ client: clients.rds, pageSize: PAGE_SIZES.describeDbInstances }, {})) {
          for (const d of page.DBInstances ?? []) {
            inv.dbInstances.push({
              id: d.DBInstanceIdentifier!,
              instanceClass: d.DBInstanceClass ?? "unknown",
              engine: d.Engine ?? "unknown",
              multiAz: d.MultiAZ ?? false,
              storageType: d.StorageType ?? "gp2",
              allocatedGiB: d.AllocatedStorage ?? 0,
              status: d.DBInstanceStatus ?? "unknown",
              clusterId: d.DBClusterIdentifier,
              tags: tagMap(d.TagList),
            });
          }
        }
      })(),
    );
  }
  if (want.has("autoScalingGroups")) {
    jobs.push(
      (async () => {
        for await (const page of paginateDescribeAutoScalingGroups({ client: clients.autoScaling, pageSize: PAGE_SIZES.describeAutoScalingGroups }, {})) {
          for (const g of page.AutoScalingGroups ?? []) {
            inv.autoScalingGroups.push({ name: g.AutoScalingGroupName!, minSize: g.MinSize ?? 0, maxSize: g.MaxSize ?? 0, desiredCapacity: g.DesiredCapacity ?? 0, tags: tagMap(g.Tags) });
          }
        }
      })(),
    );
  }
  if (want.has("ecs")) jobs.push(readEcs(clients.ecs, inv));
  await Promise.all(jobs);
  return inv;
}

async function readInstances(ec2: EC2Client, inv: Inventory): Promise<void> {
  /** Stand-alone spot instance id → its spot request id. */
  const spotRequestOf = new Map<string, string>();
  // Stopped ones too: their volumes and Elastic IPs still cost money in their environment.
  const states = ["pending", "running", "stopping", "stopped"] as const;
  const pages = paginateDescribeInstances({ client: ec2, pageSize: PAGE_SIZES.describeInstances }, { Filters: [{ Name: "instance-state-name", Values: [...states] }] });
  for await (const page of pages) {
    for (const r of page.Reservations ?? []) {
      for (const i of r.Instances ?? []) {
        const tags = tagMap(i.Tags);
        const autoScalingGroup = tags["aws:autoscaling:groupName"];
        inv.instances.push({
          id: i.InstanceId!,
          instanceType: i.InstanceType ?? "unknown",
          availabilityZone: i.Placement?.AvailabilityZone ?? "",
          lifecycle: i.InstanceLifecycle === "spot" ? "spot" : "on-demand",
          state: states.find((x) => x === i.State?.Name) ?? "running",
          tags,
          autoScalingGroup,
          publicIp: i.PublicIpAddress,
          rootDeviceType: i.RootDeviceType === "instance-store" ? "instance-store" : "ebs",
        });
        // Stand-alone spot instances only: those of an Auto Scaling group are stopped through it.
        if (i.InstanceLifecycle === "spot" && i.State?.Name === "running" && !autoScalingGroup && i.SpotInstanceRequestId) spotRequestOf.set(i.InstanceId!, i.SpotInstanceRequestId);
      }
    }
  }
  if (spotRequestOf.size === 0) return;
  const types = await readSpotRequestTypes(ec2, [...spotRequestOf.values()]);
  for (const instance of inv.instances) {
    const type = types.get(spotRequestOf.get(instance.id) ?? "");
    if (type) instance.spotRequestType = type;
  }
}

/**
 * Whether each spot request is one-time or persistent (only persistent ones' instances can be
 * stopped). A batch EC2 refuses (a request closed meanwhile makes the whole call fail) leaves
 * its types unknown: the stop is then tried, and a refusal is remembered (actions.ts).
 */
async function readSpotRequestTypes(ec2: EC2Client, requestIds: string[]): Promise<Map<string, "one-time" | "persistent">> {
  const types = new Map<string, "one-time" | "persistent">();
  for (const batch of chunks(requestIds, PAGE_SIZES.describeSpotRequests)) {
    try {
      const out = await ec2.send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: batch }));
      for (const r of out.SpotInstanceRequests ?? []) if (r.SpotInstanceRequestId && (r.Type === "one-time" || r.Type === "persistent")) types.set(r.SpotInstanceRequestId, r.Type);
    } catch (err) {
      if (!/InvalidSpotInstanceRequestID/.test((err as Error).name ?? "")) throw err;
    }
  }
  return types;
}

async function readVolumes(ec2: EC2Client, inv: Inventory): Promise<void> {
  for await (const page of paginateDescribeVolumes({ client: ec2, pageSize: PAGE_SIZES.describeVolumes }, {})) {
    for (const v of page.Volumes ?? []) {
      inv.volumes.push({ id: v.VolumeId!, volumeType: v.VolumeType ?? "gp2", sizeGiB: v.Size ?? 0, tags: tagMap(v.Tags), instanceId: v.Attachments?.[0]?.InstanceId });
    }
  }
}

async function readLoadBalancers(elbv2: ElasticLoadBalancingV2Client, inv: Inventory): Promise<void> {
  const found: { arn: string; name: string; kind: "application" | "network" | "gateway" }[] = [];
  for await (const page of paginateDescribeLoadBalancers({ client: elbv2, pageSize: PAGE_SIZES.describeLoadBalancers }, {})) {
    for (const lb of page.LoadBalancers ?? []) found.push({ arn: lb.LoadBalancerArn!, name: lb.LoadBalancerName ?? "", kind: (lb.Type ?? "application") as "application" });
  }
  // Load balancers carry no tags in DescribeLoadBalancers: DescribeTags takes 20 ARNs a call.
  const tags = new Map<string, Tags>();
  for (const batch of chunks(found, PAGE_SIZES.describeElbTags)) {
    const out = await elbv2.send(new DescribeTagsCommand({ ResourceArns: batch.map((b) => b.arn) }));
    for (const d of out.TagDescriptions ?? []) tags.set(d.ResourceArn!, tagMap(d.Tags));
  }
  for (const lb of found) inv.loadBalancers.push({ ...lb, tags: tags.get(lb.arn) ?? {} });
}

async function readEcs(ecs: ECSClient, inv: Inventory): Promise<void> {
  const clusters: string[] = [];
  for await (const page of paginateListClusters({ client: ecs, pageSize: PAGE_SIZES.listClusters }, {})) clusters.push(...(page.clusterArns ?? []));
  await Promise.all(
    clusters.map(async (cluster) => {
      const serviceArns: string[] = [];
      for await (const page of paginateListServices({ client: ecs, pageSize: PAGE_SIZES.listServices }, { cluster })) serviceArns.push(...(page.serviceArns ?? []));
      for (const batch of chunks(serviceArns, PAGE_SIZES.describeServices)) {
        const out = await ecs.send(new DescribeServicesCommand({ cluster, services: batch, include: ["TAGS"] }));
        for (const s of out.services ?? []) {
          if (s.status === "INACTIVE") continue;
          inv.services.push({ cluster, name: s.serviceName!, desiredCount: s.desiredCount ?? 0, runningCount: s.runningCount ?? 0, tags: tagMap(s.tags?.map((t) => ({ Key: t.key, Value: t.value }))) });
        }
      }
      // Fargate tasks are priced per task (EC2-backed tasks are paid through their instances).
      const taskArns: string[] = [];
      for await (const page of paginateListTasks({ client: ecs, pageSize: PAGE_SIZES.listTasks }, { cluster, desiredStatus: "RUNNING", launchType: "FARGATE" })) taskArns.push(...(page.taskArns ?? []));
      for (const batch of chunks(taskArns, PAGE_SIZES.describeTasks)) {
        const out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: batch, include: ["TAGS"] }));
        for (const t of out.tasks ?? []) {
          inv.tasks.push({
            arn: t.taskArn!,
            cluster,
            service: t.group?.startsWith("service:") ? t.group.slice("service:".length) : undefined,
            vcpu: Number(t.cpu ?? 256) / 1024,
            memoryGb: Number(t.memory ?? 512) / 1024,
            spot: t.capacityProviderName === "FARGATE_SPOT",
            architecture: t.attributes?.some((a) => a.name === "ecs.cpu-architecture" && a.value === "arm64") ? "arm64" : "x86_64",
            tags: tagMap(t.tags?.map((x) => ({ Key: x.key, Value: x.value }))),
          });
        }
      }
    }),
  );
}

/** Current spot prices for the spot instances' types, keyed `type|az`; one paginated call. */
export async function readSpotPrices(ec2: EC2Client, inv: Inventory, now: Date): Promise<Map<string, number>> {
  const types = [...new Set(inv.instances.filter((i) => i.lifecycle === "spot" && isRunning(i)).map((i) => i.instanceType))];
  const prices = new Map<string, number>();
  if (types.length === 0) return prices;
  const pages = paginateDescribeSpotPriceHistory(
    { client: ec2, pageSize: PAGE_SIZES.describeSpotPriceHistory },
    { InstanceTypes: types as never[], ProductDescriptions: ["Linux/UNIX"], StartTime: now },
  );
  for await (const page of pages) {
    // Newest first per pool: keep the first price seen for each type|az.
    for (const p of page.SpotPriceHistory ?? []) {
      const key = `${p.InstanceType}|${p.AvailabilityZone}`;
      if (!prices.has(key) && p.SpotPrice) prices.set(key, Number(p.SpotPrice));
    }
  }
  return prices;
}
