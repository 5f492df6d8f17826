/**
 * Lambda entry point of the spot advice, invoked by fleet managers and guardctl:
 *   { "instanceType": "m5.large", "availabilityZone": "us-east-1a", "environment": "prod" }
 *     → { "capacity": "spot" | "on-demand", "reason": "..." }
 *   { "command": "reset-circuit", "instanceType": "m5.large", "availabilityZone"?: "us-east-1a" }
 *     → { "command": "reset-circuit", "key": "m5.large", "previous": "open", "state": "closed" }
 */
import { SNSClient } from "@aws-sdk/client-sns";
import { ENV } from "../contract";
import { publishEvent } from "../shared/events";
import { createLogger } from "../shared/observability";
import { handleAdviceRequest, type AdviceDeps } from "../spot/runAdvice";
import { spotSettingsFromEnv } from "../spot/settings";
import { spotStoresFromEnv } from "../spot/store";

let deps: AdviceDeps | undefined;

function buildDeps(): AdviceDeps {
  const { env, breakers, advisor } = spotStoresFromEnv(process.env, spotSettingsFromEnv(process.env));
  const sns = new SNSClient({});
  return {
    advisor,
    breakers,
    stack: env[ENV.stack],
    publish: (event) => publishEvent(sns, env[ENV.alertTopicArn], event),
    log: createLogger("costguard-spotAdvice"),
  };
}

export async function handler(event: unknown) {
  try {
    deps ??= buildDeps();
  } catch (err) {
    // Even a misconfigured function answers, and safely.
    return { capacity: "on-demand", reason: `advice unavailable, failing safe to on-demand: ${(err as Error).message}` };
  }
  return handleAdviceRequest(event, deps);
}
