/**
 * The failsafe's settings: per environment a $/h limit, a spike threshold over a window, the
 * response (stop or notify), a priority and dry-run; a global limit and spike, a limit for
 * untagged resources, and the rails of a run. The component builds them from stack config, checks
 * them with `parseFailsafeSettings` at preview and puts them in COSTGUARD_SETTINGS; the handler
 * reads them back with `failsafeSettingsFromEnv` (runtime never reads Pulumi config). No
 * defaults here: the stack config's are the only ones.
 */
import { checkSettings, settingsFromEnv } from "../shared/settings";
import { REGION, ScopeSettings } from "../shared/units";
import * as z from "../shared/zod";

const usd = z.number().check(z.positive());
const percent = z.number().check(z.gte(0));
const minutes = z.int().check(z.gte(1));

export const EnvironmentThresholds = z.object({
  maxHourlyUsd: usd,
  spikePercent: percent,
  windowMinutes: minutes,
  /** stop: the failsafe may stop the environment; notify: it only alerts (prod's default). */
  response: z.enum(["stop", "notify"]),
  /** Lower is acted on first when several environments breach. */
  priority: z.int().check(z.gte(1)),
  dryRun: z.boolean(),
  /** Running spot instances EC2 cannot stop (one-time requests): report them (default) or terminate them. */
  unstoppableSpot: z.optional(z.enum(["report", "terminate"])),
  /** Regions the environment is meant to run in: burning anywhere else is called out in the alert. */
  expectedRegions: z.optional(z.array(z.string().check(z.regex(REGION))).check(z.minLength(1))),
});
export type EnvironmentThresholds = z.infer<typeof EnvironmentThresholds>;

export const FailsafeSettings = z.object({
  environments: z.record(z.string(), EnvironmentThresholds).check(z.refine((e) => !("untagged" in e) && !("global" in e), "untagged and global are reserved group names")),
  global: z.object({ maxHourlyUsd: usd, spikePercent: percent, windowMinutes: minutes }),
  untagged: z.object({ maxHourlyUsd: usd }),
  /** On an emergency, stop running stand-alone instances without an Environment tag. */
  stopUntagged: z.boolean(),
  maxActionsPerRun: z.int().check(z.gte(1)),
  sampleRetentionHours: z.int().check(z.gte(1)),
  /** The accounts and regions the check covers (absent: the function's own account and region). */
  scope: z.optional(ScopeSettings),
});
export type FailsafeSettings = z.infer<typeof FailsafeSettings>;

export type FailsafeSettingsInput = z.input<typeof FailsafeSettings>;

/** The settings as the handler will read them; throws naming every problem, after `what`. */
export function parseFailsafeSettings(value: unknown, what = "failsafe settings"): FailsafeSettings {
  return checkSettings(FailsafeSettings, value, what);
}

/** The settings the component put in the function's COSTGUARD_SETTINGS. */
export function failsafeSettingsFromEnv(env: Record<string, string | undefined> = process.env): FailsafeSettings {
  return settingsFromEnv(FailsafeSettings, env);
}
