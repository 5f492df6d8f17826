/**
 * `plan --format infracost`: Infracost's JSON output format, checked against Infracost's own
 * published schema, with the estimate's figures carried over exactly (quantity × price = cost,
 * resource and project totals = the estimate's list total), usage-based items marked, unpriced
 * resources visible, and a base plan (--compare) as the past breakdown with Infracost's diff.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Estimate } from "../../runtime/pricing/estimate";
import { decimal, NO_VCS, toInfracost } from "../../tools/offline/infracost";
import { planHere, planProgramHere, type PlanResult } from "./cli";
import { infracostSchemaProblems } from "./infracostSchema";

interface Component { name: string; unit: string; hourlyQuantity: string | null; monthlyQuantity: string | null; price: string; hourlyCost: string | null; monthlyCost: string | null; usageBased?: boolean; priceNotFound: boolean }
interface Resource { name: string; resourceType: string; monthlyCost: string | null; monthlyUsageCost?: string | null; metadata: Record<string, unknown>; costComponents: Component[] }
interface Breakdown { resources: Resource[]; totalMonthlyCost: string; totalMonthlyUsageCost: string; totalHourlyCost: string }
interface Doc {
  version: string;
  metadata: { infracostCommand: string; vcsCommitSha: string };
  projects: { name: string; breakdown: Breakdown; pastBreakdown: Breakdown; diff: Breakdown; summary: Record<string, unknown>; metadata: { warnings?: { message: string }[] } }[];
  totalMonthlyCost: string;
  pastTotalMonthlyCost: string;
  diffTotalMonthlyCost: string;
  timeGenerated: string;
}

const NOW = new Date("2027-12-01T12:00:00Z");

function estimate(over: Partial<Estimate> = {}): Estimate {
  return {
    region: "us-east-1",
    priceDate: "2026-11-23",
    lineItems: [
      { resource: "web", type: "aws:ec2/instance:Instance", what: "t3.medium on-demand", monthlyUsd: 30.368, afterFreeTierUsd: 30.368, basis: "$0.0416/h × 730 h" },
      { resource: "web", type: "aws:ec2/instance:Instance", what: "root volume", monthlyUsd: 0.64, afterFreeTierUsd: 0.64, basis: "8 GB gp3 × $0.0800/GB-month" },
      { resource: "api", type: "aws:lambda/function:Function", what: "requests", monthlyUsd: 0.0002, afterFreeTierUsd: 0, basis: "1,000 invocations/month (assumed: event-driven) × $0.20/M", usage: { meter: "lambdaRequests", quantity: 1000, unitUsd: 2e-7 } },
      { resource: "board", type: "aws:cloudwatch/dashboard:Dashboard", what: "dashboard", monthlyUsd: 3, afterFreeTierUsd: 0, basis: "$3/dashboard-month", usage: { meter: "cloudwatchDashboards", quantity: 1, unitUsd: 3 } },
    ],
    listMonthlyUsd: 34.0082,
    afterFreeTierMonthlyUsd: 31.008,
    freeTier: [],
    unpriced: [{ resource: "mystery", type: "aws:foo/bar:Bar", reason: "no pricing rule for this type" }],
    freeResources: 4,
    notes: [],
    ...over,
  };
}

const byName = (b: Breakdown) => new Map(b.resources.map((r) => [r.name, r]));

describe("decimal strings", () => {
  it("are plain decimals without float noise or exponents", () => {
    assert.equal(decimal(0.1 + 0.2), "0.3");
    assert.equal(decimal(560.64), "560.64");
    assert.equal(decimal(2e-7), "0.0000002");
    assert.equal(decimal(-2.5e-7), "-0.00000025");
    assert.equal(decimal(4.0049932255390676e-7), "0.000000400499322553907");
    assert.equal(decimal(1e21), "1000000000000000000000");
    assert.equal(decimal(0), "0");
  });
});

describe("toInfracost", () => {
  it("is valid against Infracost's schema, and the schema does catch a broken document", () => {
    const doc = toInfracost({ project: "shop", stack: "dev", path: ".", estimate: estimate(), vcs: NO_VCS, now: NOW });
    assert.equal(infracostSchemaProblems(doc), "");
    const broken = JSON.parse(JSON.stringify(doc)) as { projects: { breakdown?: unknown }[] };
    delete broken.projects[0]!.breakdown;
    (broken as unknown as { totalMonthlyCost: number }).totalMonthlyCost = 34;
    assert.match(infracostSchemaProblems(broken), /must have required property 'breakdown'/);
    assert.match(infracostSchemaProblems(broken), /\/totalMonthlyCost must be string,null/);
  });

  it("maps each line item to a cost component with unit, quantity and price that give its cost", () => {
    const doc = toInfracost({ project: "shop", stack: "dev", path: ".", estimate: estimate(), vcs: NO_VCS, now: NOW }) as unknown as Doc;
    const b = doc.projects[0]!.breakdown;
    assert.deepEqual(b.resources.map((r) => r.name), ["api", "board", "mystery", "web"]);
    const web = byName(b).get("web")!;
    assert.equal(web.resourceType, "aws:ec2/instance:Instance");
    assert.deepEqual(web.costComponents[0], { name: "t3.medium on-demand", unit: "hours", hourlyQuantity: "1", monthlyQuantity: "730", price: "0.0416", hourlyCost: "0.0416", monthlyCost: "30.368", priceNotFound: false });
    assert.deepEqual(web.costComponents[1], { name: "root volume", unit: "GB", hourlyQuantity: decimal(8 / 730), monthlyQuantity: "8", price: "0.08", hourlyCost: decimal(0.64 / 730), monthlyCost: "0.64", priceNotFound: false });
    assert.equal(web.monthlyCost, "31.008");
    const requests = byName(b).get("api")!.costComponents[0]!;
    assert.deepEqual([requests.unit, requests.monthlyQuantity, requests.price, requests.monthlyCost, requests.usageBased], ["1M requests", "0.001", "0.2", "0.0002", true]);
    for (const r of b.resources)
      for (const c of r.costComponents) if (c.monthlyQuantity !== null) assert.ok(Math.abs(Number(c.monthlyQuantity) * Number(c.price) - Number(c.monthlyCost)) < 1e-9, `${r.name} ${c.name}: quantity × price = cost`);
    // A dashboard is a fixed price, not usage; its after-free-tier figure is kept in the metadata.
    const board = byName(b).get("board")!;
    assert.equal(board.costComponents[0]!.usageBased, undefined);
    assert.equal(board.metadata.afterFreeTierMonthlyUsd, "0");
    assert.equal(b.totalMonthlyCost, "34.0082");
    assert.equal(b.totalMonthlyUsageCost, "0.0002");
    assert.equal(doc.totalMonthlyCost, "34.0082");
    assert.equal(doc.diffTotalMonthlyCost, "34.0082", "a breakdown's diff is everything, as Infracost writes it");
    assert.equal(doc.pastTotalMonthlyCost, "0");
    assert.equal(doc.timeGenerated, "2027-12-01T12:00:00.000Z");
  });

  it("shows an unpriced resource as price not found and counts it unsupported: never as free", () => {
    const doc = toInfracost({ project: "shop", stack: "dev", path: ".", estimate: estimate(), vcs: NO_VCS, now: NOW }) as unknown as Doc;
    const mystery = byName(doc.projects[0]!.breakdown).get("mystery")!;
    assert.equal(mystery.monthlyCost, null);
    assert.deepEqual([mystery.costComponents[0]!.priceNotFound, mystery.costComponents[0]!.monthlyCost], [true, null]);
    assert.match(mystery.costComponents[0]!.name, /no pricing rule for this type/);
    assert.deepEqual(doc.projects[0]!.summary, {
      totalDetectedResources: 8,
      totalSupportedResources: 7,
      totalUnsupportedResources: 1,
      totalUsageBasedResources: 1,
      totalNoPriceResources: 4,
      unsupportedResourceCounts: { "aws:foo/bar:Bar": 1 },
    });
  });

  it("with a base plan: the base is the past breakdown and the diff holds only what changed", () => {
    const base = estimate({
      lineItems: [
        { resource: "web", type: "aws:ec2/instance:Instance", what: "t3.micro on-demand", monthlyUsd: 7.592, afterFreeTierUsd: 7.592, basis: "$0.0104/h × 730 h" },
        { resource: "web", type: "aws:ec2/instance:Instance", what: "root volume", monthlyUsd: 0.64, afterFreeTierUsd: 0.64, basis: "8 GB gp3 × $0.0800/GB-month" },
        { resource: "board", type: "aws:cloudwatch/dashboard:Dashboard", what: "dashboard", monthlyUsd: 3, afterFreeTierUsd: 0, basis: "$3/dashboard-month", usage: { meter: "cloudwatchDashboards", quantity: 1, unitUsd: 3 } },
        { resource: "old-ip", type: "aws:ec2/eip:Eip", what: "public IPv4", monthlyUsd: 3.65, afterFreeTierUsd: 3.65, basis: "$0.005/h × 730 h" },
      ],
      unpriced: [],
    });
    const doc = toInfracost({ project: "shop", stack: "dev", path: ".", estimate: estimate(), base, vcs: NO_VCS, now: NOW }) as unknown as Doc;
    assert.equal(infracostSchemaProblems(doc), "");
    assert.equal(doc.metadata.infracostCommand, "diff");
    assert.equal(doc.pastTotalMonthlyCost, "14.882");
    assert.equal(doc.diffTotalMonthlyCost, decimal(34.0082 - 14.882));
    const diff = byName(doc.projects[0]!.diff);
    assert.deepEqual([...diff.keys()], ["api", "mystery", "old-ip", "web"], "the unchanged dashboard is not in the diff");
    // A new resource that is not priced is in the diff as such: the change is not shown as free.
    assert.deepEqual([diff.get("mystery")!.monthlyCost, diff.get("mystery")!.costComponents[0]!.priceNotFound], [null, true]);
    assert.equal(diff.get("old-ip")!.monthlyCost, "-3.65");
    assert.deepEqual(diff.get("web")!.costComponents.map((c) => [c.name, c.monthlyCost]), [["t3.micro on-demand", "-7.592"], ["t3.medium on-demand", "30.368"]]);
  });
});

describe("npm run plan -- --format infracost", () => {
  let infracost: PlanResult;
  let json: PlanResult;
  before(async () => {
    infracost = await planProgramHere("invokes", "--format", "infracost");
    json = await planProgramHere("invokes", "--json");
  });

  it("writes a document valid against Infracost's schema, exit code as for any plan", () => {
    assert.equal(infracost.status, 1, infracost.stderr); // the `*` IAM action: a mandatory violation
    assert.equal(infracostSchemaProblems(JSON.parse(infracost.stdout)), "");
  });

  it("carries the estimate over: every line item, the list total, the unanswered lookup as a warning", () => {
    const doc = JSON.parse(infracost.stdout) as Doc;
    const est = (JSON.parse(json.stdout) as { estimate: Estimate }).estimate;
    assert.equal(doc.projects[0]!.name, "invokes/dev");
    assert.match(doc.metadata.vcsCommitSha, /^[0-9a-f]{40}$/, "the program's git commit");
    assert.ok(Math.abs(Number(doc.totalMonthlyCost) - est.listMonthlyUsd) < 1e-9, `${doc.totalMonthlyCost} vs ${est.listMonthlyUsd}`);
    const components = doc.projects[0]!.breakdown.resources.flatMap((r) => r.costComponents.map((c) => `${r.name}/${c.name}`));
    for (const i of est.lineItems) assert.ok(components.includes(`${i.resource}/${i.what}`), `${i.resource}/${i.what}`);
    assert.ok(doc.projects[0]!.metadata.warnings?.some((w) => w.message.includes("aws:route53/getZone:getZone")));
  });

  it("refuses an unknown format as bad usage (64)", async () => {
    const r = await planHere("--format", "yaml");
    assert.equal(r.status, 64);
    assert.match(r.stderr, /--format must be one of text, json, infracost \(got "yaml"\)/);
  });
});
