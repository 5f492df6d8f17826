/** Lambda entry point: alert topic → Slack. */
import { SSMClient } from "@aws-sdk/client-ssm";
import type { SNSEvent } from "aws-lambda";
import { z } from "zod";
import { notifySlack } from "../alerts/notifier";
import { ENV } from "../contract";
import { createLogger } from "../shared/observability";
import { CachedParameter } from "../shared/secrets";

const Env = z.object({ [ENV.slackWebhookParameter]: z.string().min(1) });

const logger = createLogger("costguard-notifySlack");
let webhook: CachedParameter | undefined;

export async function handler(event: SNSEvent) {
  const env = Env.parse(process.env);
  webhook ??= new CachedParameter(new SSMClient({}), env[ENV.slackWebhookParameter]);
  return notifySlack(event, { webhookUrl: () => webhook!.get(), log: logger });
}
