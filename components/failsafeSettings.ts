/**
 * Stack config → the failsafe's runtime settings (its COSTGUARD_SETTINGS). Pure and free of
 * @pulumi imports, so tools (the benchmark) use the very defaults a stack ships with.
 */
import type { FailsafeSettings } from "../runtime/failsafe/settings";
import type { EnvironmentSettings, GuardConfigParsed } from "./configSchema";

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
