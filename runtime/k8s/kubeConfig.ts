/**
 * A KubeConfig for @kubernetes/client-node built from what EKS DescribeCluster returns (the
 * endpoint and the base64 CA bundle, passed in as settings at deploy time) and a TokenSource.
 * The token is applied per request by a custom authenticator, so a long rebalance keeps
 * working after the first token would have expired.
 */
import type * as https from "node:https";
import { KubeConfig, type User } from "@kubernetes/client-node";
import type { TokenSource } from "./eksToken";

/** client-node accepts custom authenticators but does not export their interface. */
type Authenticator = Parameters<KubeConfig["addAuthenticator"]>[0];

const AUTH_PROVIDER = "costguard-eks-token";

class TokenAuthenticator implements Authenticator {
  constructor(private readonly source: TokenSource) {}

  isAuthProvider(user: User): boolean {
    return user.authProvider?.name === AUTH_PROVIDER;
  }

  async applyAuthentication(_user: User, opts: https.RequestOptions): Promise<void> {
    opts.headers = { ...(opts.headers ?? {}), Authorization: `Bearer ${await this.source.token()}` };
  }
}

export interface ClusterAccess {
  clusterName: string;
  /** API server URL (https://... from DescribeCluster; http://127.0.0.1:port in tests). */
  endpoint: string;
  /** Base64 PEM bundle of the cluster CA (DescribeCluster certificateAuthority.data). */
  certificateAuthority?: string;
  tokens: TokenSource;
}

export function clusterKubeConfig(access: ClusterAccess): KubeConfig {
  // client-node refuses plain http unless TLS checks are off; allow that for loopback test
  // servers only. EKS endpoints are always https and are verified against the cluster CA.
  const loopback = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/.test(access.endpoint);
  if (access.endpoint.startsWith("http://") && !loopback) throw new Error(`cluster endpoint must be https:// (got ${access.endpoint})`);
  const kc = new KubeConfig();
  kc.addAuthenticator(new TokenAuthenticator(access.tokens));
  kc.loadFromOptions({
    clusters: [{ name: access.clusterName, server: access.endpoint, caData: access.certificateAuthority, skipTLSVerify: loopback }],
    users: [{ name: "costguard", authProvider: { name: AUTH_PROVIDER, config: {} } }],
    contexts: [{ name: access.clusterName, cluster: access.clusterName, user: "costguard" }],
    currentContext: access.clusterName,
  });
  return kc;
}
