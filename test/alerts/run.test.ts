/**
 * The Slack notifier against a real loopback HTTP server standing in for the webhook.
 */
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import type { SNSEvent } from "aws-lambda";
import { notifySlack } from "../../runtime/alerts/run";
import { WebhookError } from "../../runtime/alerts/actions";
import { memoryLog } from "../../runtime/shared/observability";

type Reply = { status: number; headers?: Record<string, string>; body?: string };
let server: http.Server;
let url: string;
let script: Reply[] = [];
let received: { body: unknown; contentType?: string }[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      received.push({ body: JSON.parse(data), contentType: req.headers["content-type"] });
      const reply = script.shift() ?? { status: 200, body: "ok" };
      res.writeHead(reply.status, reply.headers).end(reply.body ?? "");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
});
after(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  script = [];
  received = [];
});

function snsEvent(...messages: { subject?: string; message: string }[]): SNSEvent {
  return {
    Records: messages.map((m, i) => ({
      EventSource: "aws:sns",
      EventVersion: "1.0",
      EventSubscriptionArn: "arn:aws:sns:us-east-1:123456789012:alerts:sub",
      Sns: { MessageId: `m-${i}`, Subject: m.subject ?? null, Message: m.message, Type: "Notification", TopicArn: "arn:aws:sns:us-east-1:123456789012:alerts", Timestamp: "2026-11-23T10:00:00Z", SignatureVersion: "1", Signature: "", SigningCertUrl: "", UnsubscribeUrl: "", MessageAttributes: {} },
    })),
  } as unknown as SNSEvent;
}

const noSleep = { sleep: async () => {}, baseDelayMs: 1 };
const deps = (log = memoryLog()) => ({ webhookUrl: async () => url, post: noSleep, log });
const texts = () => received.map((r) => JSON.stringify(r.body));

const alarm = JSON.stringify({ AlarmName: "costguard-dev-burn-rate-dev", NewStateValue: "ALARM", OldStateValue: "OK", NewStateReason: "Threshold Crossed: 1 datapoint [9.2] was greater than the threshold (8.0).", Region: "US East (N. Virginia)" });
const guardEvent = JSON.stringify({ source: "costguard", kind: "failsafe", severity: "critical", stack: "dev", title: "dev stopped: burn rate $9.20/h over $8.00/h", lines: ["3 instances stopped", "1 ASG scaled to 0"], fields: { "dev burn rate": "$9.20/h" } });
const anomaly = JSON.stringify({ anomalyId: "a-1", impact: { totalImpact: 123.456 }, dimensionValue: "Amazon EC2", rootCauses: [{ service: "Amazon Elastic Compute Cloud - Compute", region: "us-east-1", usageType: "BoxUsage:m5.4xlarge" }] });
const budget = "AWS Budget Notification November 23, 2026\nAWS Account 123456789012\n\nDear AWS Customer,\n\nYou requested that we alert you when the ACTUAL Cost associated with your costguard-dev budget is greater than $0.80 for the current month.";

