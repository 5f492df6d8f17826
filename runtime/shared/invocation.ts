/**
 * The shapes a guard function accepts before it does anything. A handler validates its event
 * first and only then acts: anything else is answered `{ ok: false, error }` (logged, never
 * retried) without a single AWS call, because for a function that stops or deletes things,
 * "I did not understand" must never turn into "run the default job".
 */
import * as z from "./zod";
import { editDistance } from "./editDistance";

/** What EventBridge sends for a schedule rule without an input override. */
export const ScheduledEvent = z.object({
  source: z.literal("aws.events"),
  "detail-type": z.literal("Scheduled Event"),
});

export function isScheduledEvent(event: unknown): boolean {
  return ScheduledEvent.safeParse(event).success;
}

export interface Refusal {
  ok: false;
  error: string;
}

/** For functions that only run on their schedule: undefined for a scheduled event, else the refusal. */
export function refuseUnlessScheduled(event: unknown, what: string): Refusal | undefined {
  if (isScheduledEvent(event)) return undefined;
  const looksLikeCommand = isPlainObject(event) && ("command" in event || commandKeyHint(event) !== "");
  return { ok: false, error: `the ${what} runs only on its schedule: expected an EventBridge "Scheduled Event" (source aws.events), got ${preview(event)}${looksLikeCommand ? "; it takes no commands" : ""}` };
}

/** The event, shortened for an error message or a log line (an event may be megabytes). */
export function preview(event: unknown, max = 200): string {
  let text: string;
  try {
    text = event === undefined ? "undefined" : (JSON.stringify(event) ?? String(event));
  } catch {
    text = String(event);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

export const isPlainObject = (event: unknown): event is Record<string, unknown> => event !== null && typeof event === "object" && !Array.isArray(event);

/**
 * A hint when an object has a key that looks like `command` but is not (`Command`, `cmd`,
 * `commnd`): the usual way an operator's command turns into something else.
 */
export function commandKeyHint(event: Record<string, unknown>): string {
  const near = Object.keys(event).find((k) => {
    const norm = k.toLowerCase().replace(/[^a-z]/g, "");
    return k !== "command" && (norm === "cmd" || editDistance(norm, "command") <= 2);
  });
  return near ? ` (did you mean "command" instead of "${near}"?)` : "";
}

/** Zod issues as short "path: message" lines (the event itself is "event"), for refusals that list them. */
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

/** Zod issues as one line: `environment: Too big: expected string to have <=256 characters; (root): Unrecognized key: "dryrun"`. */
export function describeIssues(error: z.core.$ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}
