/**
 * EKS bearer tokens, the way `aws eks get-token` and aws-iam-authenticator make them: a
 * presigned STS GetCallerIdentity URL whose signature covers the header
 * `x-k8s-aws-id: <cluster>`, base64url-encoded without padding and prefixed `k8s-aws-v1.`.
 * EKS calls STS with that URL to learn who is calling, then maps the role through its
 * access entries. No AWS call is made here: signing is local.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

export const EKS_TOKEN_PREFIX = "k8s-aws-v1.";
/** The presigned URL's X-Amz-Expires, as the EKS scheme sets it. */
export const PRESIGN_EXPIRY_SECONDS = 60;
/**
 * EKS accepts a token for 15 minutes after it was signed (kubectl's exec plugin reuses it for
 * 14); reusing it for 10 keeps a margin for clock skew and long calls.
 */
export const TOKEN_REUSE_MS = 10 * 60 * 1000;

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type CredentialSource = AwsCredentials | (() => Promise<AwsCredentials>);

export interface EksTokenRequest {
  clusterName: string;
  /** Region of the cluster; the regional STS endpoint is signed. */
  region: string;
  credentials: CredentialSource;
  /** Signing time (tests pass a fixed clock). */
  now?: Date;
}

/** The presigned GetCallerIdentity URL the token wraps. */
export async function presignedCallerIdentityUrl(req: EksTokenRequest): Promise<string> {
  const hostname = `sts.${req.region}.amazonaws.com`;
  const signer = new SignatureV4({
    service: "sts",
    region: req.region,
    credentials: typeof req.credentials === "function" ? req.credentials : async () => req.credentials as AwsCredentials,
    sha256: Sha256,
  });
  const request = new HttpRequest({
    method: "GET",
    protocol: "https:",
    hostname,
    path: "/",
    query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
    headers: { host: hostname, "x-k8s-aws-id": req.clusterName },
  });
  const signed = await signer.presign(request, { expiresIn: PRESIGN_EXPIRY_SECONDS, signingDate: req.now ?? new Date() });
  const query = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as const) : v === null ? [] : [[k, v] as const]))
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  return `https://${hostname}/?${query}`;
}

/** `k8s-aws-v1.` + base64url(presigned URL) without padding. */
export async function eksBearerToken(req: EksTokenRequest): Promise<string> {
  const url = await presignedCallerIdentityUrl(req);
  return EKS_TOKEN_PREFIX + Buffer.from(url, "utf8").toString("base64url").replace(/=+$/, "");
}

/** Decodes a token back to its URL (tests and debugging). */
export function urlOfEksToken(token: string): string {
  if (!token.startsWith(EKS_TOKEN_PREFIX)) throw new Error(`not an EKS token: it must start with ${EKS_TOKEN_PREFIX}`);
  return Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), "base64url").toString("utf8");
}

/** Something that yields a valid bearer token whenever asked. */
export interface TokenSource {
  token(): Promise<string>;
}

/** Signs a fresh token when the cached one is older than TOKEN_REUSE_MS. */
export class EksTokenSource implements TokenSource {
  private cached?: { token: string; signedAt: number };

  constructor(
    private readonly params: Omit<EksTokenRequest, "now">,
    private readonly clock: () => number = Date.now,
  ) {}

  async token(): Promise<string> {
    const now = this.clock();
    if (this.cached && now - this.cached.signedAt < TOKEN_REUSE_MS) return this.cached.token;
    const token = await eksBearerToken({ ...this.params, now: new Date(now) });
    this.cached = { token, signedAt: now };
    return token;
  }
}
