import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { EksTokenSource, eksBearerToken, urlOfEksToken } from "../../runtime/nodeOptimizer/eksToken";

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "session/token+x" };
const now = new Date("2026-03-04T05:06:07Z");

/** SigV4 computed here from the spec, independently of @smithy/signature-v4. */
function expectedSignature(url: URL, clusterName: string, region: string): string {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== "X-Amz-Signature");
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalQuery = params
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalRequest = ["GET", "/", canonicalQuery, `host:${url.host}`, `x-k8s-aws-id:${clusterName}`, "", "host;x-k8s-aws-id", createHash("sha256").update("").digest("hex")].join("\n");
  const date = url.searchParams.get("X-Amz-Date")!;
  const scope = `${date.slice(0, 8)}/${region}/sts/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", date, scope, createHash("sha256").update(canonicalRequest).digest("hex")].join("\n");
  let key: Buffer = createHmac("sha256", `AWS4${credentials.secretAccessKey}`).update(date.slice(0, 8)).digest();
  for (const part of [region, "sts", "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  return createHmac("sha256", key).update(toSign).digest("hex");
}

describe("EKS bearer token", () => {
  it("wraps a presigned STS GetCallerIdentity URL for the cluster, valid 60 s, signed over x-k8s-aws-id", async () => {
    const token = await eksBearerToken({ clusterName: "shop-prod", region: "eu-west-1", credentials, now });
    assert.match(token, /^k8s-aws-v1\.[A-Za-z0-9_-]+$/, "base64url without padding");
    const url = new URL(urlOfEksToken(token));
    assert.equal(url.protocol, "https:");
    assert.equal(url.host, "sts.eu-west-1.amazonaws.com");
    assert.equal(url.pathname, "/");
    assert.equal(url.searchParams.get("Action"), "GetCallerIdentity");
    assert.equal(url.searchParams.get("Version"), "2011-06-15");
    assert.equal(url.searchParams.get("X-Amz-Expires"), "60");
    assert.equal(url.searchParams.get("X-Amz-Date"), "20260304T050607Z");
    assert.equal(url.searchParams.get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
    assert.equal(url.searchParams.get("X-Amz-Credential"), "AKIDEXAMPLE/20260304/eu-west-1/sts/aws4_request");
    assert.equal(url.searchParams.get("X-Amz-SignedHeaders"), "host;x-k8s-aws-id");
    assert.equal(url.searchParams.get("X-Amz-Security-Token"), credentials.sessionToken);
    assert.equal(url.searchParams.get("X-Amz-Signature"), expectedSignature(url, "shop-prod", "eu-west-1"));
  });

  it("signs for the cluster it names: another cluster gives another signature", async () => {
    const a = new URL(urlOfEksToken(await eksBearerToken({ clusterName: "a", region: "us-east-1", credentials, now })));
    const b = new URL(urlOfEksToken(await eksBearerToken({ clusterName: "b", region: "us-east-1", credentials, now })));
    assert.notEqual(a.searchParams.get("X-Amz-Signature"), b.searchParams.get("X-Amz-Signature"));
    assert.equal(a.searchParams.get("X-Amz-Signature"), expectedSignature(a, "a", "us-east-1"));
  });

  it("reuses a token for 10 minutes, then signs a fresh one", async () => {
    let t = now.getTime();
    let asked = 0;
    const source = new EksTokenSource({ clusterName: "c", region: "us-east-1", credentials: async () => (asked++, credentials) }, () => t);
    const first = await source.token();
    t += 9 * 60_000;
    assert.equal(await source.token(), first);
    t += 2 * 60_000;
    const second = await source.token();
    assert.notEqual(second, first);
    assert.equal(new URL(urlOfEksToken(second)).searchParams.get("X-Amz-Date"), "20260304T051707Z");
    assert.equal(asked, 2);
  });
});
