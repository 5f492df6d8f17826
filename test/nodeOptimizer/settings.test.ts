import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseGuardConfig } from "../../config/read";
import { NodeOptimizerEvent } from "../../runtime/nodeOptimizer/run";

const parse = (nodeOptimizer: object) => parseGuardConfig({ nodeOptimizer: JSON.stringify(nodeOptimizer) }, "dev");

describe("costguard:nodeOptimizer config and events", () => {
  it("applies the defaults to a cluster given by name only", () => {
    const r = parse({ clusterName: "shop" });
    assert.ok(r.ok);
    assert.deepEqual(r.config.nodeOptimizer, {
      clusterName: "shop",
      autoScalingGroups: [],
      rebalance: true,
      rebalanceSchedule: "rate(1 hour)",
      drainDeadlineSeconds: 90,
      nodeReadyTimeoutSeconds: 420,
      rebalanceDrainSeconds: 240,
      kubernetesGroup: "costguard-node-optimizer",
      drainOnRebalanceRecommendation: false,
    });
  });

  it("names the key and value of every problem: notice, Lambda limit, reserved group", () => {
    const r = parse({ clusterName: "shop", drainDeadlineSeconds: 150, nodeReadyTimeoutSeconds: 600, rebalanceDrainSeconds: 300, kubernetesGroup: "system:masters" });
    assert.ok(!r.ok);
    const text = r.problems.join("\n");
    assert.match(text, /costguard:nodeOptimizer\.drainDeadlineSeconds must leave time within the 2-minute spot notice \(max 110\) \(got 150\)/);
    assert.match(text, /costguard:nodeOptimizer\.kubernetesGroup must not start with system: .*\(got "system:masters"\)/);
    assert.match(text, /costguard:nodeOptimizer\.nodeReadyTimeoutSeconds plus rebalanceDrainSeconds must be at most 780/);
  });

  it("accepts a drain request, the schedule's input and a bare Scheduled Event; refuses anything else", () => {
    assert.ok(NodeOptimizerEvent.safeParse({ action: "drain", instanceId: "i-0123456789abcdef0" }).success);
    assert.ok(NodeOptimizerEvent.safeParse({ action: "rebalance" }).success);
    assert.ok(NodeOptimizerEvent.safeParse({ source: "aws.events", "detail-type": "Scheduled Event", detail: {} }).success);
    assert.ok(!NodeOptimizerEvent.safeParse({ action: "drain" }).success);
    assert.ok(!NodeOptimizerEvent.safeParse({ action: "drain", instanceId: "i-123" }).success);
    assert.ok(!NodeOptimizerEvent.safeParse({ action: "terminate", instanceId: "i-0123456789abcdef0" }).success);
  });
});
