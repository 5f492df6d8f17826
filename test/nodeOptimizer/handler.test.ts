import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { bundleHandler } from "../../components/guardFunction";
import { ENV } from "../../runtime/contract";
import { handleNodeOptimizerEvent, unwiredAdvisor, type NodeOptimizerDeps } from "../../runtime/nodeOptimizer/run";
import { SdkAsgGateway } from "../../runtime/nodeOptimizer/asgGateway";
import { urlOfEksToken } from "../../runtime/nodeOptimizer/eksToken";
import { KubeRestClient } from "../../runtime/nodeOptimizer/kubeRest";
import type { NodeOptimizerRuntimeSettings } from "../../runtime/nodeOptimizer/settings";
import { memoryLog } from "../../runtime/shared/observability";
import { FakeFleet, GROUP } from "./fakeFleet";
import { FakeKubeServer } from "./fakeKubeServer";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts";
const settings = (endpoint: string, groups: string[] = []): NodeOptimizerRuntimeSettings => ({
  clusterName: "shop",
  endpoint,
  certificateAuthority: "LS0tLS1CRUdJTi...",
  autoScalingGroups: groups,
  drainDeadlineSeconds: 90,
  nodeReadyTimeoutSeconds: 300,
  rebalanceDrainSeconds: 60,
  drainOnRebalanceRecommendation: false,
});
const published = (sns: ReturnType<typeof mockClient>) => sns.commandCalls(PublishCommand).map((c) => JSON.parse(c.args[0].input.Message!) as { kind: string; severity: string; title: string; fields: Record<string, string>; lines: string[] });

