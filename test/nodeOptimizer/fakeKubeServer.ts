/**
 * A loopback HTTP server that speaks the part of the Kubernetes API the node optimizer uses:
 * list/get/patch nodes (JSON merge patch), list pods by `fieldSelector=spec.nodeName=...`,
 * and pod evictions (policy/v1) answering 201, 429 (a PodDisruptionBudget) or 404. State is
 * plain objects the test can read; every request is recorded. Lists are paged as the API server
 * pages them (`limit`, an opaque `continue` token), at most `pageSize` items a page whatever the
 * limit asked, as a real server may return fewer. Served over https with the given key and
 * certificate, as EKS serves it. Pods are as varied as a real
 * cluster's: owned by a controller (ownerReferences with controller: true) or bare, with
 * emptyDir volumes, annotated cluster-autoscaler.kubernetes.io/safe-to-evict, mirror pods.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";

export interface FakeNode {
  name: string;
  providerID: string;
  ready: boolean;
  unschedulable?: boolean;
}

export interface FakePod {
  namespace: string;
  name: string;
  nodeName: string;
  /** Kind of the controlling owner; none: a bare pod. */
  ownerKind?: string;
  mirror?: boolean;
  /** Mounts an emptyDir volume (local storage lost with the node). */
  emptyDir?: boolean;
  annotations?: Record<string, string>;
  phase?: string;
  /** Number of 429 answers (PDB) before the eviction is allowed; Infinity = never. */
  pdbBlocks?: number;
  /** Answer the eviction with this status for good (e.g. 403). */
  evictionStatus?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  authorization?: string;
  body?: unknown;
}

