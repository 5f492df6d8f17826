/**
 * At a first `pulumi preview` the ARNs and ids of resources being created are unknown, so a
 * schedule's target or a subscription's endpoint names no function; the engine's property
 * dependencies still say which resource each input came from, and the estimator links by them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { estimateStack, type ResourceToPrice } from "../../runtime/pricing/estimate";

const urn = (type: string, name: string) => `urn:pulumi:dev::demo::${type}::${name}`;
const res = (type: string, name: string, inputs: Record<string, unknown>, dependsOn?: Record<string, string[]>): ResourceToPrice => ({ type, name, inputs, state: inputs, key: urn(type, name), dependsOn });
const FN = "aws:lambda/function:Function";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";

// As a first preview shows them: the function's ARN and the rule's id are unknown (absent).
const fn = res(FN, "report", { name: "report-1234567", architectures: ["arm64"], memorySize: 256, tags: { "costguard:estimate": "costExplorerRequestsPerRun=1" } });
const rule = res(RULE, "weekly", { name: "weekly-7654321", scheduleExpression: "cron(0 9 ? * MON *)" });
const requestsOf = (...rs: ResourceToPrice[]) => estimateStack(rs, { region: "us-east-1" }).lineItems.find((i) => i.what === "Cost Explorer API requests")!;

describe("estimator at a first preview", () => {
  it("links a schedule to its function through the target's property dependencies", () => {
    const target = res(TARGET, "weekly-target", { rule: "weekly-7654321" }, { arn: [urn(FN, "report")], rule: [urn(RULE, "weekly")] });
    const item = requestsOf(fn, rule, target);
    assert.match(item.basis, /× 4\.35 runs/, "weekly: 4.35 runs a month");
    assert.ok(item.monthlyUsd < 0.05, `weekly: ${item.monthlyUsd}`);
  });

  it("without them, the function is assumed event-driven (and costs a thousand times more)", () => {
    const target = res(TARGET, "weekly-target", { rule: "weekly-7654321" });
    const item = requestsOf(fn, rule, target);
    assert.match(item.basis, /assumed/);
    assert.ok(item.monthlyUsd >= 10, `assumed: ${item.monthlyUsd}`);
  });

  it("a known reference still decides: a dependency does not link a target that names another function", () => {
    const other = res(FN, "other", { name: "other-1111111", architectures: ["arm64"] });
    const target = res(TARGET, "weekly-target", { rule: "weekly-7654321", arn: "arn:aws:lambda:us-east-1:123456789012:function:other-1111111" }, { arn: [urn(FN, "report")] });
    assert.match(requestsOf(fn, other, rule, target).basis, /assumed/);
  });
});
