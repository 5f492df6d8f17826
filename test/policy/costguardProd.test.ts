/**
 * costguard's own prod stack under its prod policy config: every mandatory rule passes
 * (encrypted alert topic, retention cap, the prod cost cap). One stack per file.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { analyzeRun, type Analysis } from "../../tools/offline/analysis";
import { runProgram } from "../../tools/offline/runProgram";
import type { Estimate } from "../../runtime/pricing/estimate";

describe("costguard prod stack under the policy pack", () => {
  let analysis: Analysis;
  before(async () => {
    // As `npm run plan` and a first `pulumi preview` see it: ARNs and ids of new resources unknown.
    analysis = await analyzeRun(await runProgram({ stack: "prod", firstPreview: true }), {});
  });

  it("passes every mandatory rule with policy/config.prod.json", () => {
    const policies = analysis.json.policies as { config: string; results: { name: string; level: string; violations: { level: string; message: string }[] }[] };
    assert.match(policies.config, /policy\/config\.prod\.json$/);
    assert.equal(policies.results.find((r) => r.name === "sns-encrypted-in-prod")!.level, "mandatory");
    const mandatory = policies.results.flatMap((r) => r.violations.filter((v) => v.level === "mandatory").map((v) => `${r.name}: ${v.message}`));
    assert.deepEqual(mandatory, []);
  });

  it("prices the prod stack, including its $1/month alert key", () => {
    const e = analysis.json.estimate as Estimate;
    assert.ok(e.lineItems.some((i) => i.type === "aws:kms/key:Key" && i.monthlyUsd === 1));
    assert.ok(e.afterFreeTierMonthlyUsd >= 1);
  });
});
