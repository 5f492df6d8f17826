/** Lambda entry point: the scheduled ASG spot optimizer (SPEC S5). */
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { SNSClient } from "@aws-sdk/client-sns";
import type { Context } from "aws-lambda";
import { ENV } from "../contract";
import { catalog } from "../pricing/catalog";
import type { PriceBook } from "../pricing/types";
import { publishEvent } from "../shared/events";
import { createLogger, createMetrics } from "../shared/observability";
import { optimizeGroups, type OptimizerDeps } from "../spot/asgOptimizer";
import { spotStoresFromEnv } from "../spot/env";
import { emfSink } from "../spot/metrics";
import { systemClock } from "../spot/wait";

/** The price book for choosing compatible types: the shared catalog (runtime/pricing). */
const prices: PriceBook = catalog;

let deps: Omit<OptimizerDeps, "remainingMs"> | undefined;

function buildDeps(): Omit<OptimizerDeps, "remainingMs"> {
  const { env, settings, advisor } = spotStoresFromEnv();
  const sns = new SNSClient({});
  const metrics = createMetrics("costguard-asgOptimizer");
  return {
    ec2: new EC2Client({}),
    autoscaling: new AutoScalingClient({}),
    elbv2: new ElasticLoadBalancingV2Client({}),
    clock: systemClock,
    log: createLogger("costguard-asgOptimizer"),
    prices,
    health: advisor,
    region: env.AWS_REGION,
    minOnDemandDefault: settings.minOnDemandDefault,
    stack: env[ENV.stack],
    publish: (event) => publishEvent(sns, env[ENV.alertTopicArn], event),
    metric: emfSink(metrics),
  };
}

export async function handler(_event: unknown, context?: Pick<Context, "getRemainingTimeInMillis">) {
  deps ??= buildDeps();
  const outcomes = await optimizeGroups({ ...deps, remainingMs: context ? () => context.getRemainingTimeInMillis() : undefined });
  for (const o of outcomes) deps.log.info(`group ${o.group}: ${o.outcome}`, { ...o });
  return { groups: outcomes };
}
