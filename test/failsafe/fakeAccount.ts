/**
 * A small stateful fake AWS account for scenario tests: EC2 instances, Auto Scaling groups
 * (which launch and terminate instances to match their desired capacity), ECS services with
 * Fargate tasks, RDS instances, SNS. Served through aws-sdk-client-mock on real SDK clients,
 * with pagination honoured (page size from the request) and failures injectable.
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeSpotInstanceRequestsCommand,
  DescribeSpotPriceHistoryCommand,
  DescribeVolumesCommand,
  EC2Client,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListClustersCommand, ListServicesCommand, ListTasksCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { DescribeLoadBalancersCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeDBInstancesCommand, RDSClient, StartDBInstanceCommand, StopDBInstanceCommand } from "@aws-sdk/client-rds";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";

type Tags = Record<string, string>;
const toTags = (t: Tags) => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));

export interface FakeInstance {
  id: string;
  type: string;
  az: string;
  /** pending until `readyAt` on the account's clock, as EC2 takes minutes to start an instance. */
  state: "pending" | "running" | "stopped" | "terminated";
  readyAt?: number;
  tags: Tags;
  spot?: boolean;
  /**
   * The spot request behind a spot instance: EC2 stops only instances of a persistent request
   * (one-time is the default of RunInstances' spot market options). Undefined with `spot`: an
   * instance whose request EC2 no longer describes (a fleet's, or a closed request).
   */
  spotRequest?: "one-time" | "persistent";
  /** An instance-store root cannot be stopped either, only terminated. */
  rootDevice?: "ebs" | "instance-store";
  publicIp?: string;
}
export interface FakeAsg { name: string; min: number; max: number; desired: number; type: string; tags: Tags }
export interface FakeService { cluster: string; name: string; desired: number; tags: Tags; cpu: number; memory: number }
export interface FakeDb { id: string; cls: string; status: "available" | "starting" | "stopped"; readyAt?: number; tags: Tags }

const CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/main";

export class FakeAccount {
  readonly instances = new Map<string, FakeInstance>();
  readonly asgs = new Map<string, FakeAsg>();
  readonly services = new Map<string, FakeService>();
  readonly dbs = new Map<string, FakeDb>();
  readonly volumes: { id: string; type: string; size: number; tags: Tags; instanceId?: string }[] = [];
  /** Every call, by command name (reads and writes). */
  readonly calls: { command: string; input: Record<string, unknown> }[] = [];
  readonly published: { Subject?: string; Message?: string }[] = [];
  private readonly failures = new Map<string, { times: number; error: () => Error }>();
  private seq = 0;
  /** The account's clock (epoch ms): the world sets it to the time of each run. */
  clock = 0;
  /**
   * How long a started or launched instance stays `pending` (and a started DB `starting`).
   * 0 by default: scenarios about what happens while an environment comes back set it.
   */
  startDelayMs = 0;

  readonly clients = {
    ec2: new EC2Client({ region: "us-east-1" }),
    autoScaling: new AutoScalingClient({ region: "us-east-1" }),
    ecs: new ECSClient({ region: "us-east-1" }),
    rds: new RDSClient({ region: "us-east-1" }),
    elbv2: new ElasticLoadBalancingV2Client({ region: "us-east-1" }),
  };
  readonly sns = new SNSClient({ region: "us-east-1" });

