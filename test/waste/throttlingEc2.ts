/**
 * An EC2 region that throttles: a real EC2Client (its retry middleware runs, unlike behind
 * aws-sdk-client-mock, which replaces `send`) over a request handler that answers EC2's query
 * protocol. The first `throttleFirst` requests get EC2's RequestLimitExceeded (HTTP 503); the
 * rest get the region's volumes, and empty lists for the other describe calls.
 */
import { Readable } from "node:stream";
import { EC2Client } from "@aws-sdk/client-ec2";
import { HttpResponse, type HttpRequest } from "@smithy/protocol-http";

export interface ThrottlingEc2 {
  client: EC2Client;
  /** Requests answered with RequestLimitExceeded so far. */
  throttled: number;
  requests: number;
}

const xml = (status: number, body: string) => ({ response: new HttpResponse({ statusCode: status, headers: { "content-type": "text/xml" }, body: Readable.from([Buffer.from(body)]) }) });

export function throttlingEc2(region: string, opts: { throttleFirst: number; volumes: { id: string; type: string; size: number }[] }): ThrottlingEc2 {
  const state: ThrottlingEc2 = { client: undefined as unknown as EC2Client, throttled: 0, requests: 0 };
  const handle = async (req: HttpRequest) => {
    state.requests++;
    const action = /Action=(\w+)/.exec(String(req.body))?.[1] ?? "Unknown";
    if (state.throttled < opts.throttleFirst) {
      state.throttled++;
      return xml(503, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r${state.requests}</RequestID></Response>`);
    }
    const ns = `xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"`;
    if (action === "DescribeVolumes") {
      const items = opts.volumes.map((v) => `<item><volumeId>${v.id}</volumeId><size>${v.size}</size><status>in-use</status><volumeType>${v.type}</volumeType><createTime>2026-01-01T00:00:00.000Z</createTime><attachmentSet><item><instanceId>i-busy</instanceId><status>attached</status></item></attachmentSet><tagSet/></item>`);
      return xml(200, `<DescribeVolumesResponse ${ns}><requestId>r</requestId><volumeSet>${items.join("")}</volumeSet></DescribeVolumesResponse>`);
    }
    return xml(200, `<${action}Response ${ns}><requestId>r</requestId></${action}Response>`);
  };
  // Three attempts: enough to show a retry, few enough to show giving up within a test's time.
  state.client = new EC2Client({ region, credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 3, retryMode: "standard", requestHandler: { handle } as never });
  return state;
}
