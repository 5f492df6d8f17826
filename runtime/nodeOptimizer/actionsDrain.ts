/**
 * Cordon and drain a node within a deadline (the two-minute spot notice, or the rebalance's
 * own budget). Evictions go through the Eviction API so PodDisruptionBudgets are honoured: a
 * 429 means "not now", retried with backoff until the deadline; a 404 means the pod is
 * already gone. DaemonSet pods (their controller ignores cordons and they die with the node),
 * mirror pods (static pods, not evictable) and finished pods are skipped.
 *
 * Some pods are unsafe to move, as `kubectl drain` sees them: a pod without a controller is
 * never recreated (kubectl wants --force), a pod with emptyDir storage loses its data (kubectl
 * wants --delete-emptydir-data), and `cluster-autoscaler.kubernetes.io/safe-to-evict: "false"`
 * says its owner does not want it moved (`"true"` vouches for a pod that would otherwise be
 * unsafe). A drain that nothing forces (the scheduled rebalance) refuses the whole node when
 * it holds one; a drain the node's end forces (the interruption) evicts them and names each.
 */
import type { Log } from "../shared/observability";
import { podKey, skipReason, unsafeReason } from "./decide";
import type { KubeNodes, NodeInfo, PodInfo } from "./kubeApi";

export interface DrainOutcome {
  instanceId?: string;
  node?: string;
  nodeFound: boolean;
  cordoned: boolean;
  /** Pods whose eviction was accepted (201), as namespace/name. */
  evicted: string[];
  /** Pods that were gone before their eviction (404). */
  alreadyGone: string[];
  skipped: { pod: string; reason: string }[];
  /** Unsafe pods that stopped this drain before any eviction (the scheduled rebalance). */
  refused: { pod: string; reason: string }[];
  /** Unsafe pods evicted anyway because the node is going away (the interruption drain). */
  forced: { pod: string; reason: string }[];
  /** Pods the API refused for good (403, 400, ...), with the reason. */
  failed: { pod: string; reason: string }[];
  /** Pods still blocked (PDB 429 or a transient error) when the deadline came. */
  pending: { pod: string; reason: string }[];
  /** Evicted pods still terminating on the node at the deadline (when waiting for deletion). */
  terminating: string[];
  deadlineReached: boolean;
  /** Eviction calls made, retries included. */
  attempts: number;
  /** Every evictable pod is evicted or gone, and the node is cordoned. */
  complete: boolean;
}

