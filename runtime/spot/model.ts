/**
 * The plain records the spot modules share: an opted-in Auto Scaling group as the optimizer
 * sees it, the group as it is now (re-read before every removal), an interrupted instance, and
 * the swap's plan, progress and result as its journal holds them. Types only, and a few
 * constants; no AWS calls.
 */
import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { EC2Client, Tag } from "@aws-sdk/client-ec2";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Log } from "../shared/observability";
import type { Clock } from "./wait";

// --- An opted-in Auto Scaling group (inventory.ts → decide.ts) ---

export interface MemberFacts {
  id: string;
  lifecycleState: string;
  health: string;
  protectedFromScaleIn: boolean;
  availabilityZone: string;
  instanceType?: string;
  lifecycle?: "spot" | "on-demand";
  subnetId?: string;
  launchTime?: number;
  tags: Record<string, string>;
}

export interface GroupFacts {
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  launchTemplate?: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string };
  usesMixedInstancesPolicy: boolean;
  suspendedProcesses: string[];
  targetGroupArns: string[];
  tags: Record<string, string>;
  /** Tags the group propagates to its instances (copied onto the spot instance). */
  propagatedTags: Tag[];
  members: MemberFacts[];
}

// --- The group as it is now ---

export interface LiveMember {
  id: string;
  lifecycleState: string;
  healthy: boolean;
}

export interface LiveGroup {
  desired: number;
  max: number;
  suspended: string[];
  members: LiveMember[];
}

// --- An interrupted instance (inventory.ts → runEvents.ts) ---

/** What the Kubernetes drainer gets for a node of an EKS cluster. */
export interface NodeInterruption {
  kind: "interruption" | "rebalance";
  instanceId: string;
  clusterName: string;
  instanceType: string;
  availabilityZone: string;
  autoScalingGroup?: string;
  /** When the instance will be reclaimed (two minutes after the warning); undefined for rebalance. */
  deadline?: Date;
}

export interface InstanceFacts {
  instanceId: string;
  instanceType: string;
  /** The AZ name, as the instance's own account names it. */
  availabilityZone: string;
  /** The physical zone (`use1-az1`), when DescribeInstances reports it. */
  availabilityZoneId?: string;
  environment?: string;
  autoScalingGroup?: string;
  clusterName?: string;
  lifecycle: "spot" | "on-demand";
}

// --- The swap (actions.ts, actionsUndo.ts) ---

/** The Auto Scaling process a swap suspends, so the group does not "rebalance" the extra instance away. */
export const AZ_REBALANCE = "AZRebalance";

export interface SwapPlan {
  autoScalingGroupName: string;
  onDemandInstanceId: string;
  onDemandInstanceType?: string;
  availabilityZone: string;
  subnetId: string;
  launchTemplate: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string };
  /** Compatible spot types, highest priority first (one type when the launch is a circuit's probe). */
  instanceTypes: string[];
  /** N: the desired capacity before the swap, the floor of InService capacity throughout. */
  desiredCapacity: number;
  /** MaxSize before the swap. */
  maxSize: number;
  /** The group's members before the swap: an instance not among them (nor the spot one) was launched by the group meanwhile. */
  memberIdsBefore?: string[];
  /** Processes already suspended before the swap (the owner's, left as they are). */
  suspendedProcesses: string[];
  targetGroupArns: string[];
  /** Tags for the spot instance (the group's propagated tags plus costguard's marker). */
  tags: Tag[];
  /** Idempotency token of the launch (≤ 64 characters): a resumed run asks EC2 again with it. */
  clientToken: string;
  /** The launch is the half-open probe of its type's circuit (in `availabilityZone`). */
  probe?: boolean;
}

export interface SwapTimeouts {
  statusChecksMs: number;
  inServiceMs: number;
  pollMs: number;
}

export const DEFAULT_SWAP_TIMEOUTS: SwapTimeouts = { statusChecksMs: 6 * 60_000, inServiceMs: 5 * 60_000, pollMs: 15_000 };

export interface SwapDeps {
  ec2: EC2Client;
  autoscaling: AutoScalingClient;
  elbv2: ElasticLoadBalancingV2Client;
  clock: Clock;
  log: Log;
  timeouts?: Partial<SwapTimeouts>;
}

export const SWAP_STEPS = [
  "suspend-processes",
  "raise-max-size",
  "launch-spot",
  "wait-status-checks",
  "attach",
  "wait-in-service",
  "remove-on-demand",
  "restore-max-size",
  "resume-processes",
] as const;
export type SwapStep = (typeof SWAP_STEPS)[number];

/** What the journal holds: the plan and how far the swap got. Written before each step. */
export interface SwapProgress {
  plan: SwapPlan;
  /** The last step started. */
  step: SwapStep;
  /** AZRebalance was suspended by this swap (so it is resumed), not by the owner. */
  suspendedHere: boolean;
  /** MaxSize was raised by this swap (to plan.maxSize + 1). */
  raisedMax: boolean;
  attachTried: boolean;
  spotInstanceId?: string;
  instanceType?: string;
  /** A rollback started: a resumed run rolls back too. */
  undoing?: boolean;
  /** The group changed under the swap and the spot instance is being kept: a resumed run settles too. */
  keepingSpot?: boolean;
}

export type SwapRecorder = (progress: SwapProgress) => Promise<void>;

export type SwapResult =
  | { outcome: "replaced"; spotInstanceId: string; instanceType: string; cleanupErrors: string[]; notes: string[] }
  /** The group changed during the swap: the spot instance stays in it, nothing else is removed, N held. */
  | { outcome: "settled"; spotInstanceId: string; instanceType: string; cleanupErrors: string[]; notes: string[] }
  | { outcome: "rolled-back"; failedStep: SwapStep; error: string; spotInstanceId?: string; instanceType?: string; rollbackErrors: string[]; notes: string[] };

/** What undoing a swap needs of the swap in progress (actions.ts's SwapRun has it). */
export interface SwapRunState {
  readonly plan: SwapPlan;
  readonly deps: SwapDeps;
  readonly progress: SwapProgress;
  readonly notes: string[];
  /** The group's name. */
  readonly group: string;
  /** Records a change of progress in the journal before going on. */
  mark(change: Partial<SwapProgress>): Promise<void>;
}
