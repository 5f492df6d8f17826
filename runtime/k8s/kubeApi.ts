/**
 * The Kubernetes calls the node optimizer makes, and nothing more (they match the ClusterRole
 * the component grants: nodes get/list/patch, pods get/list, pods/eviction create). The
 * `KubeNodes` interface is what the drainer and the rebalancer depend on; `ClientNodeKube`
 * implements it with @kubernetes/client-node and plain records come out.
 */
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Node, type V1Pod } from "@kubernetes/client-node";

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

function statusCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

function messageOf(err: unknown): string {
  const body = (err as { body?: unknown } | null)?.body;
  if (typeof body === "string") {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      /* not JSON: fall through */
    }
    if (body) return body.slice(0, 300);
  }
  return err instanceof Error ? err.message.slice(0, 300) : String(err);
}

const PAGE_SIZE = 500;

export class ClientNodeKube implements KubeNodes {
  private readonly core: CoreV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  async listNodes(): Promise<NodeInfo[]> {
    const nodes: NodeInfo[] = [];
    let cont: string | undefined;
    do {
      const page = await this.core.listNode({ limit: PAGE_SIZE, _continue: cont });
      nodes.push(...page.items.map(toNodeInfo));
      cont = page.metadata?._continue || undefined;
    } while (cont);
    return nodes;
  }

  async getNode(name: string): Promise<NodeInfo | undefined> {
    try {
      return toNodeInfo(await this.core.readNode({ name }));
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
  }

  async setUnschedulable(name: string, unschedulable: boolean): Promise<void> {
    // JSON merge patch: null removes the field, which is how kubectl leaves an uncordoned node.
    await this.core.patchNode({ name, body: { spec: { unschedulable: unschedulable ? true : null } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
  }

  async listPodsOnNode(nodeName: string): Promise<PodInfo[]> {
    const pods: PodInfo[] = [];
    let cont: string | undefined;
    do {
      const page = await this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}`, limit: PAGE_SIZE, _continue: cont });
      pods.push(...page.items.map(toPodInfo));
      cont = page.metadata?._continue || undefined;
    } while (cont);
    return pods;
  }

  async evictPod(namespace: string, name: string): Promise<EvictionResult> {
    try {
      await this.core.createNamespacedPodEviction({
        name,
        namespace,
        body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace } },
      });
      return { status: "evicted" };
    } catch (err) {
      const code = statusCode(err);
      if (code === 429) return { status: "blocked", message: messageOf(err) };
      if (code === 404) return { status: "gone" };
      // 5xx and network errors may pass; 4xx (403 forbidden, 400) will not.
      const retryable = code === undefined || code >= 500;
      return { status: "error", code, message: messageOf(err), retryable };
    }
  }
}
