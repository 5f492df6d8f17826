/**
 * The Kubernetes calls the node optimizer makes, and nothing more (they match the ClusterRole
 * the component grants: nodes get/list/patch, pods get/list, pods/eviction create). The
 * `KubeNodes` interface is what the drainer and the rebalancer depend on; `KubeRestClient`
 * (kubeRest.ts) implements it for the function, and plain records come out. The API's objects
 * are read as @kubernetes/client-node's typed models (types only: nothing of it is bundled).
 */
import type { V1Node, V1Pod } from "@kubernetes/client-node";

export interface NodeInfo {
  name: string;
  /** `spec.providerID`, e.g. `aws:///eu-west-1a/i-0123456789abcdef0`. */
  providerId?: string;
  /** EC2 instance id parsed from the provider id. */
  instanceId?: string;
  /** The node's Ready condition is True. */
  ready: boolean;
  /** Cordoned (`spec.unschedulable`). */
  unschedulable: boolean;
}

export interface PodInfo {
  namespace: string;
  name: string;
  /** Kinds of the objects owning the pod (DaemonSet, ReplicaSet, ...). */
  ownerKinds: string[];
  /** Kind of the owner that is its controller (ownerReference with controller: true); none: a bare pod. */
  controllerKind?: string;
  /** A static pod's mirror on the API server (annotation kubernetes.io/config.mirror). */
  mirror: boolean;
  phase?: string;
  /** Mounts an emptyDir volume: local data that dies with the pod. */
  localStorage?: boolean;
  /** The cluster-autoscaler.kubernetes.io/safe-to-evict annotation, when set to "true" or "false". */
  safeToEvict?: boolean;
}

export const SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict";

export type EvictionResult =
  | { status: "evicted" }
  /** 429: a PodDisruptionBudget does not allow the eviction now. */
  | { status: "blocked"; message: string }
  /** 404: the pod is already gone. */
  | { status: "gone" }
  | { status: "error"; code?: number; message: string; retryable: boolean };

export interface KubeNodes {
  listNodes(): Promise<NodeInfo[]>;
  getNode(name: string): Promise<NodeInfo | undefined>;
  /** Cordon (true) or uncordon (false). */
  setUnschedulable(name: string, unschedulable: boolean): Promise<void>;
  listPodsOnNode(nodeName: string): Promise<PodInfo[]>;
  evictPod(namespace: string, name: string): Promise<EvictionResult>;
}

/** `aws:///eu-west-1a/i-0123…` → `i-0123…` (also accepts the `aws:///<az>/<id>` form without az). */
export function instanceIdOfProviderId(providerId: string | undefined): string | undefined {
  const m = /^aws:\/\/\/(?:[^/]*\/)?(i-[0-9a-f]+)$/.exec(providerId ?? "");
  return m?.[1];
}

export function toNodeInfo(node: V1Node): NodeInfo {
  const providerId = node.spec?.providerID;
  return {
    name: node.metadata?.name ?? "",
    providerId,
    instanceId: instanceIdOfProviderId(providerId),
    ready: (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
    unschedulable: node.spec?.unschedulable === true,
  };
}

export function toPodInfo(pod: V1Pod): PodInfo {
  const safe = pod.metadata?.annotations?.[SAFE_TO_EVICT]?.trim().toLowerCase();
  return {
    namespace: pod.metadata?.namespace ?? "default",
    name: pod.metadata?.name ?? "",
    ownerKinds: (pod.metadata?.ownerReferences ?? []).map((o) => o.kind),
    controllerKind: pod.metadata?.ownerReferences?.find((o) => o.controller === true)?.kind,
    mirror: pod.metadata?.annotations?.["kubernetes.io/config.mirror"] !== undefined,
    phase: pod.status?.phase,
    localStorage: (pod.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined),
    safeToEvict: safe === "true" ? true : safe === "false" ? false : undefined,
  };
}
