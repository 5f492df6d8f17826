/**
 * A small stateful fake of EC2, Auto Scaling and ELBv2 for the ASG swap, wired into the SDK
 * clients with aws-sdk-client-mock. It enforces the rules that make swaps go wrong in real
 * accounts (MaxSize on attach, MinSize on terminate-with-decrement, pending → running →
 * status ok, Pending → InService) and snapshots the group after every API call, so a test
 * can check capacity at each step. Failures are injected per operation.
 *
 * The world also moves on its own: the group may scale in or replace an unhealthy instance
 * while a swap waits (`when(call, nth, action)` runs an action at a chosen call), and a run may
 * die at any step (`killAt`): from that call on every call of the dead run fails, its DynamoDB
 * writes included (`guard(doc)`), until `revive()` lets a fresh run start on the same state.
 */
import {
  AttachInstancesCommand,
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DetachInstancesCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import { CreateFleetCommand, DescribeAvailabilityZonesCommand, DescribeInstancesCommand, DescribeInstanceStatusCommand, EC2Client, TerminateInstancesCommand, type Tag } from "@aws-sdk/client-ec2";
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { mockClient } from "aws-sdk-client-mock";
import { KillableRun } from "../support/killableRun";

export interface FakeInstance {
  id: string;
  type: string;
  az: string;
  subnetId: string;
  lifecycle: "spot" | "on-demand";
  state: "pending" | "running" | "shutting-down" | "terminated";
  statusPolls: number;
  tags: Tag[];
  launchedAt: Date;
}

export interface FakeMember {
  id: string;
  lifecycleState: "Pending" | "InService" | "Terminating";
  health: "Healthy" | "Unhealthy";
  polls: number;
  protectedFromScaleIn?: boolean;
}

export interface FakeGroup {
  name: string;
  min: number;
  max: number;
  desired: number;
  members: FakeMember[];
  suspended: Set<string>;
  targetGroupArns: string[];
  tags: { Key: string; Value: string; PropagateAtLaunch: boolean }[];
  launchTemplate?: { LaunchTemplateId: string; Version: string };
  mixedInstancesPolicy?: boolean;
  subnets: string[];
}

export interface Snapshot {
  call: string;
  inService: number;
  desired: number;
  max: number;
  suspended: string[];
}

export interface Behaviour {
  /** DescribeInstanceStatus polls after which status checks pass (Infinity: never). */
  statusOkAfter: number;
  /** DescribeAutoScalingInstances polls after attach before InService (Infinity: never). */
  inServiceAfter: number;
  /** DescribeTargetHealth polls before healthy (Infinity: never). */
  targetHealthyAfter: number;
  /** CreateFleet answers with an error instead of an instance. */
  noSpotCapacity: boolean;
  /** Operations that throw, each with an optional predicate on the input. */
  failures: Map<string, (input: Record<string, unknown>) => boolean>;
}

const SUBNET_AZ: Record<string, string> = { "subnet-a": "us-east-1a", "subnet-b": "us-east-1b", "subnet-c": "us-east-1c" };
/** This account's names of the physical zones (another account's us-east-1a is another zone). */
export const ZONE_IDS: Record<string, string> = { "us-east-1a": "use1-az4", "us-east-1b": "use1-az6", "us-east-1c": "use1-az1" };

export class FakeAccount extends KillableRun {
  instances = new Map<string, FakeInstance>();
  groups = new Map<string, FakeGroup>();
  snapshots: Snapshot[] = [];
  calls: string[] = [];
  targetPolls = new Map<string, number>();
  behaviour: Behaviour = { statusOkAfter: 2, inServiceAfter: 2, targetHealthyAfter: 1, noSpotCapacity: false, failures: new Map() };
  ec2 = new EC2Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  autoscaling = new AutoScalingClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  elbv2 = new ElasticLoadBalancingV2Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  private seq = 0;
  readonly restore: () => void;
  /** CreateFleet answers by ClientToken: a retried request returns the first answer (EC2's idempotency). */
  private fleets = new Map<string, unknown>();

  /** With `everyClient`, every client of these classes is mocked (for handlers that build their own). */
  constructor(opts: { everyClient?: boolean } = {}) {
    super();
    const ec2 = mockClient(opts.everyClient ? EC2Client : this.ec2);
    const asg = mockClient(opts.everyClient ? AutoScalingClient : this.autoscaling);
    const elb = mockClient(opts.everyClient ? ElasticLoadBalancingV2Client : this.elbv2);
    this.restore = () => [ec2, asg, elb].forEach((m) => m.restore());
    const wrap =
      <I extends object>(name: string, fn: (input: I) => unknown) =>
      async (input: I) =>
        this.gate(
          name,
          () => {
            this.calls.push(name);
            const fail = this.behaviour.failures.get(name);
            if (fail?.(input as Record<string, unknown>)) throw Object.assign(new Error(`injected failure of ${name}`), { name: "ValidationError" });
            return fn(input);
          },
          () => this.snapshot(name),
        );
    ec2.on(CreateFleetCommand).callsFake(wrap("CreateFleet", (i) => this.createFleet(i)));
    ec2.on(DescribeInstanceStatusCommand).callsFake(wrap("DescribeInstanceStatus", (i) => this.describeInstanceStatus(i)));
    ec2.on(DescribeInstancesCommand).callsFake(wrap("DescribeInstances", (i) => this.describeInstances(i)));
    ec2.on(DescribeAvailabilityZonesCommand).callsFake(
      wrap("DescribeAvailabilityZones", () => ({ AvailabilityZones: Object.entries(ZONE_IDS).map(([ZoneName, ZoneId]) => ({ ZoneName, ZoneId, RegionName: "us-east-1", State: "available" })) })),
    );
    ec2.on(TerminateInstancesCommand).callsFake(wrap("TerminateInstances", (i) => this.terminateInstances(i)));
    asg.on(DescribeAutoScalingGroupsCommand).callsFake(wrap("DescribeAutoScalingGroups", (i) => this.describeGroups(i)));
    asg.on(DescribeAutoScalingInstancesCommand).callsFake(wrap("DescribeAutoScalingInstances", (i) => this.describeAsgInstances(i)));
    asg.on(SuspendProcessesCommand).callsFake(wrap("SuspendProcesses", (i) => this.group(i.AutoScalingGroupName!).suspended.add(i.ScalingProcesses![0]!) && {}));
    asg.on(ResumeProcessesCommand).callsFake(wrap("ResumeProcesses", (i) => this.group(i.AutoScalingGroupName!).suspended.delete(i.ScalingProcesses![0]!) && {}));
    asg.on(UpdateAutoScalingGroupCommand).callsFake(wrap("UpdateAutoScalingGroup", (i) => this.updateGroup(i)));
    asg.on(AttachInstancesCommand).callsFake(wrap("AttachInstances", (i) => this.attach(i)));
    asg.on(DetachInstancesCommand).callsFake(wrap("DetachInstances", (i) => this.detach(i)));
    asg.on(TerminateInstanceInAutoScalingGroupCommand).callsFake(wrap("TerminateInstanceInAutoScalingGroup", (i) => this.terminateInGroup(i)));
    elb.on(DescribeTargetHealthCommand).callsFake(wrap("DescribeTargetHealth", (i) => this.targetHealth(i)));
  }

  /** A group of `n` InService on-demand instances spread over subnets a and b. */
  addGroup(name: string, opts: { n: number; min?: number; max?: number; tags?: Record<string, string>; targetGroupArns?: string[]; type?: string; spot?: number }): FakeGroup {
    const group: FakeGroup = {
      name,
      min: opts.min ?? 1,
      max: opts.max ?? opts.n,
      desired: opts.n,
      members: [],
      suspended: new Set(),
      targetGroupArns: opts.targetGroupArns ?? [],
      tags: Object.entries({ "costguard:spot-optimize": "true", Environment: "prod", ...opts.tags }).map(([Key, Value]) => ({ Key, Value, PropagateAtLaunch: true })),
      launchTemplate: { LaunchTemplateId: "lt-0123", Version: "$Latest" },
      subnets: ["subnet-a", "subnet-b"],
    };
    for (let i = 0; i < opts.n; i++) {
      const subnet = group.subnets[i % 2]!;
      const inst = this.launch(opts.type ?? "m5.large", subnet, i < (opts.spot ?? 0) ? "spot" : "on-demand", [{ Key: "aws:autoscaling:groupName", Value: name }], "running");
      group.members.push({ id: inst.id, lifecycleState: "InService", health: "Healthy", polls: 0 });
      for (const arn of group.targetGroupArns) this.targetPolls.set(`${arn}|${inst.id}`, 99);
    }
    this.groups.set(name, group);
    return group;
  }

  /** The group's scaling policy removes one instance (desired − 1), `victim` by default the newest on-demand one. */
  scaleIn(name: string, victim?: string): string {
    const g = this.group(name);
    const id = victim ?? [...g.members].reverse().find((m) => this.instances.get(m.id)!.lifecycle === "on-demand")!.id;
    g.desired -= 1;
    g.members = g.members.filter((m) => m.id !== id);
    this.instances.get(id)!.state = "shutting-down";
    return id;
  }

  /** A health check fails: the group terminates the instance and launches a replacement (Pending, on-demand), desired unchanged. */
  replaceUnhealthy(name: string, id: string): string {
    const g = this.group(name);
    const old = this.instances.get(id)!;
    g.members = g.members.filter((m) => m.id !== id);
    old.state = "shutting-down";
    const fresh = this.launch(old.type, old.subnetId, "on-demand", [{ Key: "aws:autoscaling:groupName", Value: name }], "pending");
    g.members.push({ id: fresh.id, lifecycleState: "Pending", health: "Healthy", polls: 0 });
    return fresh.id;
  }

  /** Members InService and healthy, as a user would count capacity. */
  healthyInService(name: string): string[] {
    return this.group(name).members.filter((m) => m.lifecycleState === "InService" && m.health === "Healthy").map((m) => m.id);
  }

  group(name: string): FakeGroup {
    const g = this.groups.get(name);
    if (!g) throw Object.assign(new Error(`group ${name} not found`), { name: "ValidationError" });
    return g;
  }

  inService(name: string): number {
    return this.group(name).members.filter((m) => m.lifecycleState === "InService").length;
  }

  /** Spot instances launched by the optimizer that are still alive and not in any group. */
  orphans(): FakeInstance[] {
    const members = new Set([...this.groups.values()].flatMap((g) => g.members.map((m) => m.id)));
    return [...this.instances.values()].filter((i) => i.lifecycle === "spot" && i.state !== "terminated" && i.state !== "shutting-down" && !members.has(i.id));
  }

  private snapshot(call: string): void {
    for (const g of this.groups.values()) {
      this.snapshots.push({ call, inService: this.inService(g.name), desired: g.desired, max: g.max, suspended: [...g.suspended].sort() });
    }
  }

  private launch(type: string, subnetId: string, lifecycle: "spot" | "on-demand", tags: Tag[], state: FakeInstance["state"] = "pending"): FakeInstance {
    const id = `i-${(++this.seq).toString(16).padStart(17, "0")}`;
    const inst: FakeInstance = { id, type, az: SUBNET_AZ[subnetId] ?? "us-east-1a", subnetId, lifecycle, state, statusPolls: 0, tags, launchedAt: new Date(Date.UTC(2026, 0, 1, 0, this.seq)) };
    this.instances.set(id, inst);
    return inst;
  }

  private createFleet(input: CreateFleetCommand["input"]) {
    if (input.Type !== "instant") throw new Error("the fake only models instant fleets");
    const token = input.ClientToken;
    if (token && this.fleets.has(token)) return this.fleets.get(token);
    const out = this.launchFleet(input);
    if (token) this.fleets.set(token, out);
    return out;
  }

  private launchFleet(input: CreateFleetCommand["input"]) {
    if (this.behaviour.noSpotCapacity) return { Errors: [{ ErrorCode: "InsufficientInstanceCapacity", ErrorMessage: "There is no Spot capacity available" }], Instances: [] };
    const overrides = [...(input.LaunchTemplateConfigs?.[0]?.Overrides ?? [])].sort((a, b) => (a.Priority ?? 0) - (b.Priority ?? 0));
    const first = overrides[0];
    if (!first?.InstanceType || !first.SubnetId) throw Object.assign(new Error("Overrides need InstanceType and SubnetId"), { name: "InvalidParameterValue" });
    const inst = this.launch(first.InstanceType, first.SubnetId, "spot", input.TagSpecifications?.[0]?.Tags ?? []);
    return { FleetId: "fleet-1", Instances: [{ InstanceIds: [inst.id], InstanceType: inst.type, Lifecycle: "spot" }], Errors: [] };
  }

  private describeInstanceStatus(input: DescribeInstanceStatusCommand["input"]) {
    const statuses = (input.InstanceIds ?? []).flatMap((id) => {
      const i = this.instances.get(id);
      if (!i) return [];
      i.statusPolls++;
      if (i.state === "pending" && i.statusPolls >= 1) i.state = "running";
      const ok = i.state === "running" && i.statusPolls >= this.behaviour.statusOkAfter ? "ok" : "initializing";
      return [{ InstanceId: id, InstanceState: { Name: i.state }, InstanceStatus: { Status: ok }, SystemStatus: { Status: ok } }];
    });
    return { InstanceStatuses: statuses };
  }

  private describeInstances(input: DescribeInstancesCommand["input"]) {
    const ids = input.InstanceIds ?? [...this.instances.keys()];
    const unknown = ids.find((id) => !this.instances.has(id));
    if (unknown) throw Object.assign(new Error(`The instance ID '${unknown}' does not exist`), { name: "InvalidInstanceID.NotFound" });
    const instances = ids.map((id) => this.instances.get(id)!).map((i) => ({
      InstanceId: i.id,
      InstanceType: i.type,
      InstanceLifecycle: i.lifecycle === "spot" ? "spot" : undefined,
      Placement: { AvailabilityZone: i.az },
      SubnetId: i.subnetId,
      State: { Name: i.state },
      LaunchTime: i.launchedAt,
      Tags: i.tags,
    }));
    return { Reservations: [{ Instances: instances }] };
  }

  private terminateInstances(input: TerminateInstancesCommand["input"]) {
    for (const id of input.InstanceIds ?? []) {
      const i = this.instances.get(id);
      if (!i) continue;
      i.state = "terminated";
      // EC2-terminating a member behind the group's back: it turns unhealthy and leaves InService.
      for (const g of this.groups.values()) {
        const m = g.members.find((x) => x.id === id);
        if (m) {
          m.health = "Unhealthy";
          m.lifecycleState = "Terminating";
        }
      }
    }
    return { TerminatingInstances: (input.InstanceIds ?? []).map((InstanceId) => ({ InstanceId })) };
  }

  private describeGroups(input: DescribeAutoScalingGroupsCommand["input"]) {
    const tagFilter = input.Filters?.find((f) => f.Name?.startsWith("tag:"));
    const groups = [...this.groups.values()].filter((g) => {
      if (input.AutoScalingGroupNames?.length && !input.AutoScalingGroupNames.includes(g.name)) return false;
      if (tagFilter) return g.tags.some((t) => t.Key === tagFilter.Name!.slice(4) && tagFilter.Values!.includes(t.Value));
      return true;
    });
    return {
      AutoScalingGroups: groups.map((g) => ({
        AutoScalingGroupName: g.name,
        MinSize: g.min,
        MaxSize: g.max,
        DesiredCapacity: g.desired,
        LaunchTemplate: g.mixedInstancesPolicy ? undefined : g.launchTemplate,
        MixedInstancesPolicy: g.mixedInstancesPolicy ? { LaunchTemplate: { LaunchTemplateSpecification: g.launchTemplate } } : undefined,
        VPCZoneIdentifier: g.subnets.join(","),
        TargetGroupARNs: g.targetGroupArns,
        SuspendedProcesses: [...g.suspended].map((ProcessName) => ({ ProcessName })),
        Tags: g.tags.map((t) => ({ ...t, ResourceId: g.name, ResourceType: "auto-scaling-group" })),
        Instances: g.members.map((m) => {
          const i = this.instances.get(m.id)!;
          // Time passes for the group's own launches too: a replacement boots while others wait.
          if (m.lifecycleState === "Pending" && ++m.polls >= this.behaviour.inServiceAfter) m.lifecycleState = "InService";
          if (m.lifecycleState === "InService" && i.state === "pending") i.state = "running";
          return { InstanceId: m.id, InstanceType: i.type, AvailabilityZone: i.az, LifecycleState: m.lifecycleState, HealthStatus: m.health, ProtectedFromScaleIn: m.protectedFromScaleIn ?? false };
        }),
      })),
    };
  }

  private describeAsgInstances(input: DescribeAutoScalingInstancesCommand["input"]) {
    const out = [];
    for (const g of this.groups.values()) {
      for (const m of g.members) {
        if (input.InstanceIds && !input.InstanceIds.includes(m.id)) continue;
        if (m.lifecycleState === "Pending" && ++m.polls >= this.behaviour.inServiceAfter) m.lifecycleState = "InService";
        out.push({ InstanceId: m.id, AutoScalingGroupName: g.name, LifecycleState: m.lifecycleState, HealthStatus: m.health.toUpperCase(), AvailabilityZone: this.instances.get(m.id)!.az });
      }
    }
    return { AutoScalingInstances: out };
  }

  private updateGroup(input: UpdateAutoScalingGroupCommand["input"]) {
    const g = this.group(input.AutoScalingGroupName!);
    const max = input.MaxSize ?? g.max;
    if (max < g.desired || max < g.min) throw Object.assign(new Error(`MaxSize ${max} is below desired ${g.desired} or min ${g.min}`), { name: "ValidationError" });
    g.max = max;
    return {};
  }

  private attach(input: AttachInstancesCommand["input"]) {
    const g = this.group(input.AutoScalingGroupName!);
    const ids = input.InstanceIds ?? [];
    if (g.desired + ids.length > g.max) throw Object.assign(new Error(`attaching would exceed MaxSize ${g.max}`), { name: "ValidationError" });
    for (const id of ids) {
      const i = this.instances.get(id);
      if (i?.state !== "running") throw Object.assign(new Error(`instance ${id} is not running`), { name: "ValidationError" });
      g.members.push({ id, lifecycleState: "Pending", health: "Healthy", polls: 0 });
      i.tags = [...i.tags, { Key: "aws:autoscaling:groupName", Value: g.name }];
    }
    g.desired += ids.length;
    return {};
  }

  private detach(input: DetachInstancesCommand["input"]) {
    const g = this.group(input.AutoScalingGroupName!);
    for (const id of input.InstanceIds ?? []) {
      if (!g.members.some((m) => m.id === id)) throw Object.assign(new Error(`instance ${id} is not part of ${g.name}`), { name: "ValidationError" });
      if (input.ShouldDecrementDesiredCapacity) {
        if (g.desired - 1 < g.min) throw Object.assign(new Error("detaching would violate the min size"), { name: "ValidationError" });
        g.desired -= 1;
      }
      g.members = g.members.filter((m) => m.id !== id);
    }
    return { Activities: [] };
  }

  private terminateInGroup(input: TerminateInstanceInAutoScalingGroupCommand["input"]) {
    const g = [...this.groups.values()].find((x) => x.members.some((m) => m.id === input.InstanceId));
    if (!g) throw Object.assign(new Error(`instance ${input.InstanceId} is not in an Auto Scaling group`), { name: "ValidationError" });
    if (input.ShouldDecrementDesiredCapacity) {
      if (g.desired - 1 < g.min) throw Object.assign(new Error(`desired ${g.desired} and min ${g.min}: terminating would violate the min size`), { name: "ValidationError" });
      g.desired -= 1;
    }
    g.members = g.members.filter((m) => m.id !== input.InstanceId);
    this.instances.get(input.InstanceId!)!.state = "shutting-down";
    return { Activity: { ActivityId: "a-1", StatusCode: "InProgress" } };
  }

  private targetHealth(input: DescribeTargetHealthCommand["input"]) {
    const id = input.Targets?.[0]?.Id ?? "";
    const key = `${input.TargetGroupArn}|${id}`;
    const inGroup = [...this.groups.values()].some((g) => g.targetGroupArns.includes(input.TargetGroupArn!) && g.members.some((m) => m.id === id && m.lifecycleState === "InService"));
    const polls = inGroup ? (this.targetPolls.get(key) ?? 0) + 1 : 0;
    this.targetPolls.set(key, polls);
    const state = inGroup ? (polls > this.behaviour.targetHealthyAfter ? "healthy" : "initial") : "unused";
    return { TargetHealthDescriptions: [{ Target: { Id: id, Port: 80 }, TargetHealth: { State: state } }] };
  }
}

/** A clock whose sleep advances time instantly. */
export function fakeClock(start = Date.parse("2026-11-23T12:00:00Z")) {
  let now = start;
  return { now: () => now, sleep: async (ms: number) => void (now += ms) };
}
