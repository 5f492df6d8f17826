/**
 * The Slack notifier's settings: the name of the SSM SecureString parameter that holds the
 * webhook URL (the URL itself is a secret, read at run time: never in the environment). The
 * component checks them with `parseAlertsSettings` at preview and puts the name in
 * COSTGUARD_SLACK_WEBHOOK_PARAMETER; the handler reads it back with `alertsSettingsFromEnv`.
 */
import { ENV } from "../contract";
import { checkSettings } from "../shared/settings";
import * as z from "../shared/zod";

export const AlertsSettings = z.object({
  /** SSM parameter name of the Slack incoming-webhook URL (the parameter may not exist: then nothing is posted). */
  slackWebhookParameter: z.string().check(z.minLength(1)),
});
export type AlertsSettings = z.infer<typeof AlertsSettings>;
export type AlertsSettingsInput = z.input<typeof AlertsSettings>;

/** The settings as the handler will read them; throws naming every problem, after `what`. */
export function parseAlertsSettings(value: unknown, what = "Slack notifier settings"): AlertsSettings {
  return checkSettings(AlertsSettings, value, what);
}

/** The settings the component put in the function's environment. */
export function alertsSettingsFromEnv(env: Record<string, string | undefined> = process.env): AlertsSettings {
  return checkSettings(AlertsSettings, { slackWebhookParameter: env[ENV.slackWebhookParameter] }, `${ENV.slackWebhookParameter} is not set or invalid (the AlertChannel component sets it)`);
}
