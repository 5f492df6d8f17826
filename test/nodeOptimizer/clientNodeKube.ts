/**
 * The node optimizer's Kubernetes calls through the real @kubernetes/client-node: what the
 * function used before its own small client (runtime/nodeOptimizer/kubeRest.ts) replaced it in the bundle.
 * Kept for the tests, which run the same scenarios through both clients against the same API
 * server and expect the same answers: the small client must speak the API as the library does.
 *
 * The KubeConfig is built from what EKS DescribeCluster returns (endpoint, base64 CA bundle) and a
 * TokenSource applied per request by a custom authenticator.
 */
import type * as https from "node:https";
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type User } from "@kubernetes/client-node";
import type { TokenSource } from "../../runtime/nodeOptimizer/eksToken";
import { toNodeInfo, toPodInfo, type EvictionResult, type KubeNodes, type NodeInfo, type PodInfo } from "../../runtime/nodeOptimizer/kubeApi";
import { KubeRestClient, type ClusterAccess } from "../../runtime/nodeOptimizer/kubeRest";

/** client-node accepts custom authenticators but does not export their interface. */
type Authenticator = Parameters<KubeConfig["addAuthenticator"]>[0];

const AUTH_PROVIDER = "costguard-eks-token";

class TokenAuthenticator implements Authenticator {
  constructor(private readonly source: TokenSource) {}

  isAuthProvider(user: User): boolean {
    return user.authProvider?.name === AUTH_PROVIDER;
  }

  async applyAuthentication(_user: User, opts: https.RequestOptions): Promise<void> {
    opts.headers = { ...(opts.headers ?? {}), Authorization: `Bearer ${await this.source.token()}` };
  }
}

export function clusterKubeConfig(access: ClusterAccess): KubeConfig {
  // client-node refuses plain http unless TLS checks are off; allow that for loopback test
  // servers only. EKS endpoints are always https and are verified against the cluster CA.
  const loopback = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/.test(access.endpoint);
  if (access.endpoint.startsWith("http://") && !loopback) throw new Error(`cluster endpoint must be https:// (got ${access.endpoint})`);
  const kc = new KubeConfig();
  kc.addAuthenticator(new TokenAuthenticator(access.tokens));
  kc.loadFromOptions({
    clusters: [{ name: access.clusterName, server: access.endpoint, caData: access.certificateAuthority, skipTLSVerify: loopback }],
    users: [{ name: "costguard", authProvider: { name: AUTH_PROVIDER, config: {} } }],
    contexts: [{ name: access.clusterName, cluster: access.clusterName, user: "costguard" }],
    currentContext: access.clusterName,
  });
  return kc;
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

/** Both clients, by name, for tests that run the same scenarios through each. */
export const KUBE_CLIENTS: Record<string, (access: ClusterAccess) => KubeNodes> = {
  "costguard's REST client": (access) => new KubeRestClient(access),
  "@kubernetes/client-node": (access) => new ClientNodeKube(clusterKubeConfig(access)),
};
