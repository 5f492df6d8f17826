/**
 * Lambda entry point of the Kubernetes node optimizer: drains the node of an interrupted
 * instance, and on schedule rebalances on-demand nodes to spot (runtime/nodeOptimizer/run.ts).
 * Anything else is refused before any AWS or Kubernetes call, before the clients are built.
 */
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import * as z from "../shared/zod";
import { ENV } from "../contract";
import { SdkAsgGateway } from "../nodeOptimizer/asgGateway";
import { EksTokenSource } from "../nodeOptimizer/eksToken";
import { KubeRestClient } from "../nodeOptimizer/kubeRest";
import { acceptEvent, handleNodeOptimizerEvent, unwiredAdvisor, type NodeOptimizerDeps, type NodeOptimizerResult } from "../nodeOptimizer/run";
import { nodeOptimizerSettingsFromEnv } from "../nodeOptimizer/settings";
import { createLogger } from "../shared/observability";
import { spotSettingsFromEnv } from "../spot/settings";
import { spotStoresFromEnv } from "../spot/store";

const HandlerEnv = z.object({
  [ENV.stack]: z.string().check(z.minLength(1)),
  [ENV.alertTopicArn]: z.string().check(z.startsWith("arn:")),
  [ENV.settings]: z.string().check(z.minLength(2)),
  [ENV.optimizerTable]: z.optional(z.string().check(z.minLength(1))),
  AWS_REGION: z.string().check(z.minLength(1)),
});

/** Builds the real dependencies from the Lambda environment. */
export function buildDeps(env: NodeJS.ProcessEnv = process.env): NodeOptimizerDeps {
  const e = HandlerEnv.parse(env);
  const settings = nodeOptimizerSettingsFromEnv(env);
  const region = e.AWS_REGION;
  const ec2 = new EC2Client({ region });
  const tokens = new EksTokenSource({ clusterName: settings.clusterName, region, credentials: () => ec2.config.credentials() });
  const kube = new KubeRestClient({ clusterName: settings.clusterName, endpoint: settings.endpoint, certificateAuthority: settings.certificateAuthority, tokens });
  const table = e[ENV.optimizerTable];
  return {
    settings,
    kube,
    asg: new SdkAsgGateway(new AutoScalingClient({ region }), ec2),
    // The spot advice (circuit breaker + pool risk) when spot resilience is deployed beside it.
    advisor: env[ENV.breakerTable] ? spotStoresFromEnv(env, spotSettingsFromEnv(env, ENV.spotSettings)).advisor : unwiredAdvisor,
    sns: new SNSClient({ region }),
    topicArn: e[ENV.alertTopicArn],
    stack: e[ENV.stack],
    log: createLogger("costguard-nodeOptimizer"),
    store: table ? { doc: DynamoDBDocumentClient.from(new DynamoDBClient({ region }), { marshallOptions: { removeUndefinedValues: true } }), table } : undefined,
  };
}

let deps: NodeOptimizerDeps | undefined;
const log = createLogger("costguard-nodeOptimizer");

export const handler = async (event: unknown, context?: Context): Promise<NodeOptimizerResult> => {
  // Refused before the clients are even built.
  const accepted = acceptEvent(event, log);
  if (!accepted.ok) return accepted.result;
  deps ??= buildDeps();
  return handleNodeOptimizerEvent(event, { ...deps, runId: context?.awsRequestId }, () => context?.getRemainingTimeInMillis() ?? Infinity);
};
