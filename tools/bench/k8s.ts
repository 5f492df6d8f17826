/**
 * Node optimizer benchmark: how long draining a full node (110 pods, EKS's usual per-node
 * maximum) takes against a loopback Kubernetes API server, through the function's own client
 * (runtime/k8s/kubeRest.ts) and through the real client-node it replaced, with the drainer's
 * parallel evictions against one-eviction-at-a-time, and the cold load of the bundled handler
 * (it must start well inside the two-minute notice).
 *
 *   npx tsx tools/bench/k8s.ts
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { bundleHandler } from "../../components/guardFunction";
import { drainNode } from "../../runtime/nodeOptimizer/actionsDrain";
import type { KubeNodes } from "../../runtime/nodeOptimizer/kubeApi";
import { KUBE_CLIENTS } from "../../test/nodeOptimizer/clientNodeKube";
import { FakeKubeServer } from "../../test/nodeOptimizer/fakeKubeServer";

const PODS = 110;

/** Best of 5 drains of a full node: parallel evictions, and one eviction at a time. */
async function drainTimes(server: FakeKubeServer, kube: KubeNodes): Promise<{ parallel: number; sequential: number }> {
  const node = { name: "node-a", providerId: "aws:///a/i-0123456789abcdef0", instanceId: "i-0123456789abcdef0", ready: true, unschedulable: false };
  const reset = () => {
    server.nodes.set("node-a", { name: "node-a", providerID: node.providerId, ready: true });
    server.pods.length = 0;
    for (let i = 0; i < PODS; i++) server.pods.push({ namespace: "shop", name: `web-${i}`, nodeName: "node-a", ownerKind: "ReplicaSet" });
  };
  let parallel = Infinity;
  let sequential = Infinity;
  for (let r = 0; r < 5; r++) {
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
  return { parallel, sequential };
}

async function main(): Promise<void> {
  const server = new FakeKubeServer();
  const endpoint = await server.start();
  const times: Record<string, { parallel: number; sequential: number }> = {};
  for (const [name, make] of Object.entries(KUBE_CLIENTS)) times[name] = await drainTimes(server, make({ clusterName: "bench", endpoint, tokens: { token: async () => "t" } }));
  await server.stop();

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cg-bench-")), "index.js");
  const code = bundleHandler("nodeOptimizer");
  fs.writeFileSync(file, code);
  // A plain node process, as Lambda loads it (no tsx transform hooks).
  const probe = `const t=performance.now();require(${JSON.stringify(file)});console.log(performance.now()-t)`;
  const load = Number(execFileSync(process.execPath, ["-e", probe], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim());

  const rows: [string, string][] = [];
  for (const [name, t] of Object.entries(times)) {
    rows.push([`drain ${PODS} pods, parallel (${name})`, `${t.parallel.toFixed(0)} ms`]);
    rows.push([`drain ${PODS} pods, one at a time (${name})`, `${t.sequential.toFixed(0)} ms`]);
    rows.push([`parallel / one at a time (${name})`, (t.parallel / t.sequential).toFixed(2)]);
  }
  rows.push(["handler bundle size", `${(code.length / 1024).toFixed(0)} KB`]);
  rows.push(["bundle load (plain node, warm disk)", `${load.toFixed(0)} ms`]);
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log("node optimizer (best of 5, loopback API server)");
  console.log(`| ${"what".padEnd(width)} | figure    |`);
  console.log(`|${"-".repeat(width + 2)}|-----------|`);
  for (const [what, figure] of rows) console.log(`| ${what.padEnd(width)} | ${figure.padStart(9)} |`);
}

void main();
