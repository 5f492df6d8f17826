/**
 * `plan --compare BASE.json`: what a change costs, resource by resource, against an earlier
 * `plan --json` of the same program; a file that is not a plan JSON is refused before planning.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import type { Estimate } from "../../runtime/pricing/estimate";
import { compareEstimates } from "../../tools/offline/compare";
import { planProgramHere, type PlanResult } from "./cli";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-compare-"));

describe("compareEstimates", () => {
  const item = (resource: string, what: string, monthlyUsd: number) => ({ resource, type: "aws:ec2/instance:Instance", what, monthlyUsd, afterFreeTierUsd: monthlyUsd, basis: "" });
  const est = (lineItems: ReturnType<typeof item>[], unpriced: Estimate["unpriced"] = []): Estimate => {
    const total = lineItems.reduce((s, i) => s + i.monthlyUsd, 0);
    return { region: "us-east-1", priceDate: "2026-11-23", lineItems, listMonthlyUsd: total, afterFreeTierMonthlyUsd: total, freeTier: [], unpriced, freeResources: 0, notes: [] };
  };

  it("sums items per resource and sorts the changes by size; float noise is not a change", async () => {
    const base = est([item("a", "t3.micro", 7.592), item("a", "root", 0.64), item("b", "t3.small", 15.184), item("gone", "t3.nano", 3.796)]);
    const plan = est([item("a", "t3.large", 60.736), item("a", "root", 0.64), item("b", "t3.small", 15.184 + 1e-12), item("new", "t3.nano", 3.796)], [{ resource: "x", type: "aws:foo/bar:Bar", reason: "no rule" }]);
    const c = compareEstimates({ file: "base.json", estimate: base }, plan);
    assert.deepEqual(
      c.changes.map((x) => [x.change, x.name, Number(x.deltaMonthlyUsd.toFixed(4))]),
      [["changed", "a", 53.144], ["removed", "gone", -3.796], ["added", "new", 3.796]],
    );
    assert.equal(c.changes[0]!.baseWhat, "t3.micro + root");
    assert.equal(c.unchanged, 1);
    assert.equal(Number(c.deltaListMonthlyUsd.toFixed(4)), 53.144);
    assert.deepEqual(c.newlyUnpriced.map((u) => u.resource), ["x"]);
  });
});

describe("npm run plan -- --compare", () => {
  const baseFile = path.join(tmp, "small.json");
  let text: PlanResult;
  let json: PlanResult;
  before(async () => {
    const small = await planProgramHere("resize", "--stack", "small", "--json");
    assert.equal(small.status, 0, small.stderr);
    // As `npm run plan -- --json > small.json` writes it: npm's banner first.
    fs.writeFileSync(baseFile, `\n> costguard@0.1.0 plan\n> tsx tools/plan.ts --json\n\n${small.stdout}`);
    text = await planProgramHere("resize", "--stack", "large", "--compare", baseFile);
    json = await planProgramHere("resize", "--stack", "large", "--json", "--compare", baseFile);
  });

  it("prints each added, removed and changed resource with its monthly difference, then the total's", async () => {
    assert.equal(text.status, 0, text.stderr);
    const out = text.stdout;
    assert.match(out, new RegExp(`Monthly cost change against ${baseFile.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} \\(resize, stack small\\), list prices:`));
    // t3.micro $7.59 + 8 GB root $0.64 + public IPv4 $3.65 (default VPC) → t3.large $60.74 + root $0.64 + IPv4 $3.65
    assert.match(out, /~ app-server\s+changed\s+\+\$53\.14\s+\(\$11\.88 → \$65\.03\)\s+t3\.micro on-demand \+ root volume \+ public IPv4 address → t3\.large on-demand \+ root volume \+ public IPv4 address/);
    assert.match(out, /\+ batch-worker\s+added\s+\+\$34\.66\s+\(\$34\.66\)/);
    assert.match(out, /~ app-data\s+changed\s+\+\$6\.40\s+\(\$1\.60 → \$8\.00\)/);
    assert.match(out, /- legacy-ip\s+removed\s+−\$3\.65\s+\(\$3\.65 → \$0\)/);
    assert.match(out, /1 priced resource unchanged\./);
    assert.match(out, /TOTAL \+\$90\.55 per month at list prices \(\$17\.13 → \$107\.68\)/);
  });

  it("adds the comparison to --json", async () => {
    assert.equal(json.status, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as { comparison: { deltaListMonthlyUsd: number; changes: { change: string; name: string }[] }; estimate: Estimate };
    const base = (JSON.parse(fs.readFileSync(baseFile, "utf8").slice(fs.readFileSync(baseFile, "utf8").indexOf("{"))) as { estimate: Estimate }).estimate;
    assert.ok(Math.abs(doc.comparison.deltaListMonthlyUsd - (doc.estimate.listMonthlyUsd - base.listMonthlyUsd)) < 1e-9);
    assert.deepEqual(doc.comparison.changes.map((c) => `${c.change} ${c.name}`).sort(), ["added batch-worker", "changed app-data", "changed app-server", "removed legacy-ip"]);
  });

  it("refuses a file that is not a plan JSON, before planning: exit 2, one line", async () => {
    const cases: [string, string, RegExp][] = [
      ["missing.json", "", /--compare .*missing\.json: cannot read it \(ENOENT\); write it with `npm run -s plan -- --json > base\.json`/],
      ["garbage.json", "not json {", /--compare .*garbage\.json is not JSON \(/],
      ["other.json", JSON.stringify({ resources: [] }), /--compare .*other\.json is not a plan JSON \(no "estimate" with line items and totals\)/],
      ["infracost.json", JSON.stringify({ version: "0.2", projects: [] }), /--compare .*infracost\.json is an Infracost JSON, not a plan JSON/],
    ];
    for (const [name, content, says] of cases) {
      const file = path.join(tmp, name);
      if (content) fs.writeFileSync(file, content);
      const r = await planProgramHere("resize", "--stack", "large", "--compare", file);
      assert.equal(r.status, 2, `${name}: exit ${r.status}\n${r.stderr}`);
      assert.match(r.stderr, says, name);
      assert.equal(r.stderr.trim().split("\n").length, 1, `${name}: one line\n${r.stderr}`);
      assert.equal(r.stdout, "", `${name}: nothing planned`);
    }
  });

  it("with --format infracost, the base is Infracost's past breakdown", async () => {
    const r = await planProgramHere("resize", "--stack", "large", "--format", "infracost", "--compare", baseFile);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { pastTotalMonthlyCost: string; totalMonthlyCost: string; diffTotalMonthlyCost: string; projects: { diff: { resources: { name: string }[] } }[] };
    assert.ok(Math.abs(Number(doc.diffTotalMonthlyCost) - (Number(doc.totalMonthlyCost) - Number(doc.pastTotalMonthlyCost))) < 1e-9);
    assert.deepEqual(doc.projects[0]!.diff.resources.map((x) => x.name), ["app-data", "app-server", "batch-worker", "legacy-ip"]);
  });
});
