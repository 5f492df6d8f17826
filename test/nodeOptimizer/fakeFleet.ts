/**
 * A small stateful fake of one Auto Scaling group (behind aws-sdk-client-mock) and the
 * Kubernetes nodes its instances become (an in-memory KubeNodes). Time is virtual: every
 * sleep is a tick in which pending instances boot and their nodes register and turn Ready.
 * After every change it records how many Ready, schedulable nodes the cluster has, so a test
 * can check capacity never dropped. Faults make a chosen step fail.
 *
 * The world moves on its own too: the group scales in or replaces an unhealthy instance
 * (`scaleIn`, `replaceUnhealthy`, at a chosen call with `when`), pods may have no controller,
 * use emptyDir or refuse eviction by annotation, and a run may die at any call (`killAt`):
 * from then on every call of the dead run fails, its DynamoDB writes included (`guard`),
 * until `revive()` lets a fresh run start on the same state.
 */
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import type { Clock } from "../../runtime/nodeOptimizer/actionsDrain";
import type { EvictionResult, KubeNodes, NodeInfo, PodInfo } from "../../runtime/nodeOptimizer/kubeApi";
import { KillableRun } from "../support/killableRun";

export type Fault = "scale-out" | "no-launch" | "never-ready" | "launch-on-demand" | "cordon" | "drain" | "terminate-old";

interface Instance {
  id: string;
  az: string;
  type: string;
  spot: boolean;
  state: "Pending" | "InService";
  age: number;
  /** Value of a costguard:protect tag (any letter case), if tagged. */
  protect?: string;
}
interface Node {
  name: string;
  instanceId: string;
  ready: boolean;
  unschedulable: boolean;
}
export interface Pod {
  namespace: string;
  name: string;
  node: string;
  /** The controller's kind; none: a bare pod, which nothing recreates once evicted. */
  ownerKind?: string;
  pdbForever?: boolean;
  emptyDir?: boolean;
  /** cluster-autoscaler.kubernetes.io/safe-to-evict annotation. */
  safeToEvict?: "true" | "false";
}

export const GROUP = "shop-nodes";

export class FakeFleet extends KillableRun implements KubeNodes {
  desired: number;
  max: number;
  onDemandBase: number;
  aboveBasePercent = 0;
  mixed = true;
  suspended = new Set<string>();
  readonly instances = new Map<string, Instance>();
  readonly nodes = new Map<string, Node>();
  pods: Pod[] = [];
  readonly faults = new Set<Fault>();
  /** Tags of the group beyond Environment (e.g. costguard:min-on-demand). */
  groupTags: { Key: string; Value: string }[] = [];
  /** Ready, schedulable node count after every change. */
  readonly capacityLog: number[] = [];
  readonly calls: string[] = [];
  private seq = 0;
  time = 0;
  /** Pods evicted that no controller recreated. */
  readonly lost: string[] = [];

