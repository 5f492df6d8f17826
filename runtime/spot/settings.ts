/**
 * Runtime settings of the spot functions, passed by the SpotResilience component as JSON in
 * COSTGUARD_SETTINGS and validated here. The defaults mirror components/configSchema.ts's
 * `spot` section so modules and tests can be used without a deployment.
 */
import { z } from "zod";

export const BreakerSettings = z.object({
  /** Interruptions within the window that open the circuit. */
  threshold: z.number().int().min(1).default(3),
  windowMinutes: z.number().positive().default(15),
  /** First cooldown after opening; doubled each time a half-open probe is interrupted. */
  cooldownMinutes: z.number().positive().default(30),
  maxCooldownMinutes: z.number().positive().default(240),
  /** Time after the probe launched (confirmed serving) without interruption that closes the circuit. */
  quietMinutes: z.number().positive().default(30),
  /** A claimed probe not confirmed as launched within this time lapses, and the next launcher probes. */
  probeClaimMinutes: z.number().positive().default(20),
  /** One circuit per instance type and AZ instead of per instance type. */
  perAz: z.boolean().default(false),
});
export type BreakerSettings = z.infer<typeof BreakerSettings>;

export const SpotSettings = z.object({
  breaker: BreakerSettings.prefault({}),
  /** Days a production interruption poisons its pool (region + AZ + type). */
  poolPoisonDays: z.number().int().min(1).default(15),
  /** Environment tag values whose interruptions poison a pool. */
  poisoningEnvironments: z.array(z.string()).default(["prod"]),
  /** On-demand instances an opted-in ASG keeps when it has no costguard:min-on-demand tag. */
  minOnDemandDefault: z.number().int().min(0).default(1),
});
export type SpotSettings = z.infer<typeof SpotSettings>;
export type SpotSettingsInput = z.input<typeof SpotSettings>;

export const DEFAULT_SPOT_SETTINGS: SpotSettings = SpotSettings.parse({});

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;
