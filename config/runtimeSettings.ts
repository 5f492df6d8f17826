/**
 * Stack config → the runtime settings of the capabilities whose config sections are shaped for
 * people rather than for their handlers (the failsafe, spot): what their components pass as
 * COSTGUARD_SETTINGS. Pure and free of @pulumi imports, so tools (the benchmark) use the very
 * defaults a stack ships with.
 */
import type { FailsafeSettings } from "../runtime/failsafe/settings";
import type { SpotSettingsInput } from "../runtime/spot/settings";
import type { EnvironmentSettings, GuardConfigParsed } from "./schema";

/** The runtime settings the handler validates (COSTGUARD_SETTINGS). */
export function failsafeSettings(environments: Record<string, EnvironmentSettings>, f: GuardConfigParsed["failsafe"]): FailsafeSettings {
  return {
    environments,
    global: { maxHourlyUsd: f.globalMaxHourlyUsd, spikePercent: f.globalSpikePercent, windowMinutes: f.globalWindowMinutes },
    untagged: { maxHourlyUsd: f.untaggedMaxHourlyUsd },
    stopUntagged: f.stopUntagged,
    maxActionsPerRun: f.maxActionsPerRun,
    sampleRetentionHours: f.sampleRetentionHours,
  };
}

/** The spot handlers' runtime settings (COSTGUARD_SETTINGS), from the stack's `spot` section. */
export function spotRuntimeSettings(s: GuardConfigParsed["spot"]): SpotSettingsInput {
  return {
    breaker: {
      threshold: s.breakerThreshold,
      windowMinutes: s.breakerWindowMinutes,
      cooldownMinutes: s.breakerCooldownMinutes,
      maxCooldownMinutes: s.breakerMaxCooldownMinutes,
      quietMinutes: s.breakerQuietMinutes,
      probeClaimMinutes: s.breakerProbeClaimMinutes,
      perAz: s.breakerPerAz,
    },
    poolPoisonDays: s.poolPoisonDays,
    poisoningEnvironments: s.poisoningEnvironments,
    minOnDemandDefault: s.minOnDemandDefault,
  };
}
