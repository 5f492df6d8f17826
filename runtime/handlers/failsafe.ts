/**
 * Lambda entry point of the failsafe: the scheduled burn-rate check (an EventBridge
 * "Scheduled Event") and guardctl's admin commands (status, stop-env, restore,
 * emergency-stop). Anything else is refused before any AWS call (runtime/failsafe/runCommands.ts).
 */
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { RDSClient } from "@aws-sdk/client-rds";
import { SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../shared/zod";
import { ENV } from "../contract";
import type { FailsafeDeps } from "../failsafe/run";
import { handleFailsafeEvent, type FailsafeResponse } from "../failsafe/runCommands";
import { failsafeSettingsFromEnv } from "../failsafe/settings";
import { FailsafeStore } from "../failsafe/store";
import { catalog } from "../pricing/catalog";
import type { PriceBook } from "../pricing/types";
import { createLogger, createMetrics, emitMetric } from "../shared/observability";

const Env = z.object({
  AWS_REGION: z.string().check(z.minLength(1)),
  [ENV.stack]: z.string().check(z.minLength(1)),
  [ENV.alertTopicArn]: z.string().check(z.startsWith("arn:")),
  [ENV.settings]: z.string().check(z.minLength(1)),
  [ENV.samplesTable]: z.string().check(z.minLength(1)),
  [ENV.stateTable]: z.string().check(z.minLength(1)),
  [ENV.auditTable]: z.string().check(z.minLength(1)),
});

/** The shared pricing catalog: dated list prices for everything the inventory holds. */
const priceBook: PriceBook = catalog;

let deps: FailsafeDeps | undefined;

function buildDeps(): FailsafeDeps {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) throw new Error(`failsafe environment is incomplete: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const env = parsed.data;
  const settings = failsafeSettingsFromEnv(env);
  const region = env.AWS_REGION;
  const common = { region, retryMode: "standard" as const, maxAttempts: 4 };
  const logger = createLogger("costguard-failsafe");
  const metrics = createMetrics("costguard-failsafe");
  return {
    clients: { ec2: new EC2Client(common), autoScaling: new AutoScalingClient(common), ecs: new ECSClient(common), rds: new RDSClient(common), elbv2: new ElasticLoadBalancingV2Client(common) },
    store: new FailsafeStore(DynamoDBDocumentClient.from(new DynamoDBClient(common), { marshallOptions: { removeUndefinedValues: true } }), { samples: env[ENV.samplesTable], state: env[ENV.stateTable], audit: env[ENV.auditTable] }, settings.sampleRetentionHours),
    sns: new SNSClient(common),
    alertTopicArn: env[ENV.alertTopicArn],
    prices: priceBook,
    settings,
    stack: env[ENV.stack],
    region,
    log: logger,
    emit: (key, value, dims) => emitMetric(metrics, key, value, dims),
  };
}

export async function handler(event: unknown): Promise<FailsafeResponse> {
  deps ??= buildDeps();
  return handleFailsafeEvent(event, deps);
}