/** What the spot-events handler calls when an interruption warning names an instance. */
export interface NodeInterruptionHandler {
  onNodeInterruption(instanceId: string): Promise<DrainOutcome>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Wait before retry round `round` (1-based): 1 s, 2 s, 4 s, then every 5 s (kubectl drain retries every 5 s). */
export function backoffMs(round: number): number {
  return Math.min(1000 * 2 ** Math.max(0, round - 1), 5000);
}

export interface DrainOptions {
  /** Absolute deadline (clock ms). */
  deadline: number;
  /** Cordon first (the rebalancer cordons on its own and passes false). */
  cordon: boolean;
  /** After evicting, wait until the evicted pods have left the node (or the deadline). */
  waitForDeletion?: boolean;
  /** Unsafe pods (unsafeReason): "refuse" the whole drain, or "evict" them and report each (default). */
  unsafePods?: "refuse" | "evict";
  clock?: Clock;
  log?: Log;
}

export function emptyOutcome(node?: NodeInfo, instanceId?: string): DrainOutcome {
  return {
    instanceId: instanceId ?? node?.instanceId,
    node: node?.name,
    nodeFound: node !== undefined,
    cordoned: node?.unschedulable ?? false,
    evicted: [],
    alreadyGone: [],
    skipped: [],
    refused: [],
    forced: [],
    failed: [],
    pending: [],
    terminating: [],
    deadlineReached: false,
    attempts: 0,
    complete: false,
  };
}

export async function drainNode(kube: KubeNodes, node: NodeInfo, opts: DrainOptions): Promise<DrainOutcome> {
  const clock = opts.clock ?? realClock;
  const out = emptyOutcome(node);
  if (opts.cordon && !node.unschedulable) {
    try {
      await kube.setUnschedulable(node.name, true);
      out.cordoned = true;
    } catch (err) {
      // The node is going away anyway: evicting still moves the pods, so carry on and report it.
      opts.log?.error("cordon failed; evicting anyway", { node: node.name, error: String(err) });
    }
  }

  const pods = await kube.listPodsOnNode(node.name);
  let pending: PodInfo[] = [];
  for (const pod of pods) {
    const reason = skipReason(pod);
    if (reason) out.skipped.push({ pod: podKey(pod), reason });
    else pending.push(pod);
  }
  const unsafe = pending.flatMap((pod) => {
    const reason = unsafeReason(pod);
    return reason ? [{ pod: podKey(pod), reason }] : [];
  });
  if (unsafe.length && opts.unsafePods === "refuse") {
    out.refused = unsafe;
    opts.log?.warn("drain refused: the node holds pods that would not survive the move", { node: node.name, pods: unsafe });
    return out;
  }
  out.forced = unsafe;
  for (const f of unsafe) opts.log?.warn(`evicting ${f.pod}, which ${f.reason}: the node is going away`, { node: node.name });

  const lastReason = new Map<string, string>();
  for (let round = 1; pending.length > 0; round++) {
    const results = await Promise.all(pending.map(async (pod) => ({ pod, result: await kube.evictPod(pod.namespace, pod.name) })));
    out.attempts += results.length;
    pending = [];
    for (const { pod, result } of results) {
      const key = podKey(pod);
      if (result.status === "evicted") out.evicted.push(key);
      else if (result.status === "gone") out.alreadyGone.push(key);
      else if (result.status === "blocked") {
        lastReason.set(key, `PodDisruptionBudget: ${result.message}`);
        pending.push(pod);
      } else if (result.retryable) {
        lastReason.set(key, `HTTP ${result.code ?? "error"}: ${result.message}`);
        pending.push(pod);
      } else out.failed.push({ pod: key, reason: `HTTP ${result.code}: ${result.message}` });
    }
    if (pending.length === 0) break;
    const wait = backoffMs(round);
    if (clock.now() + wait >= opts.deadline) {
      out.deadlineReached = true;
      out.pending = pending.map((p) => ({ pod: podKey(p), reason: lastReason.get(podKey(p)) ?? "blocked" }));
      break;
    }
    await clock.sleep(wait);
  }

  if (opts.waitForDeletion && out.evicted.length > 0 && !out.deadlineReached) {
    const evicted = new Set(out.evicted);
    for (let round = 1; ; round++) {
      const left = (await kube.listPodsOnNode(node.name)).map(podKey).filter((k) => evicted.has(k));
      if (left.length === 0) break;
      const wait = backoffMs(round);
      if (clock.now() + wait >= opts.deadline) {
        out.deadlineReached = true;
        out.terminating = left;
        break;
      }
      await clock.sleep(wait);
    }
  }

  out.complete = out.cordoned && out.refused.length === 0 && out.failed.length === 0 && out.pending.length === 0 && out.terminating.length === 0;
  return out;
}

/** Finds the node of an EC2 instance by `spec.providerID`. */
export async function findNodeByInstanceId(kube: KubeNodes, instanceId: string): Promise<NodeInfo | undefined> {
  return (await kube.listNodes()).find((n) => n.instanceId === instanceId);
}

export interface NodeDrainerOptions {
  /** Seconds from the call to give up retrying (nodeOptimizer.drainDeadlineSeconds). */
  deadlineSeconds: number;
  clock?: Clock;
  log?: Log;
}

/** Cordons and drains the node of an interrupted instance within the notice. */
export class NodeDrainer implements NodeInterruptionHandler {
  constructor(
    private readonly kube: KubeNodes,
    private readonly opts: NodeDrainerOptions,
  ) {}

  async drainNodeForInstance(instanceId: string): Promise<DrainOutcome> {
    const clock = this.opts.clock ?? realClock;
    const deadline = clock.now() + this.opts.deadlineSeconds * 1000;
    const node = await findNodeByInstanceId(this.kube, instanceId);
    if (!node) {
      this.opts.log?.warn("no Kubernetes node for instance: nothing to drain", { instanceId });
      return emptyOutcome(undefined, instanceId);
    }
    const out = await drainNode(this.kube, node, { deadline, cordon: true, clock, log: this.opts.log });
    out.instanceId = instanceId;
    this.opts.log?.info("drain finished", { ...summarizeDrain(out) });
    return out;
  }

  onNodeInterruption(instanceId: string): Promise<DrainOutcome> {
    return this.drainNodeForInstance(instanceId);
  }
}

/** Counts for logs and alert fields. */
export function summarizeDrain(out: DrainOutcome): Record<string, string | number | boolean | undefined> {
  return {
    node: out.node,
    instanceId: out.instanceId,
    cordoned: out.cordoned,
    evicted: out.evicted.length,
    alreadyGone: out.alreadyGone.length,
    skipped: out.skipped.length,
    refused: out.refused.length,
    forced: out.forced.length,
    failed: out.failed.length,
    pending: out.pending.length,
    deadlineReached: out.deadlineReached,
    complete: out.complete,
  };
}
