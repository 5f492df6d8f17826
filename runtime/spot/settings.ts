/**
 * The spot functions' settings: the circuit breaker's thresholds, how long a production
 * interruption poisons its pool, and the on-demand floor of an opted-in group. The component
 * builds them from stack config, checks them with `parseSpotSettings` at preview and puts them
 * in COSTGUARD_SETTINGS (and, for the node optimizer, which consults the advice but has settings
 * of its own, in COSTGUARD_SPOT_SETTINGS); handlers read them back with `spotSettingsFromEnv`.
 * The defaults mirror the stack config's `spot` section, so modules and tests can be used
 * without a deployment.
 */
import { ENV } from "../contract";
import { checkSettings, settingsFromEnv } from "../shared/settings";
import { OrganizationScope, ScopeSettings } from "../shared/units";
import * as z from "../shared/zod";

export const BreakerSettings = z.object({
  /** Interruptions within the window that open the circuit. */
  threshold: z._default(z.int().check(z.gte(1)), 3),
  windowMinutes: z._default(z.number().check(z.positive()), 15),
  /** First cooldown after opening; doubled each time a half-open probe is interrupted. */
  cooldownMinutes: z._default(z.number().check(z.positive()), 30),
  maxCooldownMinutes: z._default(z.number().check(z.positive()), 240),
  /** Time after the probe launched (confirmed serving) without interruption that closes the circuit. */
  quietMinutes: z._default(z.number().check(z.positive()), 30),
  /** A claimed probe not confirmed as launched within this time lapses, and the next launcher probes. */
  probeClaimMinutes: z._default(z.number().check(z.positive()), 20),
  /** One circuit per instance type and AZ instead of per instance type. */
  perAz: z._default(z.boolean(), false),
});
export type BreakerSettings = z.infer<typeof BreakerSettings>;

/**
 * Whose spot events the events function reads. Regions unset: the function's own region only
 * (its own region is always read); organization unset: its own account only.
 */
export const SpotScope = z.object({
  regions: z.optional(ScopeSettings.shape.regions),
  organization: z.optional(OrganizationScope),
});
export type SpotScope = z.infer<typeof SpotScope>;

export const SpotSettings = z.object({
  breaker: z.prefault(BreakerSettings, {}),
  /** Days a production interruption poisons its pool (AZ ID + type). */
  poolPoisonDays: z._default(z.int().check(z.gte(1)), 15),
  /** Environment tag values whose interruptions poison a pool. */
  poisoningEnvironments: z._default(z.array(z.string()), ["prod"]),
  /** On-demand instances an opted-in ASG keeps when it has no costguard:min-on-demand tag. */
  minOnDemandDefault: z._default(z.int().check(z.gte(0)), 1),
  /**
   * Whose spot events the events function reads (regions, organisation). Unset: its own account
   * and region only. Events of accounts outside it are refused, never read through a role.
   */
  scope: z.optional(SpotScope),
});
export type SpotSettings = z.infer<typeof SpotSettings>;
export type SpotSettingsInput = z.input<typeof SpotSettings>;

export const DEFAULT_SPOT_SETTINGS: SpotSettings = SpotSettings.parse({});

/** The settings as the handlers will read them; throws naming every problem, after `what`. */
export function parseSpotSettings(value: unknown, what = "spot settings"): SpotSettings {
  return checkSettings(SpotSettings, value, what);
}

/**
 * The settings the component put in the function's environment: COSTGUARD_SETTINGS for the
 * spot functions, COSTGUARD_SPOT_SETTINGS for a function that has its own. Unset: the defaults.
 */
export function spotSettingsFromEnv(env: Record<string, string | undefined> = process.env, variable: typeof ENV.settings | typeof ENV.spotSettings = ENV.settings): SpotSettings {
  return settingsFromEnv(SpotSettings, env, { variable, whenUnset: {} });
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;
