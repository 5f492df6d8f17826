/**
 * The daily report by account and region (organisation mode): Cost Explorer's LINKED_ACCOUNT and
 * REGION dimensions, within maxCostExplorerRequests, saying what was left out when the cap is low.
 */
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { CostExplorerClient, GetCostAndUsageCommand, GetCostForecastCommand } from "@aws-sdk/client-cost-explorer";
import { mockClient } from "aws-sdk-client-mock";
import { fetchCostData } from "../../runtime/report/inventory";
import { buildReport } from "../../runtime/report/model";
import { renderHtml, renderMarkdown } from "../../runtime/report/render";
import { answerByAccountAndRegion, BY_ENVIRONMENT, FIXTURE_NOW, FIXTURE_REPORT_DATE, FIXTURE_TODAY, FORECAST, SERIES_PAGES } from "./fixtures/costExplorer";

const ce = mockClient(CostExplorerClient);
beforeEach(() => {
  ce.reset();
  ce.on(GetCostAndUsageCommand).callsFake((input: { GroupBy?: { Type?: string; Key?: string }[]; NextPageToken?: string; TimePeriod?: { Start?: string } }) => {
    const first = input.GroupBy?.[0];
    if (first?.Key === "SERVICE") return input.NextPageToken === "page-2" ? SERIES_PAGES[1] : SERIES_PAGES[0];
    if (first?.Type === "TAG") return BY_ENVIRONMENT;
    return answerByAccountAndRegion(input);
  });
  ce.on(GetCostForecastCommand).resolves(FORECAST);
});

const fetch = (maxRequests: number, byAccountAndRegion = true) =>
  fetchCostData(new CostExplorerClient({ region: "us-east-1" }), { reportDate: FIXTURE_REPORT_DATE, today: FIXTURE_TODAY, maxRequests, byAccountAndRegion });
const report = async (max: number) => buildReport(await fetch(max), { stack: "org", reportDate: FIXTURE_REPORT_DATE, now: FIXTURE_NOW });

describe("report by account and region", () => {
  it("one GroupBy [LINKED_ACCOUNT, REGION] request (all its pages) gives both breakdowns, accounts with their names", async () => {
    const r = await report(5);
    const calls = ce.commandCalls(GetCostAndUsageCommand).map((c) => c.args[0].input);
    const breakdown = calls.filter((c) => c.GroupBy?.[0]?.Key === "LINKED_ACCOUNT");
    assert.equal(breakdown.length, 2, "two pages");
    assert.deepEqual(breakdown[0]!.GroupBy, [{ Type: "DIMENSION", Key: "LINKED_ACCOUNT" }, { Type: "DIMENSION", Key: "REGION" }]);
    assert.deepEqual(breakdown[0]!.TimePeriod, { Start: FIXTURE_REPORT_DATE, End: FIXTURE_TODAY });
    assert.deepEqual(r.byAccount, [
      { name: "111111111111 (hub)", usd: 2.5 },
      { name: "222222222222 (payments)", usd: 1.64 },
    ]);
    assert.deepEqual(r.byRegion, [
      { name: "us-east-1", usd: 2 },
      { name: "eu-west-1", usd: 1.7 },
      { name: "global", usd: 0.44 },
    ]);
    const md = renderMarkdown(r);
    assert.match(md, /## By account \(yesterday\)[\s\S]*111111111111 \(hub\) \| \$2\.50/);
    assert.match(md, /## By region \(yesterday\)[\s\S]*eu-west-1 \| \$1\.70/);
    assert.match(renderHtml(r), /By account \(yesterday\)/);
    // 2 series pages + 1 by environment + 2 by account and region = the cap of 5: the forecast is projected, and the report says so.
    assert.equal(ce.commandCalls(GetCostForecastCommand).length, 0);
    assert.match(r.notes.join("\n"), /forecast projected from the 7-day average/);
  });

  it("a cap too low for the breakdown: not fetched, and the report says so", async () => {
    const r = await report(3);
    assert.equal(r.byAccount, undefined);
    assert.match(r.notes.join("\n"), /cost by account and region not fetched: report\.maxCostExplorerRequests is 3/);
    assert.match(renderMarkdown(r), /## By account \(yesterday\)\n\n_Not fetched \(see notes\)\._/);
  });

  it("a cap that cuts the breakdown's pages: what was read, marked incomplete", async () => {
    const r = await report(4);
    assert.deepEqual(r.byAccount?.map((a) => a.name), ["111111111111 (hub)"]);
    assert.match(r.notes.join("\n"), /cost by account and region needed more pages than the request budget allowed: it is incomplete/);
  });

  it("without organisation mode, no breakdown request and no section", async () => {
    const data = await fetch(5, false);
    const r = buildReport(data, { stack: "dev", reportDate: FIXTURE_REPORT_DATE, now: FIXTURE_NOW });
    assert.ok(!ce.commandCalls(GetCostAndUsageCommand).some((c) => c.args[0].input.GroupBy?.[0]?.Key === "LINKED_ACCOUNT"));
    assert.equal(ce.commandCalls(GetCostForecastCommand).length, 1);
    assert.ok(!renderMarkdown(r).includes("By account"));
  });
});
