/**
 * The dashboard's breakdown by account and region (organisation mode or regions configured):
 * Logs Insights widgets over the functions' per-unit log lines, no metric per account.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildDashboardBody, FAILSAFE_UNIT_QUERY, type DashboardInput } from "../../components/dashboard";

const base: DashboardInput = {
  stack: "prod",
  region: "eu-west-1",
  watchedQueues: [],
  deadLetterQueues: [],
  guardFunctions: ["costguard-failsafe"],
  spotLogGroups: [],
  environments: [{ name: "prod", maxHourlyUsd: 2 }],
  monthlyBudgetUsd: 500,
  thresholds: { oldestMessageAgeSeconds: 300, deadLetterMessages: 10 },
};
const byUnit = { failsafeLogGroups: ["/aws/lambda/costguard-prod-failsafe"], wasteLogGroups: ["/aws/lambda/costguard-prod-waste"], enforcerLogGroups: ["/aws/lambda/costguard-prod-enforcer"] };

describe("dashboard by account and region", () => {
  it("without a scope, the dashboard is as it was: three rows, no per-unit widget", () => {
    const body = buildDashboardBody(base);
    assert.equal(body.widgets.length, 12);
    assert.ok(!JSON.stringify(body).includes("unit burn"));
  });

  it("with one, a fourth row: burn by account, region and environment; waste by account and region; units not read", () => {
    const body = buildDashboardBody({ ...base, byUnit });
    assert.equal(body.widgets.length, 15);
    const row = body.widgets.filter((w) => w.y === Math.max(...body.widgets.map((x) => x.y)));
    assert.equal(row.length, 3);
    assert.ok(row.every((w) => w.type === "log" && w.width === 8 && w.properties.region === "eu-west-1"));
    const [burn, waste, failed] = row.map((w) => (w.type === "log" ? w.properties : undefined)!);
    assert.match(burn!.title, /Burn rate by account, region and environment/);
    assert.equal(burn!.query, `SOURCE '/aws/lambda/costguard-prod-failsafe' | ${FAILSAFE_UNIT_QUERY}`);
    // The failsafe's per-unit line: message "unit burn" with account, region, environment, usdPerHour.
    assert.match(burn!.query, /filter message = "unit burn"/);
    assert.match(burn!.query, /stats latest\(usdPerHour\) as usdPerHour by account, region, environment/);
    assert.match(waste!.query, /^SOURCE '\/aws\/lambda\/costguard-prod-waste' \| .*filter message = "unit waste".* by account, region/);
    assert.match(failed!.query, /^SOURCE '\/aws\/lambda\/costguard-prod-waste' \| SOURCE '\/aws\/lambda\/costguard-prod-enforcer' \| /);
    assert.match(failed!.query, /could not (\(scan\|check\)|scan|check)/);
  });

  it("a capability not deployed is a text widget saying so, not a query over nothing", () => {
    const body = buildDashboardBody({ ...base, byUnit: { failsafeLogGroups: [], wasteLogGroups: [], enforcerLogGroups: [] } });
    const last = body.widgets.slice(-3);
    assert.ok(last.every((w) => w.type === "text"));
    assert.match(JSON.stringify(last[0]), /failsafe is not deployed/);
  });
});
