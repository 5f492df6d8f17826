/**
 * Plain records the failsafe works on. The inventory adapter produces them from AWS; the
 * burn-rate, spike and decision functions consume them; tests build them by hand.
 */
export type Tags = Record<string, string>;

/**
 * The (account, region) a resource lives in, set when the failsafe reads several units: stop
 * actions go to that unit's clients. Absent: the function's own account and region.
 */
export interface UnitRef {
  account: string;
  region: string;
}

export interface InstanceRecord {
  unit?: UnitRef;
  id: string;
  instanceType: string;
  availabilityZone: string;
  lifecycle: "spot" | "on-demand";
  /**
   * Undefined means running. Stopped instances are read too, only so that their volumes and
   * Elastic IPs keep their environment (a stopped instance's volume is not "untagged").
   */
  state?: "pending" | "running" | "stopping" | "stopped";
  tags: Tags;
  /** Auto Scaling group the instance belongs to (its `aws:autoscaling:groupName` tag). */
  autoScalingGroup?: string;
  /** Public IPv4 address (charged $0.005/h unless it is an Elastic IP, counted separately). */
  publicIp?: string;
  /**
   * For a spot instance, the type of its spot request when EC2 describes it. EC2 stops only
   * instances of a persistent request; a one-time one (RunInstances' default) can only be terminated.
   */
  spotRequestType?: "one-time" | "persistent";
  /** An instance-store root device cannot be stopped either. */
  rootDeviceType?: "ebs" | "instance-store";
}

export interface VolumeRecord {
  id: string;
  volumeType: string;
  sizeGiB: number;
  tags: Tags;
  /** Instance it is attached to, when any (its Environment is used when the volume has none). */
  instanceId?: string;
}

export interface NatGatewayRecord {
  id: string;
  tags: Tags;
}

export interface LoadBalancerRecord {
  arn: string;
  name: string;
  kind: "application" | "network" | "gateway";
  tags: Tags;
}

export interface AddressRecord {
  publicIp: string;
  allocationId?: string;
  instanceId?: string;
  tags: Tags;
}

export interface DbInstanceRecord {
  unit?: UnitRef;
  id: string;
  instanceClass: string;
  engine: string;
  multiAz: boolean;
  storageType: string;
  allocatedGiB: number;
  status: string;
  /** Set for Aurora members, which StopDBInstance cannot stop on their own. */
  clusterId?: string;
  tags: Tags;
}

export interface AutoScalingGroupRecord {
  unit?: UnitRef;
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  tags: Tags;
}

export interface ServiceRecord {
  unit?: UnitRef;
  cluster: string;
  name: string;
  desiredCount: number;
  runningCount: number;
  tags: Tags;
}

export interface TaskRecord {
  arn: string;
  cluster: string;
  /** Service that started the task (from its group `service:<name>`). */
  service?: string;
  vcpu: number;
  memoryGb: number;
  spot: boolean;
  architecture: "x86_64" | "arm64";
  tags: Tags;
}

export interface Inventory {
  region: string;
  instances: InstanceRecord[];
  volumes: VolumeRecord[];
  natGateways: NatGatewayRecord[];
  loadBalancers: LoadBalancerRecord[];
  addresses: AddressRecord[];
  dbInstances: DbInstanceRecord[];
  autoScalingGroups: AutoScalingGroupRecord[];
  services: ServiceRecord[];
  tasks: TaskRecord[];
}

/** Only running instances are billed for compute and may be stopped. */
export const isRunning = (i: Pick<InstanceRecord, "state">) => (i.state ?? "running") === "running";

export function emptyInventory(region: string): Inventory {
  return { region, instances: [], volumes: [], natGateways: [], loadBalancers: [], addresses: [], dbInstances: [], autoScalingGroups: [], services: [], tasks: [] };
}

/** One burn-rate sample of a group (an environment, `untagged` or `global`). */
export interface Sample {
  /** Epoch milliseconds. */
  time: number;
  usdPerHour: number;
}

/** What the failsafe remembers about an environment between runs (state table). */
export interface EnvironmentState {
  environment: string;
  state: "active" | "stopped";
  /** Epoch ms of the last stop by the failsafe. */
  stoppedAt?: number;
  /** Epoch ms of the last restore: spike detection waits one window after it (the ramp-up is not a spike). */
  restoredAt?: number;
  /** Why it was stopped (breach text or "operator"). */
  reason?: string;
  /** Breach reasons at the last check, to announce a breach once rather than every run. */
  breaching?: string[];
  /**
   * Instances EC2 refused to stop (UnsupportedOperation) → its answer: never asked again, so a
   * refusal does not take a place under the per-run cap run after run. Pruned to running ones.
   */
  refused?: Record<string, string>;
  /** Instances already announced as not stoppable in the current incident: announced once. */
  reported?: string[];
}

/** One stop action; the previous values let restore bring the resource back exactly. */
export type StopAction = (
  | { kind: "stop-instance"; environment: string; id: string; dryRun: boolean }
  | { kind: "scale-asg"; environment: string; id: string; previous: { minSize: number; desiredCapacity: number }; dryRun: boolean }
  | { kind: "scale-service"; environment: string; id: string; cluster: string; service: string; previous: { desiredCount: number }; dryRun: boolean }
  | { kind: "stop-db"; environment: string; id: string; dryRun: boolean }
  /** Only for spot instances EC2 cannot stop, where the environment's config allows it; not restorable. */
  | { kind: "terminate-instance"; environment: string; id: string; reason: string; dryRun: boolean }
) & {
  /** The unit that owns the resource (absent: the function's own account and region). */
  unit?: UnitRef;
};

export type StopActionKind = StopAction["kind"];

export interface ActionResult {
  action: StopAction;
  /** refused: EC2 will never do it (UnsupportedOperation); failed: it may work next run (throttling). */
  outcome: "applied" | "dry-run" | "failed" | "refused";
  error?: string;
}
