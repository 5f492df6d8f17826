import assert from "node:assert/strict";
import * as fs from "node:fs";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { GuardEvent } from "../../runtime/contract";
import { reportKeys } from "../../runtime/report/store";
import { runDailyReport } from "../../runtime/report/run";
import { memoryLog } from "../../runtime/shared/observability";
import { FIXTURE_HISTORY, FIXTURE_NOW, fixturePriceBook } from "./fixtures/costExplorer";
import { fixtureCostExplorer } from "./fixtures/report";

const S3rver = require("s3rver");
const BUCKET = "costguard-reports";
const sns = mockClient(SNSClient);

describe("report storage and summary (s3rver)", () => {
  let server: { run(): Promise<AddressInfo>; close(): Promise<void> };
  let s3: S3Client;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "s3rver-report-"));
    server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
    const { port } = await server.run();
    s3 = new S3Client({
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keys follow reports/cost/YYYY/MM/DD", () => {
    assert.deepEqual(reportKeys("2026-03-07"), { markdown: "reports/cost/2026/03/07.md", html: "reports/cost/2026/03/07.html" });
  });

  it("a run stores both renderings, publishes a summary and emits the daily cost", async () => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const emitted: number[] = [];
    const log = memoryLog();
    const result = await runDailyReport(
      { stack: "prod", bucket: BUCKET, alertTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts", maxCostExplorerRequests: 5, monthlyBudgetUsd: 90 },
      {
        ce: fixtureCostExplorer(),
        s3,
        sns: new SNSClient({ region: "us-east-1" }),
        readers: { findings: async () => FIXTURE_HISTORY.findings },
        priceBook: fixturePriceBook,
        log,
        emitDailyCost: (v) => emitted.push(v),
        now: () => FIXTURE_NOW,
      },
    );
    assert.equal(result.date, "2026-11-22");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "reports/cost/" }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key).sort(), ["reports/cost/2026/11/22.html", "reports/cost/2026/11/22.md"]);
    const html = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "reports/cost/2026/11/22.html" }));
    assert.match(html.ContentType ?? "", /^text\/html/);
    assert.match(await html.Body!.transformToString(), /\$68\.28/);
    const md = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "reports/cost/2026/11/22.md" }))).Body!.transformToString();
    assert.match(md, /Clean up waste worth \$13\.65\/month/);

    assert.deepEqual(emitted, [4.14]);
    const published = sns.commandCalls(PublishCommand);
    assert.equal(published.length, 1);
    const event = GuardEvent.parse(JSON.parse(published[0]!.args[0].input.Message!));
    assert.equal(event.kind, "report");
    assert.equal(event.severity, "warning", "the forecast is over the budget");
    assert.equal(event.title, "Daily cost 2026-11-22: $4.14");
    assert.equal(event.fields["Month to date"], "$68.28");
    assert.ok(event.lines.some((l) => l.includes("s3://costguard-reports/reports/cost/2026/11/22.html")));
  });

  it("report-now for an earlier day writes that day's keys; today is refused", async () => {
    sns.reset();
    const deps = { ce: fixtureCostExplorer(), s3, readers: {}, log: memoryLog(), now: () => FIXTURE_NOW };
    const settings = { stack: "prod", bucket: BUCKET, maxCostExplorerRequests: 2 };
    const earlier = await runDailyReport(settings, deps, "2026-11-20");
    assert.deepEqual(earlier.keys, { markdown: "reports/cost/2026/11/20.md", html: "reports/cost/2026/11/20.html" });
    await assert.rejects(runDailyReport(settings, deps, "2026-11-23"), /needs a day before today/);
  });
});
