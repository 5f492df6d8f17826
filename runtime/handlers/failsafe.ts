/**
 * Lambda entry point of the failsafe: the scheduled burn-rate check (an EventBridge
 * "Scheduled Event"), guardctl's admin commands (status, stop-env, restore,
 * emergency-stop) and the organisation sweep's steps (list, inventory, decide). Anything else is refused before any AWS call (runtime/failsafe/runCommands.ts).
 */
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { RDSClient } from "@aws-sdk/client-rds";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../shared/zod";
import { ENV } from "../contract";
import type { FailsafeDeps } from "../failsafe/run";
import { handleFailsafeEvent, type FailsafeResponse } from "../failsafe/runCommands";
import { unitAccess, type UnitAccess } from "../failsafe/scope";
import { failsafeSettingsFromEnv } from "../failsafe/settings";
import { beyondHome, memberCredentials } from "../shared/units";
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
  [ENV.sweepBucket]: z.optional(z.string().check(z.minLength(3))),
});

/** The shared pricing catalog: dated list prices for everything the inventory holds. */
const priceBook: PriceBook = catalog;

let deps: FailsafeDeps | undefined;

/** The function's own account, from its ARN in the invocation context (no call needed). */
const accountOf = (context: { invokedFunctionArn?: string } | undefined): string | undefined => context?.invokedFunctionArn?.split(":")[4];

function buildDeps(homeAccount: string | undefined): FailsafeDeps {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) throw new Error(`failsafe environment is incomplete: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const env = parsed.data;
  const settings = failsafeSettingsFromEnv(env);
  const region = env.AWS_REGION;
  const common = { region, retryMode: "standard" as const, maxAttempts: 4 };
  const logger = createLogger("costguard-failsafe");
  const metrics = createMetrics("costguard-failsafe");
  const clients = { ec2: new EC2Client(common), autoScaling: new AutoScalingClient(common), ecs: new ECSClient(common), rds: new RDSClient(common), elbv2: new ElasticLoadBalancingV2Client(common) };
  let units: UnitAccess | undefined;
  const scope = settings.scope;
  if (scope && beyondHome(scope, region)) {
    if (!homeAccount) throw new Error("the failsafe's scope reaches other accounts or regions but its own account is unknown (no invokedFunctionArn in the Lambda context)");
    units = unitAccess({
      scope,
      homeAccount,
      homeRegion: region,
      home: clients,
      organizations: scope.organization?.accounts === "all" ? new OrganizationsClient(common) : undefined,
      credentialsFor: memberCredentials(scope, { homeAccount, homeRegion: region }),
      // Each unit its own clients: its region, its account's member-role credentials, adaptive retries.
      makeClients: (_unit, c) => ({ ec2: new EC2Client(c), autoScaling: new AutoScalingClient(c), ecs: new ECSClient(c), rds: new RDSClient(c), elbv2: new ElasticLoadBalancingV2Client(c) }),
    });
  }
  const bucket = env[ENV.sweepBucket];
  return {
    clients,
    units,
    sweep: bucket ? { s3: new S3Client(common), bucket } : undefined,
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

export async function handler(event: unknown, context?: { invokedFunctionArn?: string }): Promise<FailsafeResponse> {
  deps ??= buildDeps(accountOf(context));
  return handleFailsafeEvent(event, deps);
}
