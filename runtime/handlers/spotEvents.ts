/** Lambda entry point: EC2 spot interruption warnings and rebalance recommendations. */
import { EC2Client } from "@aws-sdk/client-ec2";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SNSClient } from "@aws-sdk/client-sns";
import { ENV } from "../contract";
import { InvokedNodeDrainer } from "../nodeOptimizer/remoteDrainer";
import { publishEvent } from "../shared/events";
import { createLogger, createMetrics, emfSink } from "../shared/observability";
import { spotSettingsFromEnv } from "../spot/settings";
import { spotStoresFromEnv } from "../spot/store";
import { handleSpotEvent, type SpotEventDeps } from "../spot/runEvents";

let deps: SpotEventDeps | undefined;

export function buildDeps(): SpotEventDeps {
  const { env, breakers, pools } = spotStoresFromEnv(process.env, spotSettingsFromEnv(process.env));
  const sns = new SNSClient({});
  const metrics = createMetrics("costguard-spotEvents");
  return {
    ec2: new EC2Client({}),
    breakers,
    pools,
    stack: env[ENV.stack],
    publish: (event) => publishEvent(sns, env[ENV.alertTopicArn], event),
    metric: emfSink(metrics),
    log: createLogger("costguard-spotEvents"),
    // EKS nodes are handed to the Kubernetes node optimizer (when one is deployed) to cordon and
    // drain within the two-minute notice; this function has no Kubernetes access of its own.
    onNodeInterruption: drainerFrom(process.env),
  };
}

/** The node drainer named by COSTGUARD_NODE_OPTIMIZER_FUNCTION, if any. */
export function drainerFrom(env: NodeJS.ProcessEnv): SpotEventDeps["onNodeInterruption"] {
  const functionName = env[ENV.nodeOptimizerFunction];
  if (!functionName) return undefined;
  const drainer = new InvokedNodeDrainer(new LambdaClient({}), functionName);
  return async (node) => {
    const outcome = await drainer.onNodeInterruption(node.instanceId, node.kind === "rebalance" ? "rebalance-recommendation" : "interruption-warning");
    console.log(JSON.stringify({ message: outcome ? "node drain finished" : "node not drained on a rebalance recommendation (drainOnRebalanceRecommendation is off)", instanceId: node.instanceId, outcome }));
  };
}

export async function handler(event: unknown) {
  deps ??= buildDeps();
  return handleSpotEvent(event, deps);
}
