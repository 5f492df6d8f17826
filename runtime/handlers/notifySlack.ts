/**
 * Lambda entry point: alert topic → Slack. It accepts SNS deliveries only (`Records` of
 * `Sns.Message` text); anything else is refused before the webhook URL is read from SSM. The
 * message inside a delivery may be anything: the notifier posts what it cannot render as raw
 * text, so nothing published on the topic is lost.
 */
import { SSMClient } from "@aws-sdk/client-ssm";
import type { SNSEvent } from "aws-lambda";
import * as z from "../shared/zod";
import { notifySlack } from "../alerts/run";
import { alertsSettingsFromEnv } from "../alerts/settings";
import { describeIssues, preview } from "../shared/invocation";
import { createLogger } from "../shared/observability";
import { CachedParameter } from "../shared/secrets";

/** An SNS delivery as Lambda receives it (one record per invocation in practice). */
const SnsDelivery = z.object({
  Records: z
    .array(
      z.object({
        EventSource: z.optional(z.literal("aws:sns")),
        Sns: z.object({ Message: z.string(), Subject: z.nullish(z.string()), MessageId: z.optional(z.string()) }),
      }),
    )
    .check(z.minLength(1)),
});

const logger = createLogger("costguard-notifySlack");
let webhook: CachedParameter | undefined;

export async function handler(event: unknown) {
  const parsed = SnsDelivery.safeParse(event);
  if (!parsed.success) {
    const error = `expected an SNS event ({"Records":[{"Sns":{"Message":"..."}}]}) from the alert topic, got ${preview(event)} (${describeIssues(parsed.error)})`;
    logger.warn("event refused", { error });
    return { ok: false as const, error };
  }
  webhook ??= new CachedParameter(new SSMClient({}), alertsSettingsFromEnv(process.env).slackWebhookParameter);
  return { ok: true as const, ...(await notifySlack(event as SNSEvent, { webhookUrl: () => webhook!.get(), log: logger })) };
}
