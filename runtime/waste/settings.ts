/**
 * The waste scanner's settings: how long a volume must be unattached, a snapshot old and an
 * instance stopped before they are waste, and the clean-up (off, dry-run or apply; the grace
 * between marking and acting; the cap per run) and, optionally, the accounts and regions it
 * covers. The component builds them from stack config, checks them with `parseWasteSettings` at
 * preview and puts them in COSTGUARD_SETTINGS; the handler reads them back with `wasteSettingsFromEnv`.
 */
import { checkSettings, settingsFromEnv } from "../shared/settings";
import { ScopeSettings } from "../shared/units";
import * as z from "../shared/zod";

/** Clean-up of findings: off, dry-run (describe only) or apply. */
export const CLEANUP_MODES = ["off", "dry-run", "apply"] as const;
export type CleanupMode = (typeof CLEANUP_MODES)[number];

export const WasteSettings = z.object({
  unattachedVolumeDays: z.int().check(z.gte(0)),
  snapshotAgeDays: z.int().check(z.gte(1)),
  stoppedInstanceDays: z.int().check(z.gte(1)),
  cleanup: z._default(z.enum(CLEANUP_MODES), "off"),
  cleanupGraceDays: z._default(z.int().check(z.gte(1)), 7),
  cleanupMaxActionsPerRun: z._default(z.int().check(z.gte(1)), 20),
  /** Accounts and regions to scan; absent = the function's own account and region. */
  scope: z.optional(ScopeSettings),
});
export type WasteSettings = z.infer<typeof WasteSettings>;
export type WasteSettingsInput = z.input<typeof WasteSettings>;

/** The settings as the handler will read them; throws naming every problem, after `what`. */
export function parseWasteSettings(value: unknown, what = "waste scanner settings"): WasteSettings {
  return checkSettings(WasteSettings, value, what);
}

/** The settings the component put in the function's COSTGUARD_SETTINGS. */
export function wasteSettingsFromEnv(env: Record<string, string | undefined> = process.env): WasteSettings {
  return settingsFromEnv(WasteSettings, env);
}
