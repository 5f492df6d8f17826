/** Lambda entry point: EC2 spot interruption warnings and rebalance recommendations (SPEC S5). */
import { EC2Client } from "@aws-sdk/client-ec2";
import { SNSClient } from "@aws-sdk/client-sns";
import { ENV } from "../contract";
import { publishEvent } from "../shared/events";
import { createLogger, createMetrics } from "../shared/observability";
import { spotStoresFromEnv } from "../spot/env";
import { emfSink } from "../spot/metrics";
import { handleSpotEvent, type SpotEventDeps } from "../spot/interruptions";

let deps: SpotEventDeps | undefined;

export function buildDeps(): SpotEventDeps {
  const { env, breakers, pools } = spotStoresFromEnv();
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
    // Seam for the Kubernetes node optimizer: pass its drainer here to cordon and drain EKS
    // nodes within the two-minute notice (called for instances carrying an EKS cluster tag).
    onNodeInterruption: undefined,
  };
}

export async function handler(event: unknown) {
  deps ??= buildDeps();
  return handleSpotEvent(event, deps);
}
