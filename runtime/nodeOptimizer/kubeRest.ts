/**
 * The node optimizer's Kubernetes client: the five calls it makes (nodes list/get/patch, pods
 * list by node, pod evictions), as REST requests over node:https, authenticated per request with
 * an EKS bearer token and verified against the cluster CA.
 *
 * Why not @kubernetes/client-node in the function: it is 1.4 MB of the node optimizer's bundle
 * (its generated models and serializers for the whole API, node-fetch, ws, js-yaml, jsonpath,
 * tr46...) for these five calls. The typed models are kept where they matter, at compile time:
 * responses are read as the library's V1Node and V1Pod types (a type-only import, nothing of it is
 * bundled; their fields are the API's JSON names for everything read here), and
 * test/nodeOptimizer/kubeClients.test.ts runs the same scenarios through this client and the real
 * client-node against the same API server, asserting identical answers. node:https rather than
 * fetch: Node's fetch takes no CA bundle without the undici package.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import type { TokenSource } from "./eksToken";
import { toNodeInfo, toPodInfo, type EvictionResult, type KubeNodes, type NodeInfo, type PodInfo } from "./kubeApi";

export interface ClusterAccess {
  clusterName: string;
  /** API server URL (https://... from DescribeCluster; http://127.0.0.1:port in tests). */
  endpoint: string;
  /** Base64 PEM bundle of the cluster CA (DescribeCluster certificateAuthority.data). */
  certificateAuthority?: string;
  tokens: TokenSource;
  /** Longest one request may take, answer included (default KubeRestClient.DEFAULT_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
}

/** A list response as the API server sends it (`metadata.continue` pages a long list). */
interface List<T> {
  items?: T[];
  metadata?: { continue?: string };
}

/** An API server answer other than 2xx, with the message of its Status body. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`HTTP ${code}: ${reason}`);
    this.name = "KubeApiError";
  }
}

const PAGE_SIZE = 500;

/** The Status message of an error body, else the start of the body. */
function reasonOf(status: number, text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === "string" && parsed.message) return parsed.message;
  } catch {
    /* not JSON: fall through */
  }
  return text ? text.slice(0, 300) : `status ${status}`;
}

/**
 * The Kubernetes RBAC rules of the calls below (nodes list/get/patch, pods list, pod evictions),
 * granted to the function's Kubernetes group by the component's ClusterRole, and nothing else.
 */
