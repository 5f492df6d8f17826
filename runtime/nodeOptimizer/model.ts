/**
 * The shapes the node optimizer's modules share: the advice the rebalance asks, the journal's
 * progress record, the result, the step a failure happened at, and what the rebalance's steps
 * (actions.ts) and their undoing (actionsUndo.ts) need of the run they belong to.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Log } from "../shared/observability";
import type { Clock, DrainOutcome } from "./actionsDrain";
import type { AsgGateway } from "./asgGateway";
import type { Capacity } from "./decide";
import type { KubeNodes } from "./kubeApi";

export const AZ_REBALANCE = "AZRebalance";

/**
 * Spot advice as the rebalance uses it (SpotAdvisor has this shape): a read-only check of
 * every (type, AZ) the group may launch before scaling out, then one advice for the pair
 * actually launched (which takes the half-open probe when there is one), and what became of
 * that probe.
 */
export interface CapacityAdvisor {
  adviseCapacity(q: { instanceType: string; availabilityZone: string; environment?: string }): Promise<{ capacity: "spot" | "on-demand"; reason: string; probe?: boolean }>;
  isHealthy(instanceType: string, availabilityZone: string): Promise<{ healthy: boolean; reason: string; probeAvailable?: boolean }>;
  probeLaunched?(instanceType: string, availabilityZone: string, instanceId: string): Promise<void>;
  releaseProbe?(instanceType: string, availabilityZone: string): Promise<void>;
}

export type RebalanceStep = "scale-out" | "wait-ready" | "advise" | "cordon" | "drain" | "terminate-old" | "restore";
export const STEPS: RebalanceStep[] = ["scale-out", "wait-ready", "advise", "cordon", "drain", "terminate-old", "restore"];
export const after = (a: RebalanceStep, b: RebalanceStep) => STEPS.indexOf(a) > STEPS.indexOf(b);

/** What the journal holds: the values found before the rebalance, and how far it got. */
export interface RebalanceProgress {
  group: string;
  /** N, and the group's settings before the rebalance. */
  before: { desired: number; max: number; onDemandBase: number; suspended: string[] };
  /** The settings the scale-out sets. */
  target: { max: number; onDemandBase: number };
  oldInstanceId: string;
  oldNodeName: string;
  /** Members before the scale-out: any other instance was launched for (or during) it. */
  knownInstanceIds: string[];
  environment?: string;
  step: RebalanceStep;
  suspendedHere: boolean;
  scaledOut: boolean;
  cordoned: boolean;
  newInstanceId?: string;
  /** The half-open probe this launch took, to confirm or give back. */
  probe?: { instanceType: string; availabilityZone: string };
  undoing?: boolean;
  keepingNew?: boolean;
}

export interface RebalanceResult {
  group: string;
  /** settled: the group changed under the rebalance; the new node stays, nothing else was removed, N held. */
  outcome: "replaced" | "skipped" | "rolled-back" | "settled";
  reason: string;
  oldInstanceId?: string;
  newInstanceId?: string;
  /** The step that failed, when rolled back. */
  failedStep?: RebalanceStep;
  drain?: DrainOutcome;
  /** Problems met while rolling back or restoring (the next run tries again). */
  rollbackErrors: string[];
  notes: string[];
  /** This run finished or undid what an interrupted run had started. */
  resumed?: boolean;
}

export interface RebalancerOptions {
  /** Seconds to wait for the new instance's node to be Ready. */
  readyTimeoutSeconds: number;
  /** Seconds the drain of the old node may take (PDB retries included). */
  drainSeconds: number;
  clock?: Clock;
  log?: Log;
  /** Poll interval while waiting (ms). */
  pollMs?: number;
  /** The optimizer's table: a lease per group and each group's journal. */
  store?: { doc: DynamoDBDocumentClient; table: string };
  /** Who this run is, in leases. */
  runId?: string;
}

export class StepFailed extends Error {
  constructor(
    readonly step: RebalanceStep,
    message: string,
  ) {
    super(message);
  }
}

/** How long a run holds a group: longer than any run lives (Lambda stops at 15 minutes). */
export const NODE_GROUP_LEASE_MS = 16 * 60_000;

/** What a rebalance's steps use of the rebalancer that runs them (runRebalance.ts's Rebalancer). */
export interface RebalanceContext {
  readonly asg: AsgGateway;
  readonly kube: KubeNodes;
  readonly advisor: CapacityAdvisor;
  readonly opts: RebalancerOptions;
  readonly clock: Clock;
}

/** What undoing a rebalance needs of the rebalance in progress (actions.ts's RebalanceRun has it). */
export interface RebalanceRunState {
  readonly progress: RebalanceProgress;
  readonly notes: string[];
  readonly result: RebalanceResult;
  readonly asg: AsgGateway;
  readonly kube: KubeNodes;
  readonly log: Log | undefined;
  /** Records a change of progress in the journal before going on. */
  mark(change: Partial<RebalanceProgress>): Promise<void>;
  /** The group's Ready, schedulable instances now. */
  capacity(): Promise<Capacity | undefined>;
}
