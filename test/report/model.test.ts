import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { CostExplorerClient, DataUnavailableException, GetCostAndUsageCommand, GetCostForecastCommand } from "@aws-sdk/client-cost-explorer";
import { mockClient } from "aws-sdk-client-mock";
import { fetchCostData } from "../../runtime/report/inventory";
import { readHistory } from "../../runtime/report/inventoryHistory";
import { buildReport, classifyUsageType } from "../../runtime/report/model";
import { recommend } from "../../runtime/report/decide";
import { BY_ENVIRONMENT, FIXTURE_HISTORY, FIXTURE_NOW, FIXTURE_REPORT_DATE, FIXTURE_TODAY, FORECAST, SERIES_PAGES, fixturePriceBook } from "./fixtures/costExplorer";

const ce = mockClient(CostExplorerClient);

function answerFromFixture() {
  ce.reset();
  ce.on(GetCostAndUsageCommand, { GroupBy: [{ Type: "DIMENSION", Key: "SERVICE" }, { Type: "DIMENSION", Key: "USAGE_TYPE" }] }).callsFake((input) =>
    input.NextPageToken === "page-2" ? SERIES_PAGES[1] : SERIES_PAGES[0],
  );
  ce.on(GetCostAndUsageCommand, { GroupBy: [{ Type: "TAG", Key: "Environment" }] }).resolves(BY_ENVIRONMENT);
  ce.on(GetCostForecastCommand).resolves(FORECAST);
}

const fetch = (maxRequests: number) =>
  fetchCostData(new CostExplorerClient({ region: "us-east-1" }), { reportDate: FIXTURE_REPORT_DATE, today: FIXTURE_TODAY, maxRequests });

describe("Cost Explorer requests under the budget", () => {
  beforeEach(answerFromFixture);

  it("asks for 30 days by service and usage type, the day by Environment tag and the rest-of-month forecast", async () => {
    const data = await fetch(5);
    assert.equal(data.requestsUsed, 4, "two pages of the series, one by environment, one forecast");
    const series = ce.commandCalls(GetCostAndUsageCommand)[0]!.args[0].input;
    assert.deepEqual(series.TimePeriod, { Start: "2026-10-24", End: "2026-11-23" });
    assert.equal(series.Granularity, "DAILY");
    const forecast = ce.commandCalls(GetCostForecastCommand)[0]!.args[0].input;
    assert.deepEqual(forecast.TimePeriod, { Start: "2026-11-23", End: "2026-12-01" });
    assert.equal(data.partial, false);
    assert.deepEqual(data.gaps, []);
  });

  it("never makes more requests than allowed, and says what it left out", async () => {
    for (const max of [1, 2, 3]) {
      answerFromFixture();
      const data = await fetch(max);
      const calls = ce.commandCalls(GetCostAndUsageCommand).length + ce.commandCalls(GetCostForecastCommand).length;
      assert.equal(calls, max, `budget ${max}`);
      assert.equal(data.requestsUsed, max);
      assert.ok(data.gaps.length > 0, `budget ${max} must explain the gap`);
    }
    answerFromFixture();
    const one = await fetch(1);
    assert.equal(one.partial, true);
    assert.match(one.gaps.join("\n"), /needed more pages than the 1 request/);
    assert.equal(one.byEnvironment, undefined);
  });

  it("starts the series on the 1st when the month to date is longer than 30 days", async () => {
    ce.reset();
    ce.on(GetCostAndUsageCommand).resolves({ ResultsByTime: [] });
    const data = await fetchCostData(new CostExplorerClient({ region: "us-east-1" }), { reportDate: "2026-12-31", today: "2027-01-01", maxRequests: 5 });
    assert.equal(data.start, "2026-12-01");
    assert.equal(ce.commandCalls(GetCostForecastCommand).length, 0, "December is over: nothing to forecast");
  });

  it("falls back to a local forecast when Cost Explorer has too little history", async () => {
    ce.on(GetCostForecastCommand).rejects(new DataUnavailableException({ message: "no data", $metadata: {} }));
    const data = await fetch(5);
    assert.equal(data.forecast, undefined);
    const report = buildReport(data, { stack: "dev", reportDate: FIXTURE_REPORT_DATE, now: FIXTURE_NOW });
    assert.equal(report.forecast.method, "7-day average");
    // 68.28 month to date + 8 days left × 24.18 / 7
    assert.equal(report.forecast.usd, 95.91);
  });
});