  /** `idPrefix`: instance ids of this fake (several fakes, one per unit, must not share ids). */
  constructor(private readonly idPrefix = "") {
    const ec2 = mockClient(this.clients.ec2);
    const asg = mockClient(this.clients.autoScaling);
    const ecs = mockClient(this.clients.ecs);
    const rds = mockClient(this.clients.rds);
    const elb = mockClient(this.clients.elbv2);
    const sns = mockClient(this.sns);
    const on = <I extends Record<string, unknown>>(stub: { on: (c: never) => { callsFake: (f: (i: I) => unknown) => unknown } }, cmd: { name: string }, fn: (input: I) => unknown) =>
      stub.on(cmd as never).callsFake(async (input: I) => {
        this.calls.push({ command: cmd.name.replace(/Command$/, ""), input });
        this.advance();
        const failure = this.failures.get(cmd.name.replace(/Command$/, ""));
        if (failure && failure.times > 0) {
          failure.times--;
          throw failure.error();
        }
        return fn(input);
      });

    on(ec2, DescribeInstancesCommand, (i: { MaxResults?: number; NextToken?: string; Filters?: { Name: string; Values: string[] }[] }) => {
      const states = i.Filters?.find((f) => f.Name === "instance-state-name")?.Values;
      const all = [...this.instances.values()].filter((x) => !states || states.includes(x.state));
      const { items, next } = page(all, i.MaxResults, i.NextToken);
      return {
        Reservations: [
          {
            Instances: items.map((x) => ({
              InstanceId: x.id,
              InstanceType: x.type,
              Placement: { AvailabilityZone: x.az },
              InstanceLifecycle: x.spot ? "spot" : undefined,
              SpotInstanceRequestId: x.spot && x.spotRequest ? spotRequestId(x.id) : undefined,
              RootDeviceType: x.rootDevice ?? "ebs",
              State: { Name: x.state },
              Tags: toTags(x.tags),
              PublicIpAddress: x.publicIp,
            })),
          },
        ],
        NextToken: next,
      };
    });
    on(ec2, StopInstancesCommand, (i: { InstanceIds: string[] }) => {
      // EC2 refuses the whole call when one instance cannot be stopped.
      for (const id of i.InstanceIds) {
        const x = this.instance(id);
        if (x.spot && x.spotRequest !== "persistent") {
          throw Object.assign(new Error(`You can't stop the Spot Instance '${id}' because it is associated with a one-time Spot Instance request. You can only stop Spot Instances associated with persistent Spot Instance requests.`), { name: "UnsupportedOperation", $metadata: { httpStatusCode: 400 } });
        }
        if (x.rootDevice === "instance-store") throw Object.assign(new Error(`The instance '${id}' does not have an 'ebs' root device type and cannot be stopped.`), { name: "UnsupportedOperation", $metadata: { httpStatusCode: 400 } });
      }
      for (const id of i.InstanceIds) this.instance(id).state = "stopped";
      return { StoppingInstances: i.InstanceIds.map((InstanceId) => ({ InstanceId })) };
    });
    on(ec2, TerminateInstancesCommand, (i: { InstanceIds: string[] }) => {
      for (const id of i.InstanceIds) this.instance(id).state = "terminated";
      return { TerminatingInstances: i.InstanceIds.map((InstanceId) => ({ InstanceId })) };
    });
    on(ec2, DescribeSpotInstanceRequestsCommand, (i: { SpotInstanceRequestIds?: string[] }) => {
      const requests = [...this.instances.values()].filter((x) => x.spot && x.spotRequest && x.state !== "terminated");
      const byId = new Map(requests.map((x) => [spotRequestId(x.id), x]));
      const missing = (i.SpotInstanceRequestIds ?? []).find((id) => !byId.has(id));
      if (missing) throw Object.assign(new Error(`The spot instance request ID '${missing}' does not exist`), { name: "InvalidSpotInstanceRequestID.NotFound" });
      const wanted = i.SpotInstanceRequestIds ? i.SpotInstanceRequestIds.map((id) => byId.get(id)!) : requests;
      return { SpotInstanceRequests: wanted.map((x) => ({ SpotInstanceRequestId: spotRequestId(x.id), Type: x.spotRequest, State: "active", InstanceId: x.id })) };
    });
    on(ec2, StartInstancesCommand, (i: { InstanceIds: string[] }) => {
      for (const id of i.InstanceIds) this.starting(this.instance(id));
      return { StartingInstances: i.InstanceIds.map((InstanceId) => ({ InstanceId })) };
    });
    on(ec2, DescribeVolumesCommand, (i: { MaxResults?: number; NextToken?: string }) => {
      const { items, next } = page(this.volumes, i.MaxResults, i.NextToken);
      return { Volumes: items.map((v) => ({ VolumeId: v.id, VolumeType: v.type, Size: v.size, Tags: toTags(v.tags), Attachments: v.instanceId ? [{ InstanceId: v.instanceId }] : [] })), NextToken: next };
    });
    on(ec2, DescribeNatGatewaysCommand, () => ({ NatGateways: [] }));
    on(ec2, DescribeAddressesCommand, () => ({ Addresses: [] }));
    on(ec2, DescribeSpotPriceHistoryCommand, () => ({ SpotPriceHistory: [] }));

    on(asg, DescribeAutoScalingGroupsCommand, (i: { MaxRecords?: number; NextToken?: string }) => {
      const { items, next } = page([...this.asgs.values()], i.MaxRecords, i.NextToken);
      return { AutoScalingGroups: items.map((g) => ({ AutoScalingGroupName: g.name, MinSize: g.min, MaxSize: g.max, DesiredCapacity: g.desired, Tags: toTags(g.tags) })), NextToken: next };
    });
    on(asg, UpdateAutoScalingGroupCommand, (i: { AutoScalingGroupName: string; MinSize?: number; DesiredCapacity?: number }) => {
      const g = this.asgs.get(i.AutoScalingGroupName);
      if (!g) throw Object.assign(new Error(`AutoScalingGroup name not found - ${i.AutoScalingGroupName}`), { name: "ValidationError" });
      if (i.MinSize !== undefined) g.min = i.MinSize;
      if (i.DesiredCapacity !== undefined) g.desired = i.DesiredCapacity;
      this.reconcile(g);
      return {};
    });

    on(ecs, ListClustersCommand, () => ({ clusterArns: this.services.size ? [CLUSTER] : [] }));
    on(ecs, ListServicesCommand, (i: { maxResults?: number; nextToken?: string }) => {
      const { items, next } = page([...this.services.values()], i.maxResults, i.nextToken);
      return { serviceArns: items.map((s) => `arn:aws:ecs:us-east-1:123456789012:service/main/${s.name}`), nextToken: next };
    });
    on(ecs, DescribeServicesCommand, (i: { services: string[] }) => {
      if (i.services.length > 10) throw Object.assign(new Error("services can have at most 10 items"), { name: "InvalidParameterException" });
      return { services: i.services.map((arn) => this.services.get(arn.split("/").pop()!)!).map((s) => ({ serviceName: s.name, desiredCount: s.desired, runningCount: s.desired, status: "ACTIVE", tags: Object.entries(s.tags).map(([key, value]) => ({ key, value })) })) };
    });
    const tasks = () => [...this.services.values()].flatMap((s) => Array.from({ length: s.desired }, (_, n) => ({ s, arn: `arn:aws:ecs:us-east-1:123456789012:task/main/${s.name}-${n}` })));
    on(ecs, ListTasksCommand, (i: { maxResults?: number; nextToken?: string }) => {
      const { items, next } = page(tasks(), i.maxResults, i.nextToken);
      return { taskArns: items.map((t) => t.arn), nextToken: next };
    });
    on(ecs, DescribeTasksCommand, (i: { tasks: string[] }) => {
      const byArn = new Map(tasks().map((t) => [t.arn, t.s]));
      return { tasks: i.tasks.map((arn) => ({ taskArn: arn, group: `service:${byArn.get(arn)!.name}`, cpu: String(byArn.get(arn)!.cpu), memory: String(byArn.get(arn)!.memory), capacityProviderName: "FARGATE", tags: [] })) };
    });
    on(ecs, UpdateServiceCommand, (i: { service: string; desiredCount: number }) => {
      const s = this.services.get(i.service);
      if (!s) throw Object.assign(new Error("Service not found."), { name: "ServiceNotFoundException" });
      s.desired = i.desiredCount;
      return { service: { serviceName: s.name, desiredCount: s.desired } };
    });

    on(rds, DescribeDBInstancesCommand, (i: { MaxRecords?: number; Marker?: string }) => {
      const { items, next } = page([...this.dbs.values()], i.MaxRecords, i.Marker);
      return { DBInstances: items.map((d) => ({ DBInstanceIdentifier: d.id, DBInstanceClass: d.cls, Engine: "postgres", MultiAZ: false, StorageType: "gp3", AllocatedStorage: 20, DBInstanceStatus: d.status, TagList: toTags(d.tags) })), Marker: next };
    });
    on(rds, StopDBInstanceCommand, (i: { DBInstanceIdentifier: string }) => {
      this.dbs.get(i.DBInstanceIdentifier)!.status = "stopped";
      return {};
    });
    on(rds, StartDBInstanceCommand, (i: { DBInstanceIdentifier: string }) => {
      const db = this.dbs.get(i.DBInstanceIdentifier)!;
      Object.assign(db, this.startDelayMs ? { status: "starting", readyAt: this.clock + this.startDelayMs } : { status: "available" });
      return {};
    });

    on(elb, DescribeLoadBalancersCommand, () => ({ LoadBalancers: [] }));
    on(elb, DescribeTagsCommand, () => ({ TagDescriptions: [] }));
    on(sns, PublishCommand, (i: { Subject?: string; Message?: string }) => {
      this.published.push(i);
      return { MessageId: `m-${this.published.length}` };
    });
  }

