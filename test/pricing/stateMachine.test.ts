/**
 * The state machine rule on its own: units counted from config, or assumed for "all" and said so
 * on the line; a STANDARD machine's transitions from its schedule; an undeclared Map is listed as
 * depending on usage, never as free.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sweepUnits } from "../../config/organization";
import { estimateStack } from "../../runtime/pricing/estimate";
import type { ResourceToPrice } from "../../runtime/pricing/estimateTypes";

const definition = JSON.stringify({
  StartAt: "List",
  States: {
    List: { Type: "Task", Next: "Map" },
    Map: { Type: "Map", ItemProcessor: { ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "EXPRESS" } }, ItemBatcher: { MaxItemsPerBatch: 20 }, Next: "Decide" },
    Decide: { Type: "Task", End: true },
  },
});
const machine = (tag?: string): ResourceToPrice => ({
  type: "aws:sfn/stateMachine:StateMachine",
  name: "m",
  inputs: { type: "STANDARD", definition, arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", ...(tag ? { tags: { "costguard:estimate": tag } } : {}) },
});
const schedule: ResourceToPrice[] = [
  { type: "aws:cloudwatch/eventRule:EventRule", name: "r", inputs: { name: "r", scheduleExpression: "rate(1 hour)" } },
  { type: "aws:cloudwatch/eventTarget:EventTarget", name: "t", inputs: { rule: "r", arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m" } },
];
const lines = (tag?: string) => estimateStack([machine(tag), ...schedule], { region: "us-east-1" }).lineItems;

describe("state machine pricing", () => {
  it("counts units from config, and assumes them for \"all\"", () => {
    assert.deepEqual(sweepUnits({ regions: ["us-east-1", "eu-west-1"], organization: { accounts: ["111111111111", "222222222222"], excludeAccounts: ["222222222222"] } as never }).units, 2);
    const all = sweepUnits({ regions: "all", organization: { accounts: "all", excludeAccounts: [] } as never });
    assert.deepEqual([all.units, all.assumed], [3400, true]);
    assert.match(all.basis, /200 accounts \(assumed for "all"\) × 17 regions \(assumed for "all"\)/);
  });

  it("prices transitions from the schedule and children from the declared units; an assumption says so", () => {
    const items = lines("mapItemsPerRun=3400 mapItemsAssumed=1 durationMs=5000");
    const transitions = items.find((i) => i.what === "Standard state transitions")!;
    assert.equal(transitions.monthlyUsd, 730 * 3 * 0.000025);
    const children = items.find((i) => i.what === "Express child executions")!;
    assert.ok(Math.abs(children.monthlyUsd - 730 * 170 * 1e-6) < 1e-12);
    assert.match(children.basis, /3,400 units \(assumed\) ÷ 20 per batch/);
  });

  it("lists an undeclared Map as depending on usage", () => {
    const child = lines().find((i) => i.what === "Express child executions")!;
    assert.ok(child.dependsOnUsage);
  });
});
