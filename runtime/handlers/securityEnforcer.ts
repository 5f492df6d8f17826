/** Lambda entry point: the hourly security enforcer for unauthorised instances. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../shared/zod";
import { ENV } from "../contract";
import { preview, refuseUnlessScheduled } from "../shared/invocation";
import { runEnforcerExclusive, type EnforcerDeps } from "../enforcer/run";
import { enforcerSettingsFromEnv, type EnforcerSettings } from "../enforcer/settings";
import { EnforcerStore } from "../enforcer/store";
import { createLogger } from "../shared/observability";

const Env = z.object({
  [ENV.stack]: z.string().check(z.minLength(1)),
  [ENV.alertTopicArn]: z.string().check(z.startsWith("arn:")),
  [ENV.enforcerTable]: z.string().check(z.minLength(1)),
});

const logger = createLogger("costguard-securityEnforcer");
let deps: { run: EnforcerDeps; settings: EnforcerSettings } | undefined;

function build() {
  const env = Env.parse(process.env);
  return {
    settings: enforcerSettingsFromEnv(process.env),
    run: {
      ec2: new EC2Client({ retryMode: "standard" }),
      store: new EnforcerStore(DynamoDBDocumentClient.from(new DynamoDBClient({ retryMode: "standard" })), env[ENV.enforcerTable]),
      log: logger,
      stack: env[ENV.stack],
      alerts: { sns: new SNSClient({ retryMode: "standard" }), topicArn: env[ENV.alertTopicArn] },
    },
  };
}

/**
 * Only its EventBridge schedule runs the security enforcer: anything else (a test invoke with {}, a
 * mistyped command, another service's event) is refused before any AWS call.
 */
export async function handler(event: unknown) {
  const refusal = refuseUnlessScheduled(event, "security enforcer");
  if (refusal) {
    logger.warn("event refused", { error: refusal.error, event: preview(event, 500) });
    return refusal;
  }
  deps ??= build();
  const run = await runEnforcerExclusive(deps.run, deps.settings);
  if (!run.ran) return { ok: false as const, busy: true as const, error: run.busy };
  const { decision, failures } = run.result;
  return {
    ok: true as const,
    mode: deps.settings.mode,
    flagged: decision.flag.filter((f) => f.isNew).map((f) => f.id),
    acted: decision.act.map((a) => `${a.action} ${a.id}`),
    unflagged: decision.unflag.map((u) => u.id),
    waiting: decision.waiting.length,
    exempt: decision.exempt,
    capped: decision.capped,
    failures,
  };
}
