/**
 * Runtime settings of the spot functions, passed by the SpotResilience component as JSON in
 * COSTGUARD_SETTINGS and validated here. The defaults mirror components/configSchema.ts's
 * `spot` section so modules and tests can be used without a deployment.
 */
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

export const SpotSettings = z.object({
  breaker: z.prefault(BreakerSettings, {}),
  /** Days a production interruption poisons its pool (region + AZ + type). */
  poolPoisonDays: z._default(z.int().check(z.gte(1)), 15),
  /** Environment tag values whose interruptions poison a pool. */
  poisoningEnvironments: z._default(z.array(z.string()), ["prod"]),
  /** On-demand instances an opted-in ASG keeps when it has no costguard:min-on-demand tag. */
  minOnDemandDefault: z._default(z.int().check(z.gte(0)), 1),
});
export type SpotSettings = z.infer<typeof SpotSettings>;
export type SpotSettingsInput = z.input<typeof SpotSettings>;

export const DEFAULT_SPOT_SETTINGS: SpotSettings = SpotSettings.parse({});

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;