  private instance(id: string): FakeInstance {
    const x = this.instances.get(id);
    if (!x || x.state === "terminated") throw Object.assign(new Error(`The instance ID '${id}' does not exist`), { name: "InvalidInstanceID.NotFound" });
    return x;
  }

  /** The ASG launches or terminates instances until it runs `desired` of them. */
  private reconcile(g: FakeAsg): void {
    const members = [...this.instances.values()].filter((i) => i.tags["aws:autoscaling:groupName"] === g.name && (i.state === "running" || i.state === "pending"));
    for (const extra of members.slice(g.desired)) extra.state = "terminated";
    for (let n = members.length; n < g.desired; n++) this.starting(this.addInstance({ type: g.type, tags: { ...g.tags, "aws:autoscaling:groupName": g.name } }));
  }

  private starting(i: FakeInstance): void {
    if (this.startDelayMs) Object.assign(i, { state: "pending", readyAt: this.clock + this.startDelayMs });
    else i.state = "running";
  }

  /** Instances and DBs whose start time has come are up. */
  private advance(): void {
    for (const i of this.instances.values()) if (i.state === "pending" && (i.readyAt ?? 0) <= this.clock) i.state = "running";
    for (const d of this.dbs.values()) if (d.status === "starting" && (d.readyAt ?? 0) <= this.clock) d.status = "available";
  }