function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (typeof v === "object" && !Array.isArray(v)) out[k] = mergePatch((out[k] as Record<string, unknown>) ?? {}, v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

export class FakeKubeServer {
  readonly nodes = new Map<string, FakeNode>();
  readonly pods: FakePod[] = [];
  readonly requests: RecordedRequest[] = [];
  /** Most items a list page holds, whatever `limit` the client asked for. */
  pageSize = Infinity;
  private server?: http.Server;

  constructor(init: { nodes?: FakeNode[]; pods?: FakePod[]; pageSize?: number } = {}) {
    for (const n of init.nodes ?? []) this.nodes.set(n.name, { ...n });
    this.pods.push(...(init.pods ?? []).map((p) => ({ ...p })));
    this.pageSize = init.pageSize ?? Infinity;
  }

  /** Listens on loopback: http, or https with `tls` (PEM key and certificate). Returns the endpoint. */
  async start(tls?: { key: string; cert: string }): Promise<string> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.handle(req, res);
    this.server = tls ? https.createServer(tls, handler) : http.createServer(handler);
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `${tls ? "https" : "http"}://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  evictionAttempts(pod: string): number {
    const [ns, name] = pod.split("/");
    return this.requests.filter((r) => r.method === "POST" && r.path === `/api/v1/namespaces/${ns}/pods/${name}/eviction`).length;
  }

  private nodeJson(n: FakeNode): object {
    return {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: n.name },
      spec: { providerID: n.providerID, ...(n.unschedulable ? { unschedulable: true } : {}) },
      status: { conditions: [{ type: "Ready", status: n.ready ? "True" : "False" }] },
    };
  }

  private podJson(p: FakePod): object {
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        namespace: p.namespace,
        name: p.name,
        ownerReferences: p.ownerKind ? [{ apiVersion: "apps/v1", kind: p.ownerKind, name: `${p.name}-owner`, uid: `${p.name}-uid`, controller: true }] : [],
        annotations: { ...(p.mirror ? { "kubernetes.io/config.mirror": "hash" } : {}), ...p.annotations },
      },
      spec: {
        nodeName: p.nodeName,
        containers: [{ name: "c", image: "busybox", ...(p.emptyDir ? { volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] } : {}) }],
        volumes: [
          { name: "kube-api-access", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } },
          ...(p.emptyDir ? [{ name: "scratch", emptyDir: {} }] : []),
        ],
      },
      status: { phase: p.phase ?? "Running" },
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const body = raw ? (JSON.parse(raw) as unknown) : undefined;
    const url = new URL(req.url ?? "/", "http://localhost");
    this.requests.push({ method: req.method ?? "", path: url.pathname, query: Object.fromEntries(url.searchParams), contentType: req.headers["content-type"], authorization: req.headers.authorization, body });
    const send = (code: number, obj: object) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(obj));
    };
    const status = (code: number, reason: string, message: string) =>
      send(code, { apiVersion: "v1", kind: "Status", status: "Failure", reason, message, code });

    /** One page of `all`, from the offset the continue token names. */
    const page = (kind: string, all: object[]) => {
      const token = url.searchParams.get("continue");
      const offset = token ? Number(/^offset-(\d+)$/.exec(token)?.[1] ?? NaN) : 0;
      if (!Number.isInteger(offset)) return status(400, "BadRequest", `invalid continue token ${token}`);
      const size = Math.min(Number(url.searchParams.get("limit") ?? Infinity) || Infinity, this.pageSize);
      const items = all.slice(offset, offset + size);
      const more = offset + items.length < all.length;
      return send(200, { apiVersion: "v1", kind, metadata: more ? { continue: `offset-${offset + items.length}` } : {}, items });
    };

    let m: RegExpExecArray | null;
    if (req.method === "GET" && url.pathname === "/api/v1/nodes") {
      return page("NodeList", [...this.nodes.values()].map((n) => this.nodeJson(n)));
    }
    if ((m = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname))) {
      const node = this.nodes.get(decodeURIComponent(m[1]!));
      if (!node) return status(404, "NotFound", `nodes "${m[1]}" not found`);
      if (req.method === "GET") return send(200, this.nodeJson(node));
      if (req.method === "PATCH") {
        if (req.headers["content-type"] !== "application/merge-patch+json") return status(415, "UnsupportedMediaType", `unsupported patch type ${req.headers["content-type"]}`);
        const patched = mergePatch(this.nodeJson(node) as Record<string, unknown>, body as Record<string, unknown>) as { spec?: { unschedulable?: boolean } };
        node.unschedulable = patched.spec?.unschedulable === true;
        return send(200, this.nodeJson(node));
      }
    }
    if (req.method === "GET" && url.pathname === "/api/v1/pods") {
      const selector = url.searchParams.get("fieldSelector") ?? "";
      const sm = /^spec\.nodeName=(.+)$/.exec(selector);
      return page("PodList", this.pods.filter((p) => !sm || p.nodeName === sm[1]).map((p) => this.podJson(p)));
    }
    if (req.method === "POST" && (m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/eviction$/.exec(url.pathname))) {
      const [ns, name] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
      const idx = this.pods.findIndex((p) => p.namespace === ns && p.name === name);
      const ev = body as { apiVersion?: string; kind?: string; metadata?: { name?: string } } | undefined;
      if (ev?.apiVersion !== "policy/v1" || ev.kind !== "Eviction" || ev.metadata?.name !== name) return status(400, "BadRequest", "expected a policy/v1 Eviction naming the pod");
      if (idx < 0) return status(404, "NotFound", `pods "${name}" not found`);
      const pod = this.pods[idx]!;
      if (pod.evictionStatus) return status(pod.evictionStatus, "Forbidden", `evicting ${name} is forbidden`);
      if ((pod.pdbBlocks ?? 0) > 0) {
        pod.pdbBlocks = (pod.pdbBlocks ?? 0) - 1;
        return status(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.");
      }
      this.pods.splice(idx, 1);
      return send(201, { apiVersion: "v1", kind: "Status", status: "Success", code: 201 });
    }
    return status(404, "NotFound", `no route for ${req.method} ${url.pathname}`);
  }
}
