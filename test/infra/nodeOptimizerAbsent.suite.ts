/** The dev stack as committed guards no cluster: no node optimizer, no Kubernetes provider. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stackRun } from "../support/stackRun";

describe("dev stack without costguard:nodeOptimizer", () => {
  it("declares no node optimizer, access entry or Kubernetes resource", async () => {
    const run = await stackRun({ stack: "dev" });
    assert.ok(run.resources.length > 0);
    const k8sLike = run.resources.filter((r) => r.type.startsWith("costguard:nodeOptimizer:") || r.type.startsWith("kubernetes:") || r.type === "pulumi:providers:kubernetes" || r.type.startsWith("aws:eks/"));
    assert.deepEqual(k8sLike.map((r) => r.type), []);
    assert.equal(run.outputs.nodeOptimizerFunction, null, "exported as null, so Pulumi keeps the output and warns about nothing");
  });
});
