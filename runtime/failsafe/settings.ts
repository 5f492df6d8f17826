/**
 * The failsafe's runtime settings: the component serialises them from stack config into the
 * COSTGUARD_SETTINGS env var; the handler validates them here (runtime never reads Pulumi
 * config). Thresholds per SPEC S2.
 */
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
});
export type FailsafeSettings = z.infer<typeof FailsafeSettings>;

/** Parses the COSTGUARD_SETTINGS text; throws an error naming every problem. */
export function parseFailsafeSettings(text: string | undefined): FailsafeSettings {
  if (!text) throw new Error("COSTGUARD_SETTINGS is not set: the CostGuard component sets it from stack config");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error("COSTGUARD_SETTINGS is not valid JSON");
  }
  const parsed = FailsafeSettings.safeParse(json);
  if (!parsed.success) {
    throw new Error(`COSTGUARD_SETTINGS is invalid: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}
