/**
 * The notifier's Lambda entry point accepts SNS deliveries only: anything else is refused
 * before it reads the webhook URL from SSM or posts anything to Slack.
 */
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";

describe("notifySlack handler: accepted events", () => {
  const ssm = mockClient(SSMClient);
  const posts: string[] = [];
  let server: http.Server;
  let handler: (event: unknown) => Promise<{ ok?: boolean; error?: string; posted?: number }>;

  before(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        posts.push(body);
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack`;
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: "/costguard/dev/slack", Type: "SecureString", Value: url } });
    Object.assign(process.env, { COSTGUARD_SLACK_WEBHOOK_PARAMETER: "/costguard/dev/slack", AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", POWERTOOLS_LOG_LEVEL: "SILENT" });
    ({ handler } = require("../../runtime/handlers/notifySlack") as { handler: typeof handler });
  });
  after(async () => {
    ssm.restore();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("refuses anything that is not an SNS delivery, without reading SSM or posting", async () => {
    const notSns: unknown[] = [
      undefined,
      null,
      "hello",
      42,
      [],
      {},
      { Records: "x" },
      { Records: [] },
      { Records: [{ foo: 1 }] },
      { Records: [{ EventSource: "aws:sqs", body: "{}" }] },
      { Records: [{ Sns: { Message: 42 } }] },
      { source: "aws.events", "detail-type": "Scheduled Event", detail: {} },
    ];
    for (const event of notSns) {
      const out = await handler(event);
      assert.equal(out.ok, false, `acted on ${JSON.stringify(event)}`);
      assert.match(String(out.error), /expected an SNS event/);
    }
    assert.equal(ssm.commandCalls(GetParameterCommand).length, 0, "the webhook URL was not even read");
    assert.deepEqual(posts, []);
  });

  it("posts an SNS delivery, even one whose message is not costguard's (nothing on the topic is dropped)", async () => {
    const out = await handler({ Records: [{ EventSource: "aws:sns", Sns: { MessageId: "1", Subject: null, Message: "a plain text budget alert" } }] });
    assert.equal(out.posted, 1);
    assert.equal(posts.length, 1);
    assert.match(posts[0]!, /a plain text budget alert/);
  });
});
