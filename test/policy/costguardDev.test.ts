/**
 * costguard's own dev stack under its dev policy config: every mandatory rule passes, and the
 * estimate meets SPEC S12 (under $1.00/month after the free tier, under $5.00 at list price).
 * One stack per file: Pulumi's runtime state is process-global.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { analyzeRun, type Analysis } from "../../tools/offline/analysis";
import { runProgram, type ProgramRun } from "../../tools/offline/runProgram";
import type { Estimate } from "../../runtime/pricing/estimate";

describe("costguard dev stack under the policy pack", () => {
  let run: ProgramRun;
  let analysis: Analysis;
  before(async () => {
    // As `npm run plan` and a first `pulumi preview` see it: ARNs and ids of new resources unknown.
    run = await runProgram({ stack: "dev", firstPreview: true });
    analysis = await analyzeRun(run, {});
  });

  it("passes every mandatory rule with policy/config.dev.json", () => {
    const policies = analysis.json.policies as { config: string; results: { name: string; violations: { level: string; message: string }[] }[] };
    assert.match(policies.config, /policy\/config\.dev\.json$/);
    const mandatory = policies.results.flatMap((r) => r.violations.filter((v) => v.level === "mandatory").map((v) => `${r.name}: ${v.message}`));
    assert.deepEqual(mandatory, []);
    assert.equal(analysis.mandatoryViolations, 0);
  });

  it("costs under $1.00/month after the free tier and under $5.00 at list price (SPEC S12), pricing everything", () => {
    const e = analysis.json.estimate as Estimate;
    assert.ok(e.lineItems.length > 0);
    assert.ok(e.afterFreeTierMonthlyUsd < 1, `after free tier: $${e.afterFreeTierMonthlyUsd.toFixed(2)}`);
    assert.ok(e.listMonthlyUsd < 5, `list: $${e.listMonthlyUsd.toFixed(2)}`);
    assert.deepEqual(e.unpriced, []);
  });

  it("prints the policy results per rule and the cost table with both totals", () => {
    const text = analysis.sections.join("\n");
    assert.match(text, /✔ required-tags\s+mandatory\s+pass/);
    assert.match(text, /✔ stack-cost-cap\s+mandatory\s+pass/);
    assert.match(text, /TOTAL\s+\$\d+\.\d+\s+\$\d+\.\d+\s+per month \(list \/ after AWS's always-free allowances\)/);
    assert.match(text, /Caps \(stack-cost-cap, mandatory\): \$1\.00 after free tier ✔, \$5\.00 list ✔/);
  });
});
