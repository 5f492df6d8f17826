/**
 * The node optimizer's own Kubernetes client (runtime/nodeOptimizer/kubeRest.ts) speaks the API as
 * @kubernetes/client-node does: every scenario runs through both against the same loopback API
 * server (paged lists, merge patches, evictions a PodDisruptionBudget refuses, missing objects,
 * a server that went away, TLS against the cluster CA) and both must give the same answers,
 * which must also be the right ones.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import type { KubeNodes } from "../../runtime/nodeOptimizer/kubeApi";
import { KubeRestClient, type ClusterAccess } from "../../runtime/nodeOptimizer/kubeRest";
import { KUBE_CLIENTS } from "./clientNodeKube";
import { FakeKubeServer, type FakeNode, type FakePod } from "./fakeKubeServer";

const REST = "costguard's REST client";
const NODES: FakeNode[] = Array.from({ length: 5 }, (_, i) => ({ name: `node-${i}`, providerID: `aws:///eu-west-1a/i-0${i}23456789abcdef0`, ready: i !== 3, unschedulable: i === 4 }));
const PODS: FakePod[] = [
  { namespace: "shop", name: "web-1", nodeName: "node-0", ownerKind: "ReplicaSet" },
  { namespace: "shop", name: "cache-1", nodeName: "node-0", ownerKind: "ReplicaSet", emptyDir: true },
  { namespace: "ops", name: "debug", nodeName: "node-0" },
  { namespace: "batch", name: "job-1", nodeName: "node-0", ownerKind: "Job", annotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "False " } },
  { namespace: "kube-system", name: "proxy", nodeName: "node-0", mirror: true },
  { namespace: "shop", name: "done", nodeName: "node-0", ownerKind: "Job", phase: "Succeeded" },
  { namespace: "shop", name: "elsewhere", nodeName: "node-1", ownerKind: "ReplicaSet" },
  { namespace: "shop", name: "db-0", nodeName: "node-1", ownerKind: "StatefulSet", pdbBlocks: 1 },
  { namespace: "shop", name: "locked", nodeName: "node-1", ownerKind: "ReplicaSet", evictionStatus: 403 },
  { namespace: "shop", name: "flaky", nodeName: "node-1", ownerKind: "ReplicaSet", evictionStatus: 503 },
];
const TLS = { key: fs.readFileSync(path.join(__dirname, "..", "fixtures", "k8s", "tls", "server.key"), "utf8"), cert: fs.readFileSync(path.join(__dirname, "..", "fixtures", "k8s", "tls", "server.crt"), "utf8") };

describe("the node optimizer's Kubernetes client against client-node", () => {
  const server = new FakeKubeServer({ pageSize: 2 });
  let endpoint: string;
  let tokensIssued = 0;
  const access = (over: Partial<ClusterAccess> = {}): ClusterAccess => ({ clusterName: "shop", endpoint, tokens: { token: async () => `k8s-aws-v1.token-${++tokensIssued}` }, ...over });

  before(async () => (endpoint = await server.start()));
  after(() => server.stop());
  beforeEach(() => {
    server.nodes.clear();
    for (const n of NODES) server.nodes.set(n.name, { ...n });
    server.pods.length = 0;
    server.pods.push(...PODS.map((p) => ({ ...p })));
    server.requests.length = 0;
  });

  /** Runs `scenario` through each client from the same server state; asserts they agree; returns the REST client's answer. */
  async function bothAgree<T>(scenario: (kube: KubeNodes) => Promise<T>, reset: () => void = () => {}): Promise<{ answer: T; requests: typeof server.requests }> {
    const answers: Record<string, T> = {};
    let requests: typeof server.requests = [];
    for (const [name, make] of Object.entries(KUBE_CLIENTS)) {
      reset();
      server.requests.length = 0;
      answers[name] = await scenario(make(access()));
      if (name === REST) requests = [...server.requests];
    }
    const [first, ...others] = Object.keys(answers);
    for (const other of others) assert.deepEqual(answers[other], answers[first!], `${other} answers as ${first} does`);
    return { answer: answers[REST]!, requests };
  }

  it("lists every node across pages, each read from the API's JSON", async () => {
    const { answer, requests } = await bothAgree((kube) => kube.listNodes());
    assert.deepEqual(
      answer.map((n) => [n.name, n.instanceId, n.ready, n.unschedulable]),
      NODES.map((n, i) => [n.name, `i-0${i}23456789abcdef0`, i !== 3, i === 4]),
    );
    assert.deepEqual(requests.map((r) => r.query.continue), [undefined, "offset-2", "offset-4"], "three pages of two, following the continue token");
    assert.ok(requests.every((r) => r.query.limit === "500"));
  });

  it("gets a node, and answers undefined for one that is not there", async () => {
    const { answer } = await bothAgree(async (kube) => [await kube.getNode("node-3"), await kube.getNode("node-9")]);
    assert.deepEqual(answer, [{ name: "node-3", providerId: "aws:///eu-west-1a/i-0323456789abcdef0", instanceId: "i-0323456789abcdef0", ready: false, unschedulable: false }, undefined]);
  });

  it("cordons and uncordons with a JSON merge patch, and fails on a node that is not there", async () => {
    const { answer, requests } = await bothAgree(async (kube) => {
      await kube.setUnschedulable("node-0", true);
      const cordoned = server.nodes.get("node-0")!.unschedulable;
      await kube.setUnschedulable("node-0", false);
      const missing = await kube.setUnschedulable("node-9", true).then(
        () => "no error",
        (err: Error) => (/404|not found/i.test(String(err.message)) ? "404" : err.message),
      );
      return { cordoned, uncordoned: !server.nodes.get("node-0")!.unschedulable, missing };
    }, () => server.nodes.set("node-0", { ...NODES[0]! }));
    assert.deepEqual(answer, { cordoned: true, uncordoned: true, missing: "404" });
    const patches = requests.filter((r) => r.method === "PATCH");
    assert.deepEqual(patches.map((p) => [p.path, p.contentType, p.body]), [
      ["/api/v1/nodes/node-0", "application/merge-patch+json", { spec: { unschedulable: true } }],
      ["/api/v1/nodes/node-0", "application/merge-patch+json", { spec: { unschedulable: null } }],
      ["/api/v1/nodes/node-9", "application/merge-patch+json", { spec: { unschedulable: true } }],
    ]);
  });

  it("lists the pods of one node only, across pages, with what a drain needs to know of each", async () => {
    const { answer, requests } = await bothAgree((kube) => kube.listPodsOnNode("node-0"));
    assert.deepEqual(answer, [
      { namespace: "shop", name: "web-1", ownerKinds: ["ReplicaSet"], controllerKind: "ReplicaSet", mirror: false, phase: "Running", localStorage: false, safeToEvict: undefined },
      { namespace: "shop", name: "cache-1", ownerKinds: ["ReplicaSet"], controllerKind: "ReplicaSet", mirror: false, phase: "Running", localStorage: true, safeToEvict: undefined },
      { namespace: "ops", name: "debug", ownerKinds: [], controllerKind: undefined, mirror: false, phase: "Running", localStorage: false, safeToEvict: undefined },
      { namespace: "batch", name: "job-1", ownerKinds: ["Job"], controllerKind: "Job", mirror: false, phase: "Running", localStorage: false, safeToEvict: false },
      { namespace: "kube-system", name: "proxy", ownerKinds: [], controllerKind: undefined, mirror: true, phase: "Running", localStorage: false, safeToEvict: undefined },
      { namespace: "shop", name: "done", ownerKinds: ["Job"], controllerKind: "Job", mirror: false, phase: "Succeeded", localStorage: false, safeToEvict: undefined },
    ]);
    assert.ok(requests.every((r) => r.path === "/api/v1/pods" && r.query.fieldSelector === "spec.nodeName=node-0"));
    assert.equal(requests.length, 3, "six pods in pages of two");
  });

  it("evicts through policy/v1: evicted, blocked by a PodDisruptionBudget, already gone, forbidden, or a server error worth retrying", async () => {
    const { answer, requests } = await bothAgree(
      async (kube) => ({
        web: await kube.evictPod("shop", "elsewhere"),
        pdb: await kube.evictPod("shop", "db-0"),
        pdbAgain: await kube.evictPod("shop", "db-0"),
        gone: await kube.evictPod("shop", "never-was"),
        forbidden: await kube.evictPod("shop", "locked"),
        unavailable: await kube.evictPod("shop", "flaky"),
      }),
      () => (server.pods.length = 0, server.pods.push(...PODS.map((p) => ({ ...p })))),
    );
    assert.deepEqual(answer, {
      web: { status: "evicted" },
      pdb: { status: "blocked", message: "Cannot evict pod as it would violate the pod's disruption budget." },
      pdbAgain: { status: "evicted" },
      gone: { status: "gone" },
      forbidden: { status: "error", code: 403, message: "evicting locked is forbidden", retryable: false },
      unavailable: { status: "error", code: 503, message: "evicting flaky is forbidden", retryable: true },
    });
    const first = requests.find((r) => r.method === "POST")!;
    assert.equal(first.path, "/api/v1/namespaces/shop/pods/elsewhere/eviction");
    assert.deepEqual(first.body, { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "elsewhere", namespace: "shop" } });
  });

  it("asks for the bearer token on every request, so a run longer than a token's life keeps working", async () => {
    const before = tokensIssued;
    const kube = new KubeRestClient(access());
    await kube.listNodes();
    await kube.getNode("node-0");
    const seen = server.requests.map((r) => r.authorization);
    assert.equal(tokensIssued - before, 4, "three list pages and one get");
    assert.deepEqual(seen, [1, 2, 3, 4].map((i) => `Bearer k8s-aws-v1.token-${before + i}`));
  });

  it("a server that is gone: an eviction is an error worth retrying, a list throws", async () => {
    const dead = new FakeKubeServer();
    const deadEndpoint = await dead.start();
    await dead.stop();
    for (const [name, make] of Object.entries(KUBE_CLIENTS)) {
      const kube = make(access({ endpoint: deadEndpoint }));
      const r = await kube.evictPod("shop", "web-1");
      assert.equal(r.status, "error", name);
      assert.ok(r.status === "error" && r.retryable && r.code === undefined, `${name}: no status code, retryable`);
      await assert.rejects(kube.listNodes(), /ECONNREFUSED|connect/i, name);
    }
  });

  it("over TLS, trusts the cluster's CA and nothing else", async () => {
    const tlsServer = new FakeKubeServer({ nodes: [NODES[0]!] });
    const tlsEndpoint = await tlsServer.start(TLS);
    try {
      for (const [name, make] of Object.entries(KUBE_CLIENTS)) {
        const trusted = make(access({ endpoint: tlsEndpoint, certificateAuthority: Buffer.from(TLS.cert).toString("base64") }));
        assert.deepEqual((await trusted.listNodes()).map((n) => n.name), ["node-0"], name);
        const untrusted = make(access({ endpoint: tlsEndpoint }));
        await assert.rejects(untrusted.listNodes(), /self[- ]signed|certificate/i, `${name} refuses a certificate the cluster CA did not sign`);
      }
    } finally {
      await tlsServer.stop();
    }
  });

  it("refuses a plain-http endpoint that is not loopback", () => {
    for (const [name, make] of Object.entries(KUBE_CLIENTS)) {
      assert.throws(() => make(access({ endpoint: "http://ABC.gr7.eu-west-1.eks.amazonaws.com" })), /must be https:\/\//, name);
    }
  });
});
