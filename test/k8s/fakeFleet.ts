/**
 * A small stateful fake of one Auto Scaling group (behind aws-sdk-client-mock) and the
 * Kubernetes nodes its instances become (an in-memory KubeNodes). Time is virtual: every
 * sleep is a tick in which pending instances boot and their nodes register and turn Ready.
 * After every change it records how many Ready, schedulable nodes the cluster has, so a test
 * can check capacity never dropped. Faults make a chosen step fail.
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
import type { Clock } from "../../runtime/k8s/drain";
import type { EvictionResult, KubeNodes, NodeInfo, PodInfo } from "../../runtime/k8s/kubeApi";

export type Fault = "scale-out" | "no-launch" | "never-ready" | "launch-on-demand" | "cordon" | "drain" | "terminate-old";

interface Instance {
  id: string;
  az: string;
  type: string;
  spot: boolean;
  state: "Pending" | "InService";
  age: number;
  protect?: boolean;
}
interface Node {
  name: string;
  instanceId: string;
  ready: boolean;
  unschedulable: boolean;
}
interface Pod {
  namespace: string;
  name: string;
  node: string;
  ownerKind?: string;
  pdbForever?: boolean;
}

export const GROUP = "shop-nodes";

export class FakeFleet implements KubeNodes {
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
  /** Ready, schedulable node count after every change. */
  readonly capacityLog: number[] = [];
  readonly calls: string[] = [];
  private seq = 0;
  time = 0;

  readonly autoscaling = new AutoScalingClient({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  readonly ec2 = new EC2Client({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });

  constructor(onDemand: number, spot = 0) {
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
    this.pods = this.pods.filter((p) => p.node !== `node-${id}`);
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

  readonly clock: Clock = {
    now: () => this.time,
    sleep: async (ms) => {
      this.time += ms;
      this.tick();
    },
  };

  private wireMocks(): void {
    const asg = mockClient(this.autoscaling);
    asg.on(DescribeAutoScalingGroupsCommand).callsFake(() => ({
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
          Tags: [{ Key: "Environment", Value: "prod" }],
          Instances: [...this.instances.values()].map((i) => ({ InstanceId: i.id, AvailabilityZone: i.az, InstanceType: i.type, LifecycleState: i.state, HealthStatus: "Healthy", ProtectedFromScaleIn: false })),
        },
      ],
    }));
    asg.on(UpdateAutoScalingGroupCommand).callsFake((input) => {
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
    });
    asg.on(SuspendProcessesCommand).callsFake((input) => {
      for (const p of input.ScalingProcesses ?? []) this.suspended.add(p);
      return {};
    });
    asg.on(ResumeProcessesCommand).callsFake((input) => {
      for (const p of input.ScalingProcesses ?? []) this.suspended.delete(p);
      return {};
    });
    asg.on(TerminateInstanceInAutoScalingGroupCommand).callsFake((input) => {
      const inst = this.instances.get(input.InstanceId!);
      this.calls.push(`terminate ${input.InstanceId} decrement=${input.ShouldDecrementDesiredCapacity}`);
      if (this.faults.has("terminate-old") && inst && !inst.spot) throw new Error("simulated termination failure");
      this.terminate(input.InstanceId!, input.ShouldDecrementDesiredCapacity === true);
      return {};
    });
    mockClient(this.ec2)
      .on(DescribeInstancesCommand)
      .callsFake((input) => ({
        Reservations: [
          {
            Instances: (input.InstanceIds ?? [])
              .map((id: string) => this.instances.get(id))
              .filter((i: Instance | undefined): i is Instance => !!i)
              .map((i: Instance) => ({ InstanceId: i.id, InstanceType: i.type, InstanceLifecycle: i.spot ? "spot" : undefined, Tags: i.protect ? [{ Key: "costguard:protect", Value: "true" }] : [] })),
          },
        ],
      }));
  }

  // --- KubeNodes, in memory ---
  private info(n: Node): NodeInfo {
    return { name: n.name, providerId: `aws:///eu-west-1a/${n.instanceId}`, instanceId: n.instanceId, ready: n.ready, unschedulable: n.unschedulable };
  }
  async listNodes(): Promise<NodeInfo[]> {
    return [...this.nodes.values()].map((n) => this.info(n));
  }
  async getNode(name: string): Promise<NodeInfo | undefined> {
    const n = this.nodes.get(name);
    return n && this.info(n);
  }
  async setUnschedulable(name: string, unschedulable: boolean): Promise<void> {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`node ${name} not found`);
    if (unschedulable && this.faults.has("cordon")) throw new Error("simulated API server error on cordon");
    n.unschedulable = unschedulable;
    this.observe();
  }
  async listPodsOnNode(nodeName: string): Promise<PodInfo[]> {
    return this.pods.filter((p) => p.node === nodeName).map((p) => ({ namespace: p.namespace, name: p.name, ownerKinds: p.ownerKind ? [p.ownerKind] : [], mirror: false, phase: "Running" }));
  }
  async evictPod(namespace: string, name: string): Promise<EvictionResult> {
    const pod = this.pods.find((p) => p.namespace === namespace && p.name === name);
    if (!pod) return { status: "gone" };
    if (pod.pdbForever || this.faults.has("drain")) return { status: "blocked", message: "Cannot evict pod as it would violate the pod's disruption budget." };
    // The controller recreates the pod on a schedulable Ready node.
    const target = [...this.nodes.values()].find((n) => n.ready && !n.unschedulable && n.name !== pod.node);
    if (target) this.pods.push({ ...pod, name: `${pod.name}-r`, node: target.name });
    this.pods = this.pods.filter((p) => p !== pod);
    return { status: "evicted" };
  }
}
