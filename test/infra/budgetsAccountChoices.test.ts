/**
 * The account-level choices of the budgets component, on a dev stack that shares its account:
 * it subscribes its alert topic to an existing anomaly monitor instead of creating a second
 * (which AWS refuses), and activates the Environment cost-allocation tag its environment
 * budget filters on.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { stackRun, type StackRun } from "../support/stackRun";
import { ofType, one, topicArn } from "./costObservability.shared";

const EXISTING = "arn:aws:ce::123456789012:anomalymonitor/0a1b2c3d-4e5f-6789-abcd-ef0123456789";

describe("budgets: an existing anomaly monitor and cost-allocation tag activation", () => {
  let run: StackRun;
  before(async () => {
    run = await stackRun({
      stack: "dev",
      config: { "costguard:anomalyMonitorArn": EXISTING, "costguard:activateCostAllocationTag": "true", "costguard:environmentBudgetsUsd": JSON.stringify({ dev: 5 }) },
    });
  });

  it("subscribes the alert topic to the existing monitor and creates none", () => {
    assert.equal(ofType(run, "aws:costexplorer/anomalyMonitor:AnomalyMonitor").length, 0);
    const sub = one(run, "aws:costexplorer/anomalySubscription:AnomalySubscription", "budgets-anomaly-subscription");
    assert.deepEqual(sub.inputs.monitorArnLists, [EXISTING]);
    assert.deepEqual(sub.inputs.subscribers, [{ type: "SNS", address: topicArn(run) }]);
    assert.equal(run.outputs.anomalyMonitorArn, EXISTING);
  });

  it("activates the Environment tag for cost allocation, and then does not warn about it", () => {
    const tag = one(run, "aws:costexplorer/costAllocationTag:CostAllocationTag", "budgets-environment-tag");
    assert.deepEqual(tag.inputs, { tagKey: "Environment", status: "Active" });
    assert.ok(ofType(run, "aws:budgets/budget:Budget").some((b) => b.inputs.name === "costguard-dev-env-dev"));
    assert.ok(!run.warnings.some((w) => /cost-allocation tag/.test(w)), run.warnings.join("\n"));
  });
});
