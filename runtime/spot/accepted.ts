/**
 * The invocations a spot or Kubernetes function accepts, checked before anything else: a
 * function that changes things acts only on its own EventBridge schedule or a well-formed
 * operator command, and refuses anything else with a message that says what it expected,
 * having made no AWS call.
 */
import * as z from "../shared/zod";

/** EventBridge's own event for a schedule rule without input. */
export const ScheduledEvent = z.object({
  source: z.literal("aws.events"),
  "detail-type": z.literal("Scheduled Event"),
});

/** Zod issues as short "path: message" lines, for refusals and logs. */
export function problemsOf(error: z.core.$ZodError): string[] {
  return error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`);
}

/** The start of an event for a log line: enough to recognise it, bounded, never a throw (undefined included). */
export function eventExcerpt(event: unknown): string {
  try {
    return (JSON.stringify(event) ?? String(event)).slice(0, 500);
  } catch {
    return String(event).slice(0, 500);
  }
}
