/**
 * What a drain may evict, as `kubectl drain` decides it (the function's own Kubernetes client
 * against the loopback API server): a pod without a controller is never recreated, a pod's emptyDir
 * data dies with it, and `cluster-autoscaler.kubernetes.io/safe-to-evict: "false"` says the
 * owner does not want it moved. The scheduled rebalance (nothing forces it) refuses to drain a
 * node holding such pods and says which; the interruption drain (the node goes anyway) evicts
 * them and names each one.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { NodeDrainer, drainNode } from "../../runtime/nodeOptimizer/actionsDrain";
import { KubeRestClient } from "../../runtime/nodeOptimizer/kubeRest";
import { memoryLog } from "../../runtime/shared/observability";
import { FakeKubeServer, type FakePod } from "./fakeKubeServer";

const INSTANCE = "i-0abc123def4567890";
const NODE = { name: "ip-10-0-1-10.ec2.internal", providerID: `aws:///eu-west-1a/${INSTANCE}`, ready: true };
const clock = () => {
  let t = 1_000_000;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
};

describe("drain safety against a Kubernetes API server", () => {
  const server = new FakeKubeServer();
  let kube: KubeRestClient;
  const pods: Omit<FakePod, "nodeName">[] = [
    { namespace: "shop", name: "web-1", ownerKind: "ReplicaSet" },
    { namespace: "shop", name: "db-0", ownerKind: "StatefulSet", pdbBlocks: 2 },
    { namespace: "ops", name: "debug-shell" },
    { namespace: "shop", name: "cache-1", ownerKind: "ReplicaSet", emptyDir: true },
    { namespace: "batch", name: "report-7", ownerKind: "Job", annotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "false" } },
    { namespace: "kube-system", name: "aws-node-x", ownerKind: "DaemonSet" },
  ];
  before(async () => {
    const endpoint = await server.start();
    kube = new KubeRestClient({ clusterName: "demo", endpoint, tokens: { token: async () => "t" } });
  });
  after(() => server.stop());
  beforeEach(() => {
    server.nodes.clear();
    server.nodes.set(NODE.name, { ...NODE });
    server.pods.length = 0;
    server.pods.push(...pods.map((p) => ({ ...p, nodeName: NODE.name })));
    server.requests.length = 0;
  });

  it("the interruption drain evicts bare, emptyDir and safe-to-evict=false pods too, naming each and why", async () => {
    const out = await new NodeDrainer(kube, { deadlineSeconds: 90, clock: clock(), log: memoryLog() }).onNodeInterruption(INSTANCE);
    assert.deepEqual(out.evicted.sort(), ["batch/report-7", "ops/debug-shell", "shop/cache-1", "shop/db-0", "shop/web-1"]);
    assert.deepEqual(Object.fromEntries(out.forced.map((f) => [f.pod, f.reason])), {
      "ops/debug-shell": "has no controller: it will not be recreated",
      "shop/cache-1": "uses emptyDir local storage: its data is lost",
      "batch/report-7": 'is annotated cluster-autoscaler.kubernetes.io/safe-to-evict: "false"',
    });
    assert.deepEqual(out.skipped.map((s) => s.pod), ["kube-system/aws-node-x"]);
    assert.equal(out.complete, true);
  });

  it("the scheduled drain refuses a node holding such pods, evicting nothing at all, and says which and why", async () => {
    const node = (await kube.listNodes())[0]!;
    const out = await drainNode(kube, node, { deadline: 60_000 + 1_000_000, cordon: false, unsafePods: "refuse", clock: clock() });
    assert.deepEqual(out.refused.map((r) => r.pod).sort(), ["batch/report-7", "ops/debug-shell", "shop/cache-1"]);
    assert.equal(out.evicted.length, 0);
    assert.equal(server.requests.filter((r) => r.method === "POST").length, 0, "no eviction was even tried");
    assert.equal(out.complete, false);
    assert.equal(server.pods.length, pods.length, "every pod still runs");
  });

  it("a pod its owner marked safe-to-evict=true is evicted without complaint, even bare or with emptyDir", async () => {
    server.pods.length = 0;
    server.pods.push(
      { namespace: "ops", name: "scratch", nodeName: NODE.name, emptyDir: true, annotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "true" } },
      { namespace: "shop", name: "web-1", nodeName: NODE.name, ownerKind: "ReplicaSet" },
    );
    const node = (await kube.listNodes())[0]!;
    const out = await drainNode(kube, node, { deadline: 60_000 + 1_000_000, cordon: false, unsafePods: "refuse", clock: clock() });
    assert.deepEqual(out.refused, []);
    assert.deepEqual(out.evicted.sort(), ["ops/scratch", "shop/web-1"]);
  });
});