describe("nodeOptimizer handler", () => {
  const server = new FakeKubeServer({
    nodes: [{ name: "node-a", providerID: "aws:///eu-west-1a/i-0123456789abcdef0", ready: true }],
    pods: [
      { namespace: "shop", name: "web-1", nodeName: "node-a", ownerKind: "ReplicaSet" },
      { namespace: "kube-system", name: "aws-node-1", nodeName: "node-a", ownerKind: "DaemonSet" },
    ],
  });
  let endpoint: string;
  before(async () => (endpoint = await server.start()));
  after(() => server.stop());

  function depsFor(fleet?: FakeFleet, groups: string[] = []) {
    const sns = new SNSClient({ region: "eu-west-1" });
    const snsMock = mockClient(sns);
    snsMock.on(PublishCommand).resolves({ MessageId: "m" });
    const log = memoryLog();
    const kube = fleet ?? new KubeRestClient({ clusterName: "shop", endpoint, tokens: { token: async () => "t" } });
    const deps: NodeOptimizerDeps = {
      settings: settings(endpoint, groups),
      kube,
      asg: fleet ? new SdkAsgGateway(fleet.autoscaling, fleet.ec2) : new SdkAsgGateway({} as never, {} as never),
      advisor: { adviseCapacity: async () => ({ capacity: "spot", reason: "ok" }), isHealthy: async () => ({ healthy: true, reason: "ok" }) },
      sns,
      topicArn: TOPIC,
      stack: "dev",
      log,
      clock: fleet?.clock ?? { now: () => 0, sleep: async () => {} },
    };
    return { deps, snsMock, log };
  }

  it("drains on a direct { action: drain } invocation and announces the outcome", async () => {
    const { deps, snsMock } = depsFor();
    const r = await handleNodeOptimizerEvent({ action: "drain", instanceId: "i-0123456789abcdef0" }, deps);
    assert.equal(r.action, "drain");
    if (r.action !== "drain") return;
    assert.deepEqual(r.outcome.evicted, ["shop/web-1"]);
    assert.equal(server.nodes.get("node-a")!.unschedulable, true);
    const [event] = published(snsMock);
    assert.equal(event!.kind, "node-optimizer");
    assert.equal(event!.severity, "info");
    assert.match(event!.title, /Drained node node-a \(i-0123456789abcdef0\)/);
    assert.equal(event!.fields.evicted, "1");
  });

  it("logs and skips a malformed event, touching nothing", async () => {
    const { deps, snsMock, log } = depsFor();
    const before = server.requests.length;
    const r = await handleNodeOptimizerEvent({ action: "drain", instanceId: "node-a" }, deps);
    assert.equal(r.action, "invalid");
    if (r.action === "invalid") assert.match(r.problems.join(), /instanceId: must be an EC2 instance id/);
    assert.equal(server.requests.length, before);
    assert.equal(snsMock.commandCalls(PublishCommand).length, 0);
    assert.match((log as ReturnType<typeof memoryLog>).lines[0]!.message, /malformed/);
  });

  it("refuses undefined, junk and commands it does not know with what it expected, before any call (no TypeError)", async () => {
    const { deps, snsMock } = depsFor();
    const before = server.requests.length;
    for (const event of [undefined, null, "drain", 7, {}, { action: "rebalance", extra: 1 }, { command: "reset-circuit", instanceType: "m5.large" }, { action: "drain", instanceId: `i-${"0".repeat(5000)}` }]) {
      const r = await handleNodeOptimizerEvent(event, deps);
      assert.equal(r.action, "invalid", JSON.stringify(event)?.slice(0, 60));
      if (r.action === "invalid") assert.match(r.problems[0]!, /expected \{"action":"drain","instanceId":"i-…"\}/);
    }
    const { handler } = require("../../runtime/handlers/nodeOptimizer") as typeof import("../../runtime/handlers/nodeOptimizer");
    assert.equal((await handler(undefined)).action, "invalid", "the Lambda entry point refuses before building any client");
    assert.equal(server.requests.length, before);
    assert.equal(snsMock.commandCalls(PublishCommand).length, 0);
  });

  it("does not drain on a rebalance recommendation unless configured to, and does when it is", async () => {
    server.nodes.set("node-b", { name: "node-b", providerID: "aws:///eu-west-1a/i-0123456789abcdef1", ready: true });
    server.pods.push({ namespace: "shop", name: "web-b", nodeName: "node-b", ownerKind: "ReplicaSet" });
    const { deps } = depsFor();
    const before = server.requests.length;
    const hint = { action: "drain", instanceId: "i-0123456789abcdef1", signal: "rebalance-recommendation" };
    const off = await handleNodeOptimizerEvent(hint, deps);
    assert.equal(off.action, "not-drained");
    assert.equal(server.requests.length, before, "the cluster is not even asked");
    assert.equal(server.nodes.get("node-b")!.unschedulable, undefined);
    const on = await handleNodeOptimizerEvent(hint, { ...deps, settings: { ...deps.settings, drainOnRebalanceRecommendation: true } });
    assert.equal(on.action, "drain");
    assert.equal(server.nodes.get("node-b")!.unschedulable, true);
    const warning = await handleNodeOptimizerEvent({ action: "drain", instanceId: "i-0123456789abcdef1", signal: "interruption-warning" }, deps);
    assert.equal(warning.action, "drain", "an interruption warning always drains");
  });

  it("names each pod it had to evict although nothing will recreate it", async () => {
    server.nodes.set("node-c", { name: "node-c", providerID: "aws:///eu-west-1a/i-0123456789abcdef2", ready: true });
    server.pods.push({ namespace: "ops", name: "debug-shell", nodeName: "node-c" }, { namespace: "shop", name: "web-c", nodeName: "node-c", ownerKind: "ReplicaSet" });
    const { deps, snsMock } = depsFor();
    const r = await handleNodeOptimizerEvent({ action: "drain", instanceId: "i-0123456789abcdef2" }, deps);
    assert.ok(r.action === "drain" && r.outcome.evicted.includes("ops/debug-shell"));
    const [event] = published(snsMock) as { severity: string; lines: string[] }[];
    assert.equal(event!.severity, "warning");
    assert.ok(event!.lines.some((l) => /evicted although it has no controller: it will not be recreated: ops\/debug-shell/.test(l)), event!.lines.join("\n"));
  });

  it("rebalances each configured group on schedule and leaves groups it has no time for to the next run", async () => {
    const fleet = new FakeFleet(2);
    const { deps, snsMock } = depsFor(fleet, [GROUP, "other-group"]);
    let remaining = 900_000;
    const r = await handleNodeOptimizerEvent({ source: "aws.events", "detail-type": "Scheduled Event", detail: {} }, deps, () => {
      const left = remaining;
      remaining = 100_000; // the first group used most of the run
      return left;
    });
    assert.equal(r.action, "rebalance");
    if (r.action !== "rebalance") return;
    assert.deepEqual(r.results.map((x) => x.outcome), ["replaced"]);
    assert.deepEqual(r.notStarted, ["other-group"]);
    assert.match(published(snsMock)[0]!.title, /Replaced an on-demand node of shop-nodes by spot/);
  });

  it("keeps on-demand until a capacity advisor is wired", async () => {
    const fleet = new FakeFleet(2);
    const { deps, snsMock } = depsFor(fleet, [GROUP]);
    deps.advisor = unwiredAdvisor;
    const r = await handleNodeOptimizerEvent({ action: "rebalance" }, deps);
    assert.ok(r.action === "rebalance" && r.results[0]!.outcome === "skipped");
    assert.equal(fleet.calls.length, 0);
    assert.equal(snsMock.commandCalls(PublishCommand).length, 0, "a skip is logged, not announced");
  });

  it("the esbuild bundle runs and signs its token with the function's credentials", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cg-no-")), "index.js");
    fs.writeFileSync(file, bundleHandler("nodeOptimizer"));
    const saved = { ...process.env };
    Object.assign(process.env, {
      [ENV.stack]: "dev",
      [ENV.alertTopicArn]: TOPIC,
      [ENV.settings]: JSON.stringify(settings(endpoint)),
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "AKIDBUNDLETEST",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_SESSION_TOKEN: "session",
    });
    try {
      const before = server.requests.length;
      const mod = require(file) as { handler(e: unknown): Promise<{ action: string; outcome?: { nodeFound: boolean } }> };
      const r = await mod.handler({ action: "drain", instanceId: "i-0000000000000dead" });
      assert.equal(r.outcome?.nodeFound, false);
      const auth = server.requests.slice(before)[0]!.authorization!;
      const url = new URL(urlOfEksToken(auth.replace(/^Bearer /, "")));
      assert.equal(url.host, "sts.eu-west-1.amazonaws.com");
      assert.match(url.searchParams.get("X-Amz-Credential")!, /^AKIDBUNDLETEST\//);
      assert.equal(url.searchParams.get("X-Amz-SignedHeaders"), "host;x-k8s-aws-id");
    } finally {
      process.env = saved;
    }
  });
});