export const KUBERNETES_RULES = [
  { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "patch"] },
  { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
  { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
];

export class KubeRestClient implements KubeNodes {
  /**
   * A hung API server (or a load balancer holding the connection) must not hold a drain until
   * the function's timeout, past the 2-minute interruption notice: 10 s per request, answer
   * included, leaves room to retry within it.
   */
  static readonly DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(private readonly access: ClusterAccess) {
    // Plain http only for loopback test servers: EKS endpoints are https, verified against the cluster CA.
    const loopback = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/.test(access.endpoint);
    if (!access.endpoint.startsWith("https://") && !loopback) throw new Error(`cluster endpoint must be https:// (got ${access.endpoint})`);
    this.base = new URL(access.endpoint.endsWith("/") ? access.endpoint : `${access.endpoint}/`);
    // A connection per request, as client-node made them: the client outlives a Lambda freeze
    // (it is built once per container), and a kept-alive socket the API server's load balancer
    // dropped meanwhile would fail the first call of the next drain.
    this.agent = loopback
      ? new http.Agent({ keepAlive: false })
      : new https.Agent({ keepAlive: false, ...(access.certificateAuthority ? { ca: Buffer.from(access.certificateAuthority, "base64") } : {}) });
  }

  /** One request; resolves with any HTTP answer, rejects only when none came whole in time (network, TLS, the deadline). */
  private async send(method: string, path: string, query: Record<string, string | undefined> = {}, body?: { json: unknown; contentType: string }): Promise<{ status: number; text: string }> {
    const url = new URL(path.replace(/^\//, ""), this.base);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const token = await this.access.tokens.token();
    const payload = body === undefined ? undefined : JSON.stringify(body.json);
    const headers: http.OutgoingHttpHeaders = { Accept: "application/json", Authorization: `Bearer ${token}` };
    if (payload !== undefined) Object.assign(headers, { "Content-Type": body!.contentType, "Content-Length": Buffer.byteLength(payload) });
    const request = url.protocol === "https:" ? https.request : http.request;
    const timeoutMs = this.access.requestTimeoutMs ?? KubeRestClient.DEFAULT_REQUEST_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      // Every way the request ends clears the deadline (`timer` is set just below, before any can).
      const settle = <T>(fn: (v: T) => void) => (v: T) => {
        clearTimeout(timer);
        fn(v);
      };
      const req = request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => settle(resolve)({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", settle(reject));
      });
      // The whole exchange, not only silence on the socket: an answer that trickles counts too.
      const timer = setTimeout(() => req.destroy(new Error(`the Kubernetes API did not answer ${method} ${url.pathname} within ${timeoutMs} ms`)), timeoutMs);
      req.on("error", settle(reject));
      req.end(payload);
    });
  }

  /** The JSON of a 2xx answer; anything else throws a KubeApiError. */
  private async json<T>(method: string, path: string, query?: Record<string, string | undefined>, body?: { json: unknown; contentType: string }): Promise<T> {
    const res = await this.send(method, path, query, body);
    if (res.status < 200 || res.status > 299) throw new KubeApiError(res.status, reasonOf(res.status, res.text));
    return JSON.parse(res.text) as T;
  }

  private async listAll<T>(path: string, query: Record<string, string>): Promise<T[]> {
    const items: T[] = [];
    let cont: string | undefined;
    do {
      const page = await this.json<List<T>>("GET", path, { ...query, limit: String(PAGE_SIZE), continue: cont });
      items.push(...(page.items ?? []));
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return items;
  }

  async listNodes(): Promise<NodeInfo[]> {
    return (await this.listAll<V1Node>("/api/v1/nodes", {})).map(toNodeInfo);
  }

  async getNode(name: string): Promise<NodeInfo | undefined> {
    try {
      return toNodeInfo(await this.json<V1Node>("GET", `/api/v1/nodes/${encodeURIComponent(name)}`));
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  async setUnschedulable(name: string, unschedulable: boolean): Promise<void> {
    // JSON merge patch: null removes the field, which is how kubectl leaves an uncordoned node.
    await this.json("PATCH", `/api/v1/nodes/${encodeURIComponent(name)}`, {}, { json: { spec: { unschedulable: unschedulable ? true : null } }, contentType: "application/merge-patch+json" });
  }

  async listPodsOnNode(nodeName: string): Promise<PodInfo[]> {
    return (await this.listAll<V1Pod>("/api/v1/pods", { fieldSelector: `spec.nodeName=${nodeName}` })).map(toPodInfo);
  }

  async evictPod(namespace: string, name: string): Promise<EvictionResult> {
    const eviction = { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace } };
    let res: { status: number; text: string };
    try {
      res = await this.send("POST", `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/eviction`, {}, { json: eviction, contentType: "application/json" });
    } catch (err) {
      // No answer at all (connection refused or reset, TLS): may pass.
      return { status: "error", message: (err instanceof Error ? err.message : String(err)).slice(0, 300), retryable: true };
    }
    if (res.status >= 200 && res.status <= 299) return { status: "evicted" };
    if (res.status === 429) return { status: "blocked", message: reasonOf(res.status, res.text) };
    if (res.status === 404) return { status: "gone" };
    // 5xx may pass; 4xx (403 forbidden, 400) will not.
    return { status: "error", code: res.status, message: reasonOf(res.status, res.text), retryable: res.status >= 500 };
  }
}
