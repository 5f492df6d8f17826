import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { NodeDrainer, type Clock } from "../../runtime/nodeOptimizer/actionsDrain";
import { memoryLog } from "../../runtime/shared/observability";
import { KUBE_CLIENTS } from "./clientNodeKube";
import { FakeKubeServer, type FakePod } from "./fakeKubeServer";

/** Virtual time: sleeping advances it at once, so retries and deadlines need no real waiting. */
function virtualClock(): Clock & { slept: number[] } {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
      await new Promise((r) => setImmediate(r));
    },
  };
}

const INSTANCE = "i-0abc123def4567890";
const nodes = [
  { name: "ip-10-0-1-10.ec2.internal", providerID: `aws:///eu-west-1a/${INSTANCE}`, ready: true },
  { name: "ip-10-0-2-20.ec2.internal", providerID: "aws:///eu-west-1b/i-0fff000111222333a", ready: true },
];
const onNode = (pods: Omit<FakePod, "nodeName">[], nodeName = nodes[0]!.name): FakePod[] => pods.map((p) => ({ ...p, nodeName }));

// The deployed client and the real client-node, through the same scenarios.
for (const [clientName, makeKube] of Object.entries(KUBE_CLIENTS)) describe(`node drainer against a Kubernetes API server (${clientName})`, () => {
  let server: FakeKubeServer;
  let endpoint: string;

  function drainer(clock: Clock, deadlineSeconds = 90) {
    const kube = makeKube({ clusterName: "demo", endpoint, tokens: { token: async () => "k8s-aws-v1.test-token" } });
    return new NodeDrainer(kube, { deadlineSeconds, clock, log: memoryLog() });
  }

  before(async () => {
    server = new FakeKubeServer();
    endpoint = await server.start();
  });
  after(() => server.stop());
  beforeEach(() => {
    server.nodes.clear();
    for (const n of nodes) server.nodes.set(n.name, { ...n });
    server.pods.length = 0;
    server.requests.length = 0;
  });

  it("cordons the instance's node, evicts its pods and leaves DaemonSet and mirror pods alone", async () => {
    server.pods.push(
      ...onNode([
        { namespace: "shop", name: "web-1", ownerKind: "ReplicaSet" },
        { namespace: "shop", name: "web-2", ownerKind: "ReplicaSet" },
        { namespace: "kube-system", name: "aws-node-x1", ownerKind: "DaemonSet" },
        { namespace: "kube-system", name: "kube-proxy-static", mirror: true },
      ]),
      ...onNode([{ namespace: "shop", name: "web-3", ownerKind: "ReplicaSet" }], nodes[1]!.name),
    );
    const out = await drainer(virtualClock()).onNodeInterruption(INSTANCE);

    assert.equal(out.node, nodes[0]!.name);
    assert.equal(out.cordoned, true);
    assert.equal(server.nodes.get(nodes[0]!.name)!.unschedulable, true, "the node is cordoned on the server");
    assert.equal(server.nodes.get(nodes[1]!.name)!.unschedulable, undefined, "the other node is untouched");
    assert.deepEqual(out.evicted.sort(), ["shop/web-1", "shop/web-2"]);
    assert.deepEqual(out.skipped.map((s) => s.pod).sort(), ["kube-system/aws-node-x1", "kube-system/kube-proxy-static"]);
    assert.equal(server.evictionAttempts("kube-system/aws-node-x1"), 0, "no eviction is even tried for a DaemonSet pod");
    assert.deepEqual(
      server.pods.map((p) => `${p.namespace}/${p.name}`).sort(),
      ["kube-system/aws-node-x1", "kube-system/kube-proxy-static", "shop/web-3"],
    );
    assert.equal(out.complete, true);
    assert.equal(out.deadlineReached, false);
    // The bearer token reaches the API server on every call.
    assert.ok(server.requests.every((r) => r.authorization === "Bearer k8s-aws-v1.test-token"));
    // The cordon is a JSON merge patch of spec.unschedulable.
    const patch = server.requests.find((r) => r.method === "PATCH")!;
    assert.deepEqual(patch.body, { spec: { unschedulable: true } });
  });

  it("retries an eviction a PodDisruptionBudget refuses (429) with backoff until it is allowed", async () => {
    server.pods.push(...onNode([{ namespace: "shop", name: "db-0", ownerKind: "StatefulSet", pdbBlocks: 3 }, { namespace: "shop", name: "web-1", ownerKind: "ReplicaSet" }]));
    const clock = virtualClock();
    const out = await drainer(clock).onNodeInterruption(INSTANCE);

    assert.deepEqual(out.evicted.sort(), ["shop/db-0", "shop/web-1"]);
    assert.equal(server.evictionAttempts("shop/db-0"), 4, "three 429s, then 201");
    assert.equal(server.evictionAttempts("shop/web-1"), 1, "an allowed eviction is not repeated");
    assert.deepEqual(clock.slept, [1000, 2000, 4000], "backoff doubles between rounds");
    assert.equal(out.complete, true);
    assert.equal(out.deadlineReached, false);
  });

  it("reports the deadline reached with the pods a PDB still blocks, having evicted the rest", async () => {
    server.pods.push(
      ...onNode([
        { namespace: "shop", name: "db-0", ownerKind: "StatefulSet", pdbBlocks: Infinity },
        { namespace: "shop", name: "web-1", ownerKind: "ReplicaSet" },
      ]),
    );
    const clock = virtualClock();
    const start = clock.now();
    const out = await drainer(clock, 20).onNodeInterruption(INSTANCE);

    assert.equal(out.deadlineReached, true);
    assert.equal(out.complete, false);
    assert.deepEqual(out.evicted, ["shop/web-1"]);
    assert.deepEqual(out.pending.map((p) => p.pod), ["shop/db-0"]);
    assert.match(out.pending[0]!.reason, /disruption budget/);
    assert.ok(clock.now() - start <= 20_000, "no retry is scheduled past the deadline");
    assert.ok(server.evictionAttempts("shop/db-0") > 3, "it kept trying until the deadline");
  });

  it("counts a pod already gone (404) as done and a forbidden eviction (403) as failed, without retrying it", async () => {
    server.pods.push(...onNode([{ namespace: "shop", name: "locked", ownerKind: "ReplicaSet", evictionStatus: 403 }, { namespace: "shop", name: "web-1", ownerKind: "ReplicaSet" }]));
    const kube = makeKube({ clusterName: "demo", endpoint, tokens: { token: async () => "t" } });
    // The pod disappears between the listing and the eviction.
    const racing = { ...kube, listNodes: () => kube.listNodes(), getNode: (n: string) => kube.getNode(n), setUnschedulable: (n: string, u: boolean) => kube.setUnschedulable(n, u), evictPod: (ns: string, n: string) => kube.evictPod(ns, n), listPodsOnNode: async (n: string) => {
      const pods = await kube.listPodsOnNode(n);
      server.pods.splice(server.pods.findIndex((p) => p.name === "web-1"), 1);
      return pods;
    } };
    const out = await new NodeDrainer(racing, { deadlineSeconds: 90, clock: virtualClock() }).onNodeInterruption(INSTANCE);

    assert.deepEqual(out.alreadyGone, ["shop/web-1"]);
    assert.deepEqual(out.failed.map((f) => f.pod), ["shop/locked"]);
    assert.match(out.failed[0]!.reason, /403/);
    assert.equal(server.evictionAttempts("shop/locked"), 1);
    assert.equal(out.complete, false);
  });

  it("reports an instance that is not a node of the cluster without touching anything", async () => {
    const out = await drainer(virtualClock()).onNodeInterruption("i-0000000000000dead");
    assert.equal(out.nodeFound, false);
    assert.equal(out.cordoned, false);
    assert.ok(server.requests.every((r) => r.method === "GET"));
  });
});
