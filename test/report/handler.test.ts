import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CostExplorerClient, GetCostAndUsageCommand, GetCostForecastCommand } from "@aws-sdk/client-cost-explorer";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { ENV } from "../../runtime/contract";

const ce = mockClient(CostExplorerClient);
const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);

describe("costReport handler", () => {
  let handler: (event: unknown) => Promise<{ ok: boolean } & Record<string, unknown>>;
  before(() => {
    Object.assign(process.env, {
      [ENV.stack]: "dev",
      [ENV.reportBucket]: "reports-bucket",
      [ENV.alertTopicArn]: "arn:aws:sns:us-east-1:123456789012:alerts",
      [ENV.settings]: JSON.stringify({ maxCostExplorerRequests: 1, monthlyBudgetUsd: 1 }),
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    });
    // Loaded after the env is set, as Lambda would.
    ({ handler } = require("../../runtime/handlers/costReport") as typeof import("../../runtime/handlers/costReport"));
  });

  function reset() {
    ce.reset();
    s3.reset();
    sns.reset();
    ce.on(GetCostAndUsageCommand).resolves({ ResultsByTime: [] });
    s3.on(PutObjectCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: "1" });
  }

  it("report-now with a date writes that day's report with one Cost Explorer request (the dev budget)", async () => {
    reset();
    const out = await handler({ command: "report-now", date: "2026-01-15" });
    assert.equal(out.ok, true);
    assert.equal(out.date, "2026-01-15");
    assert.deepEqual(out.keys, { markdown: "reports/cost/2026/01/15.md", html: "reports/cost/2026/01/15.html" });
    assert.equal(ce.commandCalls(GetCostAndUsageCommand).length + ce.commandCalls(GetCostForecastCommand).length, 1);
    assert.deepEqual(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key).sort(), ["reports/cost/2026/01/15.html", "reports/cost/2026/01/15.md"]);
    assert.equal(sns.commandCalls(PublishCommand).length, 1);
  });

  it("a scheduled run reports on yesterday", async () => {
    reset();
    const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    // Taken on both sides of the run, so a run across midnight UTC still has one right answer.
    const before = yesterday();
    const out = await handler({ source: "aws.events", "detail-type": "Scheduled Event", detail: {} });
    assert.ok([before, yesterday()].includes(String(out.date)), `reported on ${out.date}, expected ${before}`);
  });

  it("refuses anything that is neither its schedule nor report-now, before any paid Cost Explorer request", async () => {
    reset();
    const refusals: [unknown, RegExp][] = [
      [null, /expected a JSON object/],
      ["hello", /expected a JSON object/],
      [42, /expected a JSON object/],
      [undefined, /expected a JSON object/],
      [[{ command: "report-now" }], /expected a JSON object/],
      [{}, /not a scheduled event or a report-now command/],
      [{ Command: "report-now" }, /did you mean "command"/],
      [{ source: "aws.ec2", "detail-type": "EC2 Spot Instance Interruption Warning", detail: {} }, /not a scheduled event or a report-now command/],
      [{ command: "report-now", date: "2026-13-45" }, /date: must be a real calendar date/],
      [{ command: "report-now", date: "2026-02-30" }, /date: must be a real calendar date/],
      [{ command: "report-now", Date: "2026-01-15" }, /Date/],
      [{ command: "report-now", date: "2999-01-01" }, /a day before today/],
    ];
    for (const [event, error] of refusals) {
      const out = await handler(event);
      assert.equal(out.ok, false, `${JSON.stringify(event)} was acted on`);
      assert.match(String(out.error), error, JSON.stringify(event));
    }
    assert.equal(ce.calls().length + s3.calls().length + sns.calls().length, 0, "no AWS call for a refused event");
  });

  it("answers a malformed or foreign command without touching AWS", async () => {
    reset();
    assert.equal((await handler({ command: "report-now", date: "15/01/2026" })).ok, false);
    const other = await handler({ command: "status" });
    assert.equal(other.ok, false);
    assert.match(String(other.error), /serves only report-now/);
    assert.equal(ce.calls().length + s3.calls().length, 0);
  });
});
