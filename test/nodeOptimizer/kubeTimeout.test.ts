/**
 * An API server that takes a request and never answers (a hung apiserver, a load balancer holding
 * the connection) must not hold the node optimizer until its Lambda timeout, past the 2-minute
 * interruption notice: each request of the REST client has a deadline, a read fails naming it,
 * and an eviction without an answer is a retryable error like any other eviction that got none.
 */
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { KubeRestClient } from "../../runtime/nodeOptimizer/kubeRest";

describe("the Kubernetes REST client against an API server that never answers", () => {
  let server: http.Server;
  let endpoint: string;
  const held: http.ServerResponse[] = [];

  before(async () => {
    // Reads the request, then says nothing; a slow trickle is as bad, so headers alone do not count either.
    server = http.createServer((req, res) => {
      held.push(res);
      if (req.url?.startsWith("/api/v1/nodes/slow")) res.writeHead(200, { "Content-Type": "application/json" }).write("{");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const res of held) res.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const client = () => new KubeRestClient({ clusterName: "demo", endpoint, tokens: { token: async () => "t" }, requestTimeoutMs: 300 });

  it("a read fails after the deadline, saying so", async () => {
    await assert.rejects(client().listNodes(), /the Kubernetes API did not answer GET \/api\/v1\/nodes within 300 ms/);
  });

  it("an answer that starts and never ends fails the same way", async () => {
    await assert.rejects(client().getNode("slow"), /did not answer GET \/api\/v1\/nodes\/slow within 300 ms/);
  });

  it("an eviction without an answer is a retryable error, not a hang", async () => {
    const r = await client().evictPod("shop", "web-1");
    assert.equal(r.status, "error");
    assert.ok(r.status === "error" && r.retryable, "retryable");
    assert.match(r.status === "error" ? r.message : "", /within 300 ms/);
  });

  it("has a deadline by default, well inside the 2-minute interruption notice", () => {
    assert.ok(KubeRestClient.DEFAULT_REQUEST_TIMEOUT_MS > 0 && KubeRestClient.DEFAULT_REQUEST_TIMEOUT_MS <= 30_000, String(KubeRestClient.DEFAULT_REQUEST_TIMEOUT_MS));
  });
});
