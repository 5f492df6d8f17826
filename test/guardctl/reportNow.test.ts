import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { reportNowCommand } from "../../tools/guardctl/report";

describe("guardctl report-now", () => {
  it("builds the AdminCommand payload, with or without a date", () => {
    assert.deepEqual(reportNowCommand.payload([]), { command: "report-now" });
    assert.deepEqual(reportNowCommand.payload(["2026-11-20"]), { command: "report-now", date: "2026-11-20" });
    assert.throws(() => reportNowCommand.payload(["20/11/2026"]), /must be YYYY-MM-DD/);
    assert.throws(() => reportNowCommand.payload(["2026-11-20", "x"]), /at most one date/);
    // The same check the function makes, said in one line (not a dump of the validation issues).
    assert.throws(() => reportNowCommand.payload(["2026-13-45"]), { message: 'report-now: date must be a real calendar date (got "2026-13-45")' });
    assert.equal(reportNowCommand.output, "costReportFunction");
  });

  it("renders the handler's answer", () => {
    const text = reportNowCommand.render({
      ok: true,
      date: "2026-11-22",
      bucket: "b",
      keys: { markdown: "reports/cost/2026/11/22.md", html: "reports/cost/2026/11/22.html" },
      yesterdayUsd: 4.14,
      monthToDateUsd: 68.28,
      forecastUsd: 95.28,
      requestsUsed: 3,
    });
    assert.match(text, /Cost report for 2026-11-22/);
    assert.match(text, /month to date {2}\$68\.28/);
    assert.match(text, /s3:\/\/b\/reports\/cost\/2026\/11\/22\.html/);
    assert.equal(reportNowCommand.render({ ok: false, error: "boom" }), "report-now failed: boom");
  });
});
