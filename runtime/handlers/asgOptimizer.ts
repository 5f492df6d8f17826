/**
 * Lambda entry point: the scheduled ASG spot optimizer. It acts only on its
 * EventBridge schedule's event; anything else is refused before any AWS call.
 */
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import * as z from "../shared/zod";
import { ENV } from "../contract";
import { catalog } from "../pricing/catalog";
import type { PriceBook } from "../pricing/types";
import { publishEvent } from "../shared/events";
import { createLogger, createMetrics, emfSink } from "../shared/observability";
import { ScheduledEvent, eventExcerpt, problemsOf } from "../shared/invocation";
import { optimizeGroups, type GroupOutcome, type OptimizerDeps } from "../spot/runOptimizer";
import { spotSettingsFromEnv } from "../spot/settings";
import { spotStoresFromEnv } from "../spot/store";
import { systemClock } from "../spot/wait";

/** The price book for choosing compatible types: the shared catalog (runtime/pricing). */
const prices: PriceBook = catalog;
const log = createLogger("costguard-asgOptimizer");

let deps: Omit<OptimizerDeps, "remainingMs" | "runId"> | undefined;

function buildDeps(): Omit<OptimizerDeps, "remainingMs" | "runId"> {
  const settings = spotSettingsFromEnv(process.env);
  const { env, advisor } = spotStoresFromEnv(process.env, settings);
  const table = z.string({ error: `${ENV.optimizerTable} must name the optimizer's DynamoDB table` }).check(z.minLength(1)).parse(process.env[ENV.optimizerTable]);
  const sns = new SNSClient({});
  const metrics = createMetrics("costguard-asgOptimizer");
  return {
    ec2: new EC2Client({}),
    autoscaling: new AutoScalingClient({}),
    elbv2: new ElasticLoadBalancingV2Client({}),
    clock: systemClock,
    log,
    prices,
    health: advisor,
    probes: advisor,
    region: env.AWS_REGION,
    minOnDemandDefault: settings.minOnDemandDefault,
    stack: env[ENV.stack],
    publish: (event) => publishEvent(sns, env[ENV.alertTopicArn], event),
    metric: emfSink(metrics),
    store: { doc: DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }), table },
  };
}

export async function handler(event: unknown, context?: Pick<Context, "getRemainingTimeInMillis" | "awsRequestId">): Promise<{ groups: GroupOutcome[] } | { error: string }> {
  const accepted = ScheduledEvent.safeParse(event);
  if (!accepted.success) {
    const error = `refused: the ASG optimizer runs only on its EventBridge schedule ({"source":"aws.events","detail-type":"Scheduled Event"}); got ${problemsOf(accepted.error).join("; ")}`;
    log.error(error, { event: eventExcerpt(event) });
    return { error };
  }
  deps ??= buildDeps();
  const outcomes = await optimizeGroups({ ...deps, runId: context?.awsRequestId, remainingMs: context ? () => context.getRemainingTimeInMillis() : undefined });
  for (const o of outcomes) log.info(`group ${o.group}: ${o.outcome}`, { ...o });
  return { groups: outcomes };
}