  addInstance(x: Partial<FakeInstance> & { tags: Tags }): FakeInstance {
    const inst: FakeInstance = { id: x.id ?? `i-${this.idPrefix}${(++this.seq).toString(16).padStart(8, "0")}`, type: x.type ?? "t3.medium", az: x.az ?? "us-east-1a", state: x.state ?? "running", tags: x.tags, spot: x.spot, spotRequest: x.spotRequest, rootDevice: x.rootDevice, publicIp: x.publicIp };
    this.instances.set(inst.id, inst);
    return inst;
  }

  addAsg(g: FakeAsg): void {
    this.asgs.set(g.name, g);
    this.reconcile(g);
  }

  addService(s: Omit<FakeService, "cluster">): void {
    this.services.set(s.name, { ...s, cluster: CLUSTER });
  }

  addDb(d: FakeDb): void {
    this.dbs.set(d.id, d);
  }

  /** Makes the next `times` calls of a command fail with an error named `name` (e.g. ThrottlingException). */
  fail(command: string, times: number, name = "ThrottlingException", message = "Rate exceeded"): void {
    this.failures.set(command, { times, error: () => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } }) });
  }

  /** Mutating calls so far (what a user would see in CloudTrail). */
  writes(): string[] {
    return this.calls.filter((c) => /^(Stop|Start|Update|Terminate)/.test(c.command)).map((c) => `${c.command}:${JSON.stringify(c.input)}`);
  }

  running(env: string): FakeInstance[] {
    return [...this.instances.values()].filter((i) => i.state === "running" && i.tags.Environment === env);
  }
}

const spotRequestId = (instanceId: string) => `sir-${instanceId.slice(2)}`;

function page<T>(all: T[], size: number | undefined, token: string | undefined): { items: T[]; next?: string } {
  const start = token ? Number(token) : 0;
  const n = size ?? all.length;
  const items = all.slice(start, start + n);
  return { items, next: start + n < all.length ? String(start + n) : undefined };
}
