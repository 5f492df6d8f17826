/**
 * The spot capability's two tables, as a function's environment names them: the circuit
 * breakers (storeBreakers.ts) and the pool risk (storePoolRisk.ts), with the advisor over both.
 * Used by the three spot handlers, and by the node optimizer, which consults the advice in
 * process.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ENV } from "../contract";
import * as z from "../shared/zod";
import { SpotAdvisor } from "./advice";
import { spotSettingsFromEnv, type SpotSettings } from "./settings";
import { BreakerStore } from "./storeBreakers";
import { PoolRiskStore } from "./storePoolRisk";
import { ZoneIds, regionOfZoneName } from "./zones";

/** The variables the stores are built from (names from runtime/contract.ts). */
export const SpotEnv = z.object({
  [ENV.stack]: z.string().check(z.minLength(1)),
  [ENV.breakerTable]: z.string().check(z.minLength(1)),
  [ENV.poolRiskTable]: z.string().check(z.minLength(1)),
  [ENV.alertTopicArn]: z.string().check(z.minLength(1)),
  AWS_REGION: z.string().check(z.minLength(1)),
});
export type SpotEnv = z.infer<typeof SpotEnv>;

export interface SpotStores {
  env: SpotEnv;
  breakers: BreakerStore;
  pools: PoolRiskStore;
  advisor: SpotAdvisor;
}

/**
 * The stores over the tables the environment names, with `settings` (by default the ones in the
 * environment's COSTGUARD_SETTINGS, or the defaults: spot/settings.ts's spotSettingsFromEnv).
 */
export function spotStoresFromEnv(processEnv: Record<string, string | undefined> = process.env, settings: SpotSettings = spotSettingsFromEnv(processEnv)): SpotStores {
  const env = SpotEnv.parse(processEnv);
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  const breakers = new BreakerStore(doc, env[ENV.breakerTable], settings.breaker);
  const pools = new PoolRiskStore(doc, env[ENV.poolRiskTable], { poisonDays: settings.poolPoisonDays, poisoningEnvironments: settings.poisoningEnvironments });
  // Callers name zones as the function's own account does: translated with its own credentials.
  const zones = new ZoneIds(ownRegionClients());
  const advisor = new SpotAdvisor({ breakers, pools, region: env.AWS_REGION, zoneId: (az) => zones.idOf({ account: "own", region: regionOfZoneName(az) }, az) });
  return { env, breakers, pools, advisor };
}

/** EC2 clients of the function's own account, one per region (the unit's account is not used). */
export function ownRegionClients(): (unit: { region: string }) => EC2Client {
  const clients = new Map<string, EC2Client>();
  return ({ region }) => {
    let c = clients.get(region);
    if (!c) clients.set(region, (c = new EC2Client({ region })));
    return c;
  };
}