describe("report figures from the fixture (checked by hand)", () => {
  beforeEach(answerFromFixture);

  it("totals, averages, month to date and forecast", async () => {
    const r = buildReport(await fetch(5), { stack: "prod", reportDate: FIXTURE_REPORT_DATE, now: FIXTURE_NOW, priceBook: fixturePriceBook, monthlyBudgetUsd: 90 });
    assert.equal(r.yesterdayUsd, 4.14); // 2.94 + 0.40 + 0.70 + 0.10
    assert.equal(r.avg7Usd, 3.45); // (6 × 3.34 + 4.14) / 7 = 24.18 / 7
    assert.equal(r.avg30Usd, 3.06); // (23 × 2.94 + 6 × 3.34 + 4.14) / 30 = 91.80 / 30
    assert.equal(r.monthToDateUsd, 68.28); // 15 × 2.94 + 6 × 3.34 + 4.14
    assert.deepEqual(r.forecast, { usd: 95.28, method: "cost-explorer" }); // 68.28 + 27.00
    assert.equal(r.changeVsAvg7Percent, 26.11); // 4.14 vs (2.94 + 6 × 3.34) / 7
    assert.equal(r.days.length, 30);
    assert.deepEqual(r.days[0], { date: "2026-10-24", usd: 2.94 });
    assert.deepEqual(r.days.at(-1), { date: "2026-11-22", usd: 4.14 });
  });

  it("by service and by environment", async () => {
    const r = buildReport(await fetch(5), { stack: "prod", reportDate: FIXTURE_REPORT_DATE, now: FIXTURE_NOW, priceBook: fixturePriceBook });
    assert.deepEqual(r.byService, [
      { name: "Amazon Elastic Compute Cloud - Compute", usd: 3.24 },
      { name: "Amazon Simple Storage Service", usd: 0.5 },
      { name: "Amazon Relational Database Service", usd: 0.4 },
    ]);
    assert.deepEqual(r.byEnvironment, [
      { name: "prod", usd: 2.5 },
      { name: "dev", usd: 1.2 },
      { name: "untagged", usd: 0.44 },
    ]);
  });

  it("spot vs on-demand and the savings spot brought", async () => {
    const r = buildReport(await fetch(5), { stack: "prod", reportDate: FIXTURE_REPORT_DATE, now: FIXTURE_NOW, priceBook: fixturePriceBook });
    assert.equal(r.spot.spotUsd, 2.24); // 1.44 + 0.70 + 0.10
    assert.equal(r.spot.onDemandUsd, 1.0);
    assert.equal(r.spot.spotHours, 58); // 48 m5.large + 10 c5.xlarge (x9.weird is unpriced)
    // m5.large: 48 h × $0.096 − $1.44 = $3.168; c5.xlarge: 10 h × $0.17 − $0.70 = $1.00
    assert.equal(r.spot.savingsUsd, 4.17);
    assert.deepEqual(
      r.spot.byType.map((t) => [t.instanceType, t.region, t.hours, t.paidUsd, t.onDemandUsd, t.savingsUsd]),
      [
        ["m5.large", "us-east-1", 48, 1.44, 4.61, 3.17],
        ["c5.xlarge", "us-west-2", 10, 0.7, 1.7, 1.0],
      ],
    );
    assert.deepEqual(r.spot.unpriced, ["x9.weird (us-east-1)"]);
    assert.equal(r.spot30DaysSavingsUsd, 96.04); // 30 × 3.168 + 1.00
    assert.match(r.notes.join("\n"), /x9\.weird/);
    assert.match(r.notes.join("\n"), /marks the day's figures as estimated/);
  });

  it("without a price book the savings are zero and the report says why", async () => {
    const r = buildReport(await fetch(5), { stack: "prod", reportDate: FIXTURE_REPORT_DATE, now: FIXTURE_NOW });
    assert.equal(r.spot.savingsUsd, 0);
    assert.match(r.notes.join("\n"), /no price book/);
  });

  it("classifies usage types by purchase option and region", () => {
    assert.deepEqual(classifyUsageType("SpotUsage:m5.large"), { purchase: "spot", instanceType: "m5.large", region: "us-east-1" });
    assert.deepEqual(classifyUsageType("EUW1-BoxUsage:t3.micro"), { purchase: "on-demand", instanceType: "t3.micro", region: "eu-west-1" });
    assert.equal(classifyUsageType("USE1-SpotUsage-Fargate-vCPU-Hours:perCPU").purchase, "spot");
    assert.equal(classifyUsageType("USE1-Fargate-GB-Hours").purchase, "on-demand");
    assert.equal(classifyUsageType("USE1-EBS:VolumeUsage.gp3").purchase, "other");
  });
});

describe("recommendations from findings, breakers and failsafe history", () => {
  beforeEach(answerFromFixture);

  it("names the waste, the open breaker and the failsafe actions; skips malformed records", async () => {
    const r = buildReport(await fetch(5), { stack: "prod", reportDate: FIXTURE_REPORT_DATE, now: FIXTURE_NOW, priceBook: fixturePriceBook, monthlyBudgetUsd: 90 });
    const history = await readHistory(
      { findings: async () => FIXTURE_HISTORY.findings, breakers: async () => FIXTURE_HISTORY.breakers, audit: async () => FIXTURE_HISTORY.audit },
      "2026-11-16T09:00:00.000Z",
    );
    assert.equal(history.skipped, 1, "the finding without resourceId and a numeric cost");
    assert.equal(history.findings!.length, 3, "open findings only");
    const text = recommend(r, history).map((x) => `${x.severity}: ${x.text}`).join("\n");
    assert.match(text, /warning: The month is forecast at \$95\.28, over the \$90\.00 budget/);
    assert.match(text, /waste worth \$13\.65\/month/); // 8 + 3.65 + 2 (resolved one excluded)
    assert.match(text, /vol-0a1b2c3d \(dev\): \$8\.00\/month/);
    assert.match(text, /c5\.xlarge in us-west-2a \(open\)/);
    assert.doesNotMatch(text, /m5\.large in/);
    assert.match(text, /failsafe acted 2 time\(s\) in the last 7 days \(dev: 2\)/);
    assert.match(text, /would have acted 1 time\(s\)/);
    assert.match(text, /1 record\(s\) .* unreadable/);
  });

  it("recommends nothing on a quiet account without tables", async () => {
    const r = buildReport(await fetch(5), { stack: "prod", reportDate: FIXTURE_REPORT_DATE, now: FIXTURE_NOW, priceBook: fixturePriceBook });
    assert.deepEqual(recommend(r, await readHistory({}, "2026-11-16T00:00:00Z")), []);
  });
});
