/**
 * Turns whatever arrives on the alert topic into a readable Slack message: CloudWatch alarm
 * state changes, AWS Budgets notifications, Cost Anomaly Detection alerts, costguard's own
 * events, and, for anything else, the raw text, flagged as unrecognised (reported, not lost).
 */
import * as z from "../shared/zod";
import { GuardEvent } from "../contract";

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

export type MessageKind = "alarm" | "budget" | "anomaly" | "costguard" | "malformed" | "unrecognised";
export interface Rendered {
  kind: MessageKind;
  message: SlackMessage;
}

const CloudWatchAlarm = z.object({
  AlarmName: z.string(),
  NewStateValue: z.enum(["ALARM", "OK", "INSUFFICIENT_DATA"]),
  OldStateValue: z.optional(z.string()),
  NewStateReason: z.optional(z.string()),
  AlarmDescription: z.optional(z.nullable(z.string())),
  Region: z.optional(z.string()),
  StateChangeTime: z.optional(z.string()),
});

const CostAnomaly = z.object({
  anomalyId: z.string(),
  impact: z.looseObject({ totalImpact: z.number(), maxImpact: z.optional(z.number()) }),
  dimensionValue: z.optional(z.string()),
  anomalyStartDate: z.optional(z.string()),
  anomalyDetailsLink: z.optional(z.string()),
  rootCauses: z.optional(z.array(z.looseObject({ service: z.optional(z.string()), region: z.optional(z.string()), usageType: z.optional(z.string()) }))),
});

const MAX_TEXT = 2900; // Slack section text limit is 3000 characters.

function clip(text: string, max = MAX_TEXT): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function build(title: string, lines: string[], fields: Record<string, string> = {}, url?: string): SlackMessage {
  const blocks: unknown[] = [{ type: "header", text: { type: "plain_text", text: clip(title, 150) } }];
  if (lines.length) blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(lines.join("\n")) } });
  const entries = Object.entries(fields).slice(0, 10); // Slack allows at most 10 fields.
  if (entries.length) {
    blocks.push({ type: "section", fields: entries.map(([k, v]) => ({ type: "mrkdwn", text: clip(`*${escape(k)}*\n${escape(v)}`, 2000) })) });
  }
  if (url) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `<${url}|Open>` }] });
  return { text: clip(`${title}${lines.length ? ` — ${lines[0]}` : ""}`), blocks };
}

const SEVERITY_ICON = { info: ":information_source:", warning: ":warning:", critical: ":rotating_light:" } as const;
const ALARM_ICON = { ALARM: ":red_circle:", OK: ":large_green_circle:", INSUFFICIENT_DATA: ":white_circle:" } as const;

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Renders one SNS message (its Subject and Message). Never throws. */
export function renderAlert(subject: string | undefined, body: string): Rendered {
  const json = tryJson(body);

  if (json && typeof json === "object" && (json as { source?: unknown }).source === "costguard") {
    const parsed = GuardEvent.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
      return {
        kind: "malformed",
        message: build(":warning: costguard received a malformed event", [`Problems: ${escape(problems)}`, "```" + clip(body, 2000) + "```"]),
      };
    }
    const e = parsed.data;
    return { kind: "costguard", message: build(`${SEVERITY_ICON[e.severity]} [${e.stack}] ${e.title}`, e.lines.map(escape), e.fields, e.url) };
  }

  const alarm = CloudWatchAlarm.safeParse(json);
  if (alarm.success) {
    const a = alarm.data;
    const lines = [a.NewStateReason ? escape(a.NewStateReason) : "", a.AlarmDescription ? `_${escape(a.AlarmDescription)}_` : ""].filter(Boolean);
    return {
      kind: "alarm",
      message: build(`${ALARM_ICON[a.NewStateValue]} ${a.AlarmName} is ${a.NewStateValue}`, lines, {
        ...(a.OldStateValue ? { "Previous state": a.OldStateValue } : {}),
        ...(a.Region ? { Region: a.Region } : {}),
        ...(a.StateChangeTime ? { Time: a.StateChangeTime } : {}),
      }),
    };
  }

  const anomaly = CostAnomaly.safeParse(json);
  if (anomaly.success) {
    const a = anomaly.data;
    const causes = (a.rootCauses ?? []).map((c) => [c.service, c.region, c.usageType].filter(Boolean).join(" / ")).filter(Boolean);
    return {
      kind: "anomaly",
      message: build(
        `:chart_with_upwards_trend: Cost anomaly: $${a.impact.totalImpact.toFixed(2)} unexpected spend`,
        causes.length ? causes.map((c) => `• ${escape(c)}`) : ["No root cause identified yet."],
        { ...(a.dimensionValue ? { Monitor: a.dimensionValue } : {}), ...(a.anomalyStartDate ? { Since: a.anomalyStartDate } : {}) },
        a.anomalyDetailsLink,
      ),
    };
  }

  // AWS Budgets sends plain text whose subject starts with "AWS Budgets:".
  if ((subject ?? "").startsWith("AWS Budgets") || /AWS Budget Notification/i.test(body)) {
    const lines = body.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    return { kind: "budget", message: build(`:moneybag: ${subject ?? "AWS Budget notification"}`, lines.slice(0, 15).map(escape)) };
  }

  return {
    kind: "unrecognised",
    message: build(`:grey_question: ${subject ?? "Unrecognised message on the alert topic"}`, ["```" + clip(body, 2500) + "```"]),
  };
}
