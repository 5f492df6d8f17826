/**
 * costguard's own dev stack under its dev policy config: every mandatory rule passes, and the
 * guard's estimate stays under its own cap (under $1.00/month after the free tier, under $5.00 at list
 * price). The example database of Pulumi.dev.yaml is a workload, not the guard: declared
 * stopped it still bills its storage and secret ($2.70/month), which the dev cap adds to S12's.
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

  /** Line items of resources inside a database component (the example workload). */
  const inDatabase = (e: Estimate) => {
    const components = new Set(run.resources.filter((r) => r.type === "costguard:database:CostAwareDatabase").map((r) => `${r.type}::${r.name}`));
    const names = new Set(run.resources.filter((r) => components.has(run.parents.get(`${r.type}::${r.name}`) ?? "")).map((r) => r.name));
    return e.lineItems.filter((i) => names.has(i.resource));
  };

  it("the guard costs under $1.00/month after the free tier and under $5.00 at list price, pricing everything", () => {
    const e = analysis.json.estimate as Estimate;
    assert.ok(e.lineItems.length > 0);
    const db = inDatabase(e);
    assert.ok(db.length > 0, "the example database is in the plan");
    const sum = (items: Estimate["lineItems"], f: (i: Estimate["lineItems"][number]) => number) => items.reduce((s, i) => s + f(i), 0);
    const guardAfterFree = e.afterFreeTierMonthlyUsd - sum(db, (i) => i.afterFreeTierUsd);
    const guardList = e.listMonthlyUsd - sum(db, (i) => i.monthlyUsd);
    assert.ok(guardAfterFree < 1, `after free tier: $${guardAfterFree.toFixed(2)}`);
    assert.ok(guardList < 5, `list: $${guardList.toFixed(2)}`);
    assert.deepEqual(e.unpriced, []);
  });

  it("prices the example database declared stopped: no instance hours, but its storage and secret", () => {
    const e = analysis.json.estimate as Estimate;
    const db = inDatabase(e);
    const by = (what: string) => db.find((i) => i.what.startsWith(what))!;
    assert.equal(by("db.t4g.micro postgres").monthlyUsd, 0);
    assert.match(by("db.t4g.micro postgres").basis, /declared stopped/);
    assert.ok(Math.abs(by("storage").afterFreeTierUsd - 2.3) < 1e-9, "20 GB gp3 × $0.115, no always-free allowance");
    assert.ok(Math.abs(by("master user secret").afterFreeTierUsd - 0.4) < 1e-9);
    assert.equal(by("automated backups").monthlyUsd, 0, "within the free allowance of the provisioned storage");
    assert.ok(db.every((i) => !/metricAlarm/.test(i.type)), "no alarms on a stopped database");
    const total = db.reduce((s, i) => s + i.afterFreeTierUsd, 0);
    assert.ok(Math.abs(total - 2.7) < 0.001, `the example database: $${total.toFixed(4)}/month`);
  });

  it("prints the policy results per rule and the cost table with both totals", () => {
    const text = analysis.sections.join("\n");
    assert.match(text, /✔ required-tags\s+mandatory\s+pass/);
    assert.match(text, /✔ stack-cost-cap\s+mandatory\s+pass/);
    assert.match(text, /TOTAL\s+\$\d+\.\d+\s+\$\d+\.\d+\s+per month \(list \/ after AWS's always-free allowances\)/);
    // S12's $1.00 / $5.00 for the guard, plus the example database's $2.70.
    assert.match(text, /Caps \(stack-cost-cap, mandatory\): \$3\.70 after free tier ✔, \$7\.70 list ✔/);
    assert.match(text, /db-app-instance\s+storage\s+\$2\.30\s+\$2\.30\s+20 GB gp3 × \$0\.1150\/GB-month, billed while stopped/);
  });
});