describe("Slack notifier", () => {
  it("renders alarms, costguard events, anomalies and budget notices and posts each as JSON", async () => {
    const result = await notifySlack(
      snsEvent({ subject: "ALARM: costguard-dev-burn-rate-dev", message: alarm }, { message: guardEvent }, { message: anomaly }, { subject: "AWS Budgets: costguard-dev has exceeded your alert threshold", message: budget }),
      deps(),
    );
    assert.deepEqual(result.kinds, ["alarm", "costguard", "anomaly", "budget"]);
    assert.equal(received.length, 4);
    assert.ok(received.every((r) => r.contentType === "application/json"));
    const [a, g, an, b] = texts();
    assert.match(a!, /costguard-dev-burn-rate-dev is ALARM/);
    assert.match(a!, /greater than the threshold \(8\.0\)/);
    assert.match(g!, /\[dev\] dev stopped: burn rate \$9\.20\/h over \$8\.00\/h/);
    assert.match(g!, /3 instances stopped/);
    assert.match(an!, /Cost anomaly: \$123\.46 unexpected spend/);
    assert.match(an!, /BoxUsage:m5\.4xlarge/);
    assert.match(b!, /costguard-dev has exceeded your alert threshold/);
    assert.match(b!, /greater than \$0\.80/);
  });

  it("retries a 429 (honouring Retry-After) and then succeeds", async () => {
    script = [{ status: 429, headers: { "retry-after": "1" }, body: "rate_limited" }, { status: 200, body: "ok" }];
    const log = memoryLog();
    const waits: number[] = [];
    const result = await notifySlack(snsEvent({ message: guardEvent }), { webhookUrl: async () => url, post: { sleep: async (ms) => void waits.push(ms) }, log });
    assert.equal(result.posted, 1);
    assert.equal(received.length, 2, "the same message was posted twice");
    assert.deepEqual(received[0]!.body, received[1]!.body);
    assert.deepEqual(waits, [1000], "waited what Retry-After asked");
    assert.ok(log.lines.some((l) => l.message === "retrying Slack post"));
  });

  it("gives up on a webhook that answers 500 forever, throwing so Lambda dead-letters the message", async () => {
    script = Array.from({ length: 10 }, () => ({ status: 500, body: "internal_error" }));
    await assert.rejects(notifySlack(snsEvent({ message: guardEvent }), deps()), (err: unknown) => {
      assert.ok(err instanceof WebhookError);
      assert.match(err.message, /gave up after 5 attempts: Slack webhook http:\/\/127\.0\.0\.1:\d+\/… answered 500: internal_error/);
      return true;
    });
    assert.equal(received.length, 5);
  });

  it("does not retry a revoked webhook (404) and says so", async () => {
    script = [{ status: 404, body: "no_service" }];
    await assert.rejects(notifySlack(snsEvent({ message: guardEvent }), deps()), /answered 404: no_service/);
    assert.equal(received.length, 1);
  });

  it("reports a malformed costguard event with its problems and raw text instead of dropping it", async () => {
    const bad = JSON.stringify({ source: "costguard", kind: "failsafe", severity: "apocalyptic", title: "" });
    const log = memoryLog();
    const result = await notifySlack(snsEvent({ message: bad }), deps(log));
    assert.deepEqual(result.kinds, ["malformed"]);
    const [text] = texts();
    assert.match(text!, /malformed event/);
    assert.match(text!, /severity/);
    assert.match(text!, /apocalyptic/, "the raw message is included");
    assert.ok(log.lines.some((l) => l.level === "warn" && /malformed/.test(l.message)));
  });

  it("posts an unrecognised plain-text message verbatim", async () => {
    const result = await notifySlack(snsEvent({ subject: "hello", message: "something <odd> happened" }), deps());
    assert.deepEqual(result.kinds, ["unrecognised"]);
    assert.match(texts()[0]!, /something <odd> happened/);
  });

  it("never writes the webhook URL's secret path in a log line or its error, only the host", async () => {
    // An unreachable webhook (nothing listens on port 9, and port 99999 does not parse) fails
    // every attempt: the 4 retry warnings and the final error must not carry the secret path.
    for (const bad of ["https://127.0.0.1:9/services/T0SECRET/B0SECRET/s3cr3tW3bh00k", "https://hooks.slack.com:99999/services/T0SECRET/B0SECRET/s3cr3tW3bh00k"]) {
      const log = memoryLog();
      let thrown: unknown;
      await notifySlack(snsEvent({ message: guardEvent }), { webhookUrl: async () => bad, post: { ...noSleep, timeoutMs: 2000 }, log }).catch((e: unknown) => (thrown = e));
      assert.ok(thrown instanceof WebhookError, String(thrown));
      const retries = log.lines.filter((l) => l.level === "warn" && /retrying/.test(l.message));
      assert.equal(retries.length, 4);
      const written = JSON.stringify(log.lines) + (thrown as Error).message + ((thrown as Error).stack ?? "");
      assert.ok(!/s3cr3tW3bh00k|T0SECRET|B0SECRET/.test(written), `the secret path leaked: ${written}`);
      assert.match(written, /127\.0\.0\.1|hooks\.slack\.com/, "the host is named, so the operator knows which webhook failed");
    }
  });

  it("posts nothing and does not fail when the webhook parameter is not set", async () => {
    const log = memoryLog();
    const result = await notifySlack(snsEvent({ message: guardEvent }), { webhookUrl: async () => undefined, log });
    assert.equal(result.skipped, 1);
    assert.equal(received.length, 0);
    assert.ok(log.lines.some((l) => /not set/.test(l.message)));
  });
});