  readonly autoscaling = new AutoScalingClient({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  readonly ec2 = new EC2Client({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });

  constructor(onDemand: number, spot = 0) {
    super();
    this.desired = onDemand + spot;
    this.max = this.desired;
    this.onDemandBase = onDemand;
    for (let i = 0; i < onDemand + spot; i++) this.addInstance(i >= onDemand, "InService", true);
    for (const n of this.nodes.values()) {
      this.pods.push({ namespace: "shop", name: `web-${n.name}`, node: n.name, ownerKind: "ReplicaSet" });
      this.pods.push({ namespace: "kube-system", name: `aws-node-${n.name}`, node: n.name, ownerKind: "DaemonSet" });
    }
    this.wireMocks();
    this.observe();
  }

  // Calls `killAt` and `when` name: update, suspend, resume, terminate, describe, listNodes,
  // cordon, uncordon, listPods, evict (test/support/killableRun.ts).

  /** The group's scaling policy removes an instance (desired − 1): `id`, by default the newest. */
  scaleIn(id?: string): string {
    const victim = id ?? [...this.instances.values()].sort((a, b) => a.age - b.age)[0]!.id;
    this.terminate(victim, true);
    return victim;
  }

  /** A failed health check: the group terminates the instance; its reconcile loop launches a replacement. */
  replaceUnhealthy(id: string): void {
    this.terminate(id, false);
  }

  onDemandCount(): number {
    return [...this.instances.values()].filter((i) => !i.spot).length;
  }

  cordoned(): string[] {
    return [...this.nodes.values()].filter((n) => n.unschedulable).map((n) => n.name);
  }

  readySchedulable(): number {
    return [...this.nodes.values()].filter((n) => n.ready && !n.unschedulable).length;
  }

  private observe(): void {
    this.capacityLog.push(this.readySchedulable());
  }

  private addInstance(spot: boolean, state: Instance["state"], withReadyNode = false): Instance {
    const id = `i-${(0xa000 + this.seq++).toString(16).padStart(17, "0")}`;
    const inst: Instance = { id, az: ["eu-west-1a", "eu-west-1b"][this.seq % 2]!, type: "m5.large", spot, state, age: 0 };
    this.instances.set(id, inst);
    if (withReadyNode) this.nodes.set(`node-${id}`, { name: `node-${id}`, instanceId: id, ready: true, unschedulable: false });
    return inst;
  }

  private terminate(id: string, decrement: boolean): void {
    if (!this.instances.delete(id)) throw Object.assign(new Error(`instance ${id} is not in the group`), { name: "ValidationError" });
    this.nodes.delete(`node-${id}`);
    // Pods of a node that goes: controllers recreate theirs elsewhere; bare pods are lost.
    for (const pod of this.pods.filter((p) => p.node === `node-${id}`)) this.reschedule(pod);
    if (decrement) this.desired--;
    this.observe();
  }

  /** The group's reconcile loop, then instance boot: Pending → InService → node → Ready. */
  tick(): void {
    const count = this.instances.size;
    if (this.desired > count && !this.faults.has("no-launch")) {
      const onDemandNow = [...this.instances.values()].filter((i) => !i.spot).length;
      const spot = !this.faults.has("launch-on-demand") && onDemandNow >= this.onDemandBase && this.aboveBasePercent === 0;
      this.addInstance(spot, "Pending");
    } else if (this.desired < count) {
      const newest = [...this.instances.values()].sort((a, b) => a.age - b.age)[0]!;
      this.terminate(newest.id, false);
    }
    for (const inst of this.instances.values()) {
      inst.age++;
      if (inst.state === "Pending" && inst.age >= 1) inst.state = "InService";
      const node = this.nodes.get(`node-${inst.id}`);
      if (inst.state === "InService" && !node && inst.age >= 2) this.nodes.set(`node-${inst.id}`, { name: `node-${inst.id}`, instanceId: inst.id, ready: false, unschedulable: false });
      if (node && !node.ready && inst.age >= 3 && !this.faults.has("never-ready")) node.ready = true;
    }
    this.observe();
  }

  /** A pod leaves its node: its controller (not a DaemonSet) recreates it on a Ready, schedulable node; a bare pod is gone for good. */
  private reschedule(pod: Pod): void {
    this.pods = this.pods.filter((p) => p !== pod);
    if (pod.ownerKind === "DaemonSet") return;
    if (!pod.ownerKind) {
      this.lost.push(`${pod.namespace}/${pod.name}`);
      return;
    }
    const target = [...this.nodes.values()].find((n) => n.ready && !n.unschedulable && n.name !== pod.node);
    if (target) this.pods.push({ ...pod, name: `${pod.name}-r`, node: target.name });
  }

  readonly clock: Clock = {
    now: () => this.time,
    sleep: async (ms) => {
      this.time += ms;
      this.tick();
    },
  };

  private wireMocks(): void {
    const asg = mockClient(this.autoscaling);
    asg.on(DescribeAutoScalingGroupsCommand).callsFake(() => this.gate("describe", () => ({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: GROUP,
          DesiredCapacity: this.desired,
          MinSize: 1,
          MaxSize: this.max,
          AvailabilityZones: ["eu-west-1a", "eu-west-1b"],
          MixedInstancesPolicy: this.mixed
            ? {
                LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateName: "nodes" }, Overrides: [{ InstanceType: "m5.large" }, { InstanceType: "m5a.large" }] },
                InstancesDistribution: { OnDemandBaseCapacity: this.onDemandBase, OnDemandPercentageAboveBaseCapacity: this.aboveBasePercent },
              }
            : undefined,
          SuspendedProcesses: [...this.suspended].map((p) => ({ ProcessName: p })),
          Tags: [{ Key: "Environment", Value: "prod" }, ...this.groupTags],
          Instances: [...this.instances.values()].map((i) => ({ InstanceId: i.id, AvailabilityZone: i.az, InstanceType: i.type, LifecycleState: i.state, HealthStatus: "Healthy", ProtectedFromScaleIn: false })),
        },
      ],
    })));
    asg.on(UpdateAutoScalingGroupCommand).callsFake((input) => this.gate("update", () => {
      this.calls.push(`update ${JSON.stringify({ d: input.DesiredCapacity, max: input.MaxSize, base: input.MixedInstancesPolicy?.InstancesDistribution?.OnDemandBaseCapacity })}`);
      if (this.faults.has("scale-out") && input.DesiredCapacity !== undefined && input.DesiredCapacity > this.desired) throw new Error("ValidationError: simulated scale-out failure");
      if (input.MaxSize !== undefined) this.max = input.MaxSize;
      if (input.DesiredCapacity !== undefined) {
        if (input.DesiredCapacity > this.max) throw new Error("ValidationError: desired capacity above max size");
        this.desired = input.DesiredCapacity;
      }
      const base = input.MixedInstancesPolicy?.InstancesDistribution?.OnDemandBaseCapacity;
      if (base !== undefined) this.onDemandBase = base;
      this.observe();
      return {};
    }));
    asg.on(SuspendProcessesCommand).callsFake((input) => this.gate("suspend", () => {
      for (const p of input.ScalingProcesses ?? []) this.suspended.add(p);
      return {};
    }));
    asg.on(ResumeProcessesCommand).callsFake((input) => this.gate("resume", () => {
      for (const p of input.ScalingProcesses ?? []) this.suspended.delete(p);
      return {};
    }));
    asg.on(TerminateInstanceInAutoScalingGroupCommand).callsFake((input) => this.gate("terminate", () => {
      const inst = this.instances.get(input.InstanceId!);
      this.calls.push(`terminate ${input.InstanceId} decrement=${input.ShouldDecrementDesiredCapacity}`);
      if (this.faults.has("terminate-old") && inst && !inst.spot) throw new Error("simulated termination failure");
      if (input.ShouldDecrementDesiredCapacity && this.desired - 1 < 1) throw Object.assign(new Error("terminating would violate the min size"), { name: "ValidationError" });
      this.terminate(input.InstanceId!, input.ShouldDecrementDesiredCapacity === true);
      return {};
    }));
    mockClient(this.ec2)
      .on(DescribeInstancesCommand)
      .callsFake((input) => ({
        Reservations: [
          {
            Instances: (input.InstanceIds ?? [])
              .map((id: string) => this.instances.get(id))
              .filter((i: Instance | undefined): i is Instance => !!i)
              .map((i: Instance) => ({ InstanceId: i.id, InstanceType: i.type, InstanceLifecycle: i.spot ? "spot" : undefined, Tags: i.protect ? [{ Key: "costguard:protect", Value: i.protect }] : [] })),
          },
        ],
      }));
  }

  // --- KubeNodes, in memory ---
  private info(n: Node): NodeInfo {
    return { name: n.name, providerId: `aws:///eu-west-1a/${n.instanceId}`, instanceId: n.instanceId, ready: n.ready, unschedulable: n.unschedulable };
  }
  async listNodes(): Promise<NodeInfo[]> {
    return this.gate("listNodes", () => [...this.nodes.values()].map((n) => this.info(n)));
  }
  async getNode(name: string): Promise<NodeInfo | undefined> {
    return this.gate("getNode", () => {
      const n = this.nodes.get(name);
      return n && this.info(n);
    });
  }
  async setUnschedulable(name: string, unschedulable: boolean): Promise<void> {
    return this.gate(unschedulable ? "cordon" : "uncordon", () => {
      const n = this.nodes.get(name);
      if (!n) throw Object.assign(new Error(`nodes "${name}" not found`), { code: 404 });
      if (unschedulable && this.faults.has("cordon")) throw new Error("simulated API server error on cordon");
      n.unschedulable = unschedulable;
      this.observe();
    });
  }
  async listPodsOnNode(nodeName: string): Promise<PodInfo[]> {
    return this.gate("listPods", () =>
      this.pods
        .filter((p) => p.node === nodeName)
        .map((p) => ({
          namespace: p.namespace,
          name: p.name,
          ownerKinds: p.ownerKind ? [p.ownerKind] : [],
          controllerKind: p.ownerKind,
          mirror: false,
          phase: "Running",
          localStorage: p.emptyDir === true,
          safeToEvict: p.safeToEvict === undefined ? undefined : p.safeToEvict === "true",
        })),
    );
  }
  async evictPod(namespace: string, name: string): Promise<EvictionResult> {
    return this.gate("evict", () => {
      const pod = this.pods.find((p) => p.namespace === namespace && p.name === name);
      if (!pod) return { status: "gone" as const };
      if (pod.pdbForever || this.faults.has("drain")) return { status: "blocked" as const, message: "Cannot evict pod as it would violate the pod's disruption budget." };
      this.reschedule(pod);
      return { status: "evicted" as const };
    });
  }
}
