/**
 * Node optimizer benchmark: how long draining a full node (110 pods, EKS's usual per-node
 * maximum) takes against a loopback Kubernetes API server through the real client-node, with
 * the drainer's parallel evictions against one-eviction-at-a-time, and the cold load of the
 * bundled handler (it must start well inside the two-minute notice).
 *
 *   npx tsx tools/bench/k8s.ts
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { bundleHandler } from "../../components/guardFunction";
import { drainNode } from "../../runtime/k8s/drain";
import { ClientNodeKube } from "../../runtime/k8s/kubeApi";
import { clusterKubeConfig } from "../../runtime/k8s/kubeConfig";
import { FakeKubeServer } from "../../test/k8s/fakeKubeServer";

const PODS = 110;

async function main(): Promise<void> {
  const server = new FakeKubeServer();
  const endpoint = await server.start();
  const kube = new ClientNodeKube(clusterKubeConfig({ clusterName: "bench", endpoint, tokens: { token: async () => "t" } }));
  const node = { name: "node-a", providerId: "aws:///a/i-0123456789abcdef0", instanceId: "i-0123456789abcdef0", ready: true, unschedulable: false };
  const reset = () => {
    server.nodes.set("node-a", { name: "node-a", providerID: node.providerId, ready: true });
    server.pods.length = 0;
    for (let i = 0; i < PODS; i++) server.pods.push({ namespace: "shop", name: `web-${i}`, nodeName: "node-a", ownerKind: "ReplicaSet" });
  };

  const runs = 5;
  let parallel = Infinity;
  let sequential = Infinity;
  for (let r = 0; r < runs; r++) {
    reset();
    let t = performance.now();
    const out = await drainNode(kube, node, { deadline: Date.now() + 90_000, cordon: true });
    parallel = Math.min(parallel, performance.now() - t);
    if (out.evicted.length !== PODS) throw new Error(`drain evicted ${out.evicted.length} of ${PODS}`);
    reset();
    t = performance.now();
    await kube.setUnschedulable("node-a", true);
    for (const p of await kube.listPodsOnNode("node-a")) await kube.evictPod(p.namespace, p.name);
    sequential = Math.min(sequential, performance.now() - t);
  }
  await server.stop();

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cg-bench-")), "index.js");
  const code = bundleHandler("nodeOptimizer");
  fs.writeFileSync(file, code);
  // A plain node process, as Lambda loads it (no tsx transform hooks).
  const probe = `const t=performance.now();require(${JSON.stringify(file)});console.log(performance.now()-t)`;
  const load = Number(execFileSync(process.execPath, ["-e", probe], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim());

  console.log("node optimizer (best of 5, loopback API server, real client-node)");
  console.log(`| what                                  | figure    |`);
  console.log(`|---------------------------------------|-----------|`);
  console.log(`| drain ${PODS} pods, parallel evictions     | ${parallel.toFixed(0).padStart(6)} ms |`);
  console.log(`| drain ${PODS} pods, one at a time          | ${sequential.toFixed(0).padStart(6)} ms |`);
  console.log(`| parallel / one at a time              | ${(parallel / sequential).toFixed(2).padStart(9)} |`);
  console.log(`| handler bundle size                   | ${(code.length / 1e6).toFixed(2).padStart(6)} MB |`);
  console.log(`| bundle load (plain node, warm disk)   | ${load.toFixed(0).padStart(6)} ms |`);
}

void main();
