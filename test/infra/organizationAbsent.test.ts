/**
 * Without `organization` and `regions` (the example stacks), organisation mode declares nothing:
 * no StackSet, no state machine, no sweep bucket, no forwarding rule; its outputs are null and
 * the failsafe keeps its own schedule, priced from it.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { stackRun, type StackRun } from "../support/stackRun";
import { one } from "./helpers";

describe("single-account stack (dev): no organisation mode", () => {
  let run: StackRun;
  before(async () => {
    run = await stackRun({ stack: "dev" });
  });

  it("declares none of its resources and exports its outputs as null", () => {
    const types = run.resources.map((r) => r.type);
    for (const t of types) assert.ok(!/^costguard:organization:|^aws:cloudformation\/|^aws:sfn\/|^costguard:spot:CrossRegionSpotEvents|eventBusPolicy/.test(t), t);
    assert.ok(!run.resources.some((r) => r.type === "pulumi:providers:aws" && r.inputs.region !== "us-east-1"), "no provider for another region");
    assert.equal(run.outputs.memberAccessStackSet, null);
    assert.equal(run.outputs.sweepStateMachineArn, null);
  });

  it("keeps the failsafe on its own schedule, with no declared sweep usage", () => {
    assert.ok(one(run, "aws:cloudwatch/eventRule:EventRule", "failsafe-check-schedule"));
    const fn = one(run, "aws:lambda/function:Function", "failsafe-check-fn");
    assert.equal((fn.inputs.tags as Record<string, string> | undefined)?.["costguard:estimate"], undefined);
  });
});
