/**
 * The notifier exactly as Lambda runs it: the esbuild bundle GuardFunction deploys, loaded
 * from a temp file, reading its webhook URL from "SSM" (a loopback server speaking the SSM
 * JSON protocol, reached through AWS_ENDPOINT_URL_SSM) and posting to a loopback "Slack".
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { bundleHandler } from "../../components/guardFunction";

let server: http.Server;
let base: string;
const ssmCalls: { target?: string; body: { Name: string; WithDecryption: boolean } }[] = [];
const slackPosts: unknown[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      if (req.url?.startsWith("/slack")) {
        slackPosts.push(JSON.parse(data));
        res.writeHead(200).end("ok");
        return;
      }
      const body = JSON.parse(data);
      ssmCalls.push({ target: req.headers["x-amz-target"] as string, body });
      if (body.Name !== "/costguard/dev/slack-webhook-url") {
        res.writeHead(400, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify({ __type: "ParameterNotFound", message: "not found" }));
        return;
      }
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify({ Parameter: { Name: body.Name, Type: "SecureString", Value: `${base}/slack/T/B/X` } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

describe("bundled notifySlack handler", () => {
  it("reads the webhook from SSM once (cached) and posts every message", async () => {
    const code = bundleHandler("notifySlack");
    assert.ok(!/require\("@aws-sdk\/client-/.test(code), "the AWS SDK clients are bundled, not required from the runtime");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "costguard-")), "index.js");
    fs.writeFileSync(file, code);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SSM: base,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      COSTGUARD_SLACK_WEBHOOK_PARAMETER: "/costguard/dev/slack-webhook-url",
      POWERTOOLS_DEV: "false",
    });
    const mod = require(file) as { handler: (e: unknown) => Promise<{ posted: number }> };
    const event = (title: string) => ({ Records: [{ Sns: { MessageId: "1", Subject: null, Message: JSON.stringify({ source: "costguard", kind: "test", severity: "info", stack: "dev", title }) } }] });
    assert.equal((await mod.handler(event("first"))).posted, 1);
    assert.equal((await mod.handler(event("second"))).posted, 1);
    assert.equal(ssmCalls.length, 1, "the parameter is cached between invocations");
    assert.equal(ssmCalls[0]!.target, "AmazonSSM.GetParameter");
    assert.equal(ssmCalls[0]!.body.WithDecryption, true);
    assert.equal(slackPosts.length, 2);
    assert.match(JSON.stringify(slackPosts[1]), /second/);
  });
});
