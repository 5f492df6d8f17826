import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { renderChart, renderHtml, renderMarkdown } from "../../runtime/report/render";
import { fetchCostData } from "../../runtime/report/inventory";
import { buildReport } from "../../runtime/report/model";
import { FIXTURE_NOW, FIXTURE_REPORT_DATE, FIXTURE_TODAY, fixturePriceBook } from "./fixtures/costExplorer";
import { emptyReport, fixtureCostExplorer, fixtureReport } from "./fixtures/report";

const KEY_FIGURES = ["$4.14", "$3.45", "$3.06", "$68.28", "$95.28", "$4.17", "$96.04"];

describe("report rendering", () => {
  it("Markdown shows the key figures, breakdowns, recommendations and the method", async () => {
    const md = renderMarkdown(await fixtureReport());
    assert.match(md, /^# costguard daily cost report: prod, 2026-11-22/);
    for (const f of KEY_FIGURES) assert.ok(md.includes(f), `Markdown lacks ${f}`);
    assert.match(md, /\| Yesterday \| \$4\.14 \(\+26\.1 % vs the 7 days before\) \|/);
    assert.match(md, /\| Month forecast \| \$95\.28 \(Cost Explorer forecast\) of a \$90\.00 budget \|/);
    assert.match(md, /\| Amazon Elastic Compute Cloud - Compute \| \$3\.24 \| 78\.3 % \|/);
    assert.match(md, /\| untagged \| \$0\.44 \| 10\.6 % \|/);
    assert.match(md, /\| m5\.large \(us-east-1\) \| 48\.0 \| \$1\.44 \| \$4\.61 \| \$3\.17 \|/);
    assert.match(md, /\*\*Warning:\*\* The month is forecast at \$95\.28/);
    assert.match(md, /on-demand list price of the spot instance hours − what was paid/);
    assert.equal(md.match(/^\| 2026-1[01]-\d\d \|/gm)?.length, 30, "30 days listed");
  });

  it("HTML is one self-contained page with the figures and a 30-bar chart", async () => {
    const html = renderHtml(await fixtureReport());
    for (const f of KEY_FIGURES) assert.ok(html.includes(f), `HTML lacks ${f}`);
    assert.equal(html.match(/<rect class="bar"/g)?.length, 30);
    assert.doesNotMatch(html, /<script|<link|<img|src=|url\(|@import|https?:\/\//i, "no scripts, no external assets");
    assert.match(html, /<style>/);
    assert.match(html, /c5\.xlarge in us-west-2a \(open\)/);
  });

  it("an empty account renders a sensible report, not zeros divided by zero", async () => {
    const r = await emptyReport();
    const md = renderMarkdown(r);
    const html = renderHtml(r);
    assert.match(md, /No cost recorded for this day or month so far/);
    assert.match(md, /\| Yesterday \| \$0\.00 \|/);
    assert.match(md, /\| Spot share \| – \|/);
    assert.match(md, /Nothing to do/);
    assert.doesNotMatch(md + html, /NaN|Infinity|undefined/);
    assert.match(html, /id="empty"/);
    assert.equal(html.match(/<rect class="bar"/g)?.length, 30);
  });

  it("with the dev stack's single request, says what it could not fetch", async () => {
    const data = await fetchCostData(fixtureCostExplorer(), { reportDate: FIXTURE_REPORT_DATE, today: FIXTURE_TODAY, maxRequests: 1 });
    const md = renderMarkdown(buildReport(data, { stack: "dev", reportDate: FIXTURE_REPORT_DATE, now: FIXTURE_NOW, priceBook: fixturePriceBook }));
    assert.match(md, /## By environment \(yesterday\)\n\n_Not fetched \(see notes\)\._/);
    assert.match(md, /- cost by environment not fetched: report\.maxCostExplorerRequests is 1/);
    assert.match(md, /projected from the 7-day average/);
    assert.match(md, /with 1 of 1 allowed Cost Explorer request/);
  });

  it("escapes names that come from the account", async () => {
    const r = await fixtureReport();
    r.byService.unshift({ name: "<b>evil</b> | service", usd: 1 });
    assert.ok(renderHtml(r).includes("&lt;b&gt;evil&lt;/b&gt;"));
    assert.ok(renderMarkdown(r).includes("\\<b\\>evil\\</b\\> \\| service"));
  });

  it("the chart's bars grow with the cost", () => {
    const svg = renderChart([{ date: "2026-11-01", usd: 1 }, { date: "2026-11-02", usd: 3 }], 2);
    const heights = [...svg.matchAll(/<rect class="bar" [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.equal(heights.length, 2);
    assert.ok(heights[1]! > heights[0]! * 2.5, `heights ${heights.join(", ")}`);
  });
});

describe("the sample report in docs/", () => {
  it("is what tools/sampleReport.ts renders from the fixture today (regenerate with `npx tsx tools/sampleReport.ts`)", async () => {
    const docs = path.join(__dirname, "..", "..", "docs");
    const report = await fixtureReport("prod", 90);
    assert.equal(fs.readFileSync(path.join(docs, "cost-report-sample.md"), "utf8"), renderMarkdown(report));
    assert.equal(fs.readFileSync(path.join(docs, "cost-report-sample.html"), "utf8"), renderHtml(report));
    assert.ok(fs.statSync(path.join(docs, "cost-report-sample.png")).size > 20_000);
  });
});
