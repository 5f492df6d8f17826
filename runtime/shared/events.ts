/**
 * Publishes costguard's own events to the alert topic. Every capability speaks through this
 * one function, so the notifier can rely on the GuardEvent shape.
 */
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { GuardEvent, type GuardEventInput } from "../contract";

/** The IAM action of the publish below, on the alert topic. */
export const PUBLISH_ACTION = "sns:Publish";

/** What publishing needs of the topic's customer-managed key, when the topic is encrypted. */
export const ENCRYPTED_TOPIC_ACTIONS = ["kms:GenerateDataKey*", "kms:Decrypt"] as const;

export async function publishEvent(sns: SNSClient, topicArn: string, event: Omit<GuardEventInput, "source">): Promise<void> {
  const body = GuardEvent.parse({ source: "costguard", time: new Date().toISOString(), ...event });
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      // SNS subjects: ASCII, no newlines, at most 100 characters (e-mail subscribers see it).
      Subject: `[costguard ${body.stack}] ${body.title}`.replace(/[^\x20-\x7E]/g, "").slice(0, 100),
      Message: JSON.stringify(body),
    }),
  );
}
