/**
 * The security enforcer's settings: the tags that authorise a running instance, the mode (audit:
 * flag only; stop or terminate after the grace period), the grace in hours and the cap per run.
 * The component builds them from stack config, checks them with `parseEnforcerSettings` at
 * preview and puts them in COSTGUARD_SETTINGS; the handler reads them back with
 * `enforcerSettingsFromEnv`.
 */
import { checkSettings, settingsFromEnv } from "../shared/settings";
import { ScopeSettings } from "../shared/units";
import * as z from "../shared/zod";

/** After the grace period: audit (flag only), stop or terminate. */
export const ENFORCER_MODES = ["audit", "stop", "terminate"] as const;

export const EnforcerSettings = z.object({
  /** `Key=Value` (tag must have that value) or `Key` (tag must exist). */
  authorizationTags: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  mode: z._default(z.enum(ENFORCER_MODES), "audit"),
  graceHours: z._default(z.number().check(z.gte(0)), 24),
  maxActionsPerRun: z._default(z.int().check(z.gte(1)), 20),
  /** Accounts and regions to check; absent = the function's own account and region. */
  scope: z.optional(ScopeSettings),
});
export type EnforcerSettings = z.infer<typeof EnforcerSettings>;
export type EnforcerMode = (typeof ENFORCER_MODES)[number];
export type EnforcerSettingsInput = z.input<typeof EnforcerSettings>;

/** The settings as the handler will read them; throws naming every problem, after `what`. */
export function parseEnforcerSettings(value: unknown, what = "security enforcer settings"): EnforcerSettings {
  return checkSettings(EnforcerSettings, value, what);
}

/** The settings the component put in the function's COSTGUARD_SETTINGS. */
export function enforcerSettingsFromEnv(env: Record<string, string | undefined> = process.env): EnforcerSettings {
  return settingsFromEnv(EnforcerSettings, env);
}
