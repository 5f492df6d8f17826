/**
 * The Slack notifier's run, independent of Lambda: render every SNS record and post it.
 * Malformed and unrecognised messages are still posted (with the raw text) and counted, so
 * nothing on the alert topic is silently dropped.
 */
import type { SNSEvent } from "aws-lambda";
import { renderAlert, type MessageKind } from "./render";
import type { Log } from "../shared/observability";
import { postToSlack, type PostOptions } from "./actions";

export interface NotifierDeps {
  /** Resolves the webhook URL (cached SSM read); undefined when Slack is not configured. */
  webhookUrl: () => Promise<string | undefined>;
  post?: PostOptions;
  log: Log;
}

export interface NotifyResult {
  posted: number;
  skipped: number;
  kinds: MessageKind[];
}

export async function notifySlack(event: SNSEvent, deps: NotifierDeps): Promise<NotifyResult> {
  const records = Array.isArray(event?.Records) ? event.Records : [];
  const url = await deps.webhookUrl();
  const result: NotifyResult = { posted: 0, skipped: 0, kinds: [] };
  if (!url) {
    deps.log.warn("Slack webhook parameter is not set; nothing posted", { records: records.length });
    result.skipped = records.length;
    return result;
  }
  for (const record of records) {
    const sns = record?.Sns;
    const rendered =
      sns && typeof sns.Message === "string"
        ? renderAlert(sns.Subject ?? undefined, sns.Message)
        : renderAlert("costguard received a record that is not an SNS message", JSON.stringify(record).slice(0, 2000));
    if (!sns || typeof sns.Message !== "string") rendered.kind = "malformed";
    if (rendered.kind === "malformed" || rendered.kind === "unrecognised") {
      deps.log.warn(`posting a ${rendered.kind} message as raw text`, { messageId: sns?.MessageId });
    }
    const attempts = await postToSlack(url, rendered.message, {
      ...deps.post,
      onRetry: (attempt, reason, delayMs) => deps.log.warn("retrying Slack post", { attempt, reason, delayMs }),
    });
    deps.log.info("posted to Slack", { kind: rendered.kind, attempts, messageId: sns?.MessageId });
    result.posted++;
    result.kinds.push(rendered.kind);
  }
  return result;
}
