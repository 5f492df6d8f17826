/** Lambda entry point: the daily waste scan, with optional clean-up. */
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../shared/zod";
import { ENV } from "../contract";
import { preview, refuseUnlessScheduled } from "../shared/invocation";
import { createLogger, createMetrics, emitMetric } from "../shared/observability";
import { catalog } from "../pricing/catalog";
import { accountOfContext } from "../shared/unitScope";
import { memberCredentials, unitClientConfig } from "../shared/units";
import { runWasteScanExclusive, type WasteScanDeps } from "../waste/run";
import { wasteSettingsFromEnv, type WasteSettings } from "../waste/settings";
import { FindingsStore } from "../waste/store";

const Env = z.object({
  [ENV.stack]: z.string().check(z.minLength(1)),
  [ENV.alertTopicArn]: z.string().check(z.startsWith("arn:")),
  [ENV.findingsTable]: z.string().check(z.minLength(1)),
});

const logger = createLogger("costguard-wasteScanner");
const metrics = createMetrics("costguard-wasteScanner");
let deps: { scan: WasteScanDeps; settings: WasteSettings } | undefined;

function build(account: string | undefined) {
  const env = Env.parse(process.env);
  const settings = wasteSettingsFromEnv(process.env);
  const ec2 = new EC2Client({ retryMode: "standard" });
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ retryMode: "standard" }));
  const scope = settings.scope;
  // Every other unit: a client of its region, through its account's member role, with adaptive retries.
  const credentials = scope && account ? memberCredentials(scope, { homeAccount: account, homeRegion: process.env.AWS_REGION ?? "us-east-1" }, "costguard-waste") : () => undefined;
  return {
    settings,
    scan: {
      ec2,
      account,
      organizations: scope?.organization?.accounts === "all" ? new OrganizationsClient({ retryMode: "standard" }) : undefined,
      clientsFor: (unit: { account: string; region: string }) => ({ ec2: new EC2Client(unitClientConfig(unit, credentials)), autoScaling: new AutoScalingClient(unitClientConfig(unit, credentials)) }),
      autoScaling: new AutoScalingClient({ retryMode: "standard" }),
      store: new FindingsStore(doc, env[ENV.findingsTable]),
      prices: catalog,
      log: logger,
      stack: env[ENV.stack],
      alerts: { sns: new SNSClient({ retryMode: "standard" }), topicArn: env[ENV.alertTopicArn] },
      emitTotal: (total: number) => emitMetric(metrics, "wasteUsdPerMonth", total),
    },
  };
}

/**
 * Only its EventBridge schedule runs the waste scanner: anything else (a test invoke with {}, a
 * mistyped command, another service's event) is refused before any AWS call.
 */
export async function handler(event: unknown, context?: { invokedFunctionArn?: string }) {
  const refusal = refuseUnlessScheduled(event, "waste scanner");
  if (refusal) {
    logger.warn("event refused", { error: refusal.error, event: preview(event, 500) });
    return refusal;
  }
  deps ??= build(accountOfContext(context));
  const run = await runWasteScanExclusive(deps.scan, deps.settings);
  if (!run.ran) return { ok: false as const, busy: true as const, error: run.busy };
  const { result } = run;
  return {
    ok: true as const,
    region: result.region,
    units: result.units,
    failures: result.failures.map((f) => f.error),
    openFindings: result.open.length,
    opened: result.opened.length,
    resolved: result.resolved.length,
    totalMonthlyUsd: result.totalMonthlyUsd,
    byKind: result.byKind,
    cleanup: { mode: result.cleanup.mode, steps: result.cleanup.results.map((r) => `${r.status}: ${r.description}`), waiting: result.cleanup.waiting.length, skipped: result.cleanup.skipped.length },
  };
}
