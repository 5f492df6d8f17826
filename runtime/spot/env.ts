/**
 * Environment of the spot functions (names from runtime/contract.ts), parsed with zod, and
 * the stores built from it. Used by the three spot handlers.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../shared/zod";
import { ENV } from "../contract";
import { jsonVariable } from "../shared/env";
import { SpotAdvisor } from "./advice";
import { BreakerStore } from "./breakerStore";
import { PoolRiskStore } from "./poolRisk";
import { SpotSettings } from "./settings";

/** Which variable carries the spot settings: the spot functions' own, or COSTGUARD_SPOT_SETTINGS. */
type SettingsVar = typeof ENV.settings | typeof ENV.spotSettings;

// The settings arrive under `settings`, copied from whichever variable carries them (named in errors).
function spotEnv(settingsVar: SettingsVar) {
  return z.object({
    [ENV.stack]: z.string().check(z.minLength(1)),
    [ENV.breakerTable]: z.string().check(z.minLength(1)),
    [ENV.poolRiskTable]: z.string().check(z.minLength(1)),
    [ENV.alertTopicArn]: z.string().check(z.minLength(1)),
    AWS_REGION: z.string().check(z.minLength(1)),
    settings: z._default(jsonVariable(settingsVar, SpotSettings), SpotSettings.parse({})),
  });
}
export const SpotEnv = spotEnv(ENV.settings);
export type SpotEnv = z.infer<typeof SpotEnv>;

export interface SpotStores {
  env: SpotEnv;
  settings: SpotSettings;
  breakers: BreakerStore;
  pools: PoolRiskStore;
  advisor: SpotAdvisor;
}

export function spotStoresFromEnv(processEnv: NodeJS.ProcessEnv = process.env, opts: { settingsVar?: SettingsVar } = {}): SpotStores {
  const settingsVar = opts.settingsVar ?? ENV.settings;
  const env = spotEnv(settingsVar).parse({ ...processEnv, settings: processEnv[settingsVar] });
  const settings = env.settings;
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  const breakers = new BreakerStore(doc, env[ENV.breakerTable], settings.breaker);
  const pools = new PoolRiskStore(doc, env[ENV.poolRiskTable], { poisonDays: settings.poolPoisonDays, poisoningEnvironments: settings.poisoningEnvironments });
  const advisor = new SpotAdvisor({ breakers, pools, region: env.AWS_REGION });
  return { env, settings, breakers, pools, advisor };
}
