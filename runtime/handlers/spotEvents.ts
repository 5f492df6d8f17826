/** Lambda entry point: EC2 spot interruption warnings and rebalance recommendations. */
import { EC2Client } from "@aws-sdk/client-ec2";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { SNSClient } from "@aws-sdk/client-sns";
import { STSClient } from "@aws-sdk/client-sts";
import type { Context } from "aws-lambda";
import { ENV } from "../contract";
import { InvokedNodeDrainer } from "../nodeOptimizer/remoteDrainer";
import { publishEvent } from "../shared/events";
import { createLogger, createMetrics, emfSink } from "../shared/observability";
import { listAccounts, memberCredentials, unitClientConfig, unitKey, type ScopeSettings, type Unit } from "../shared/units";
import { cachedAccounts, ownAccount } from "../spot/eventUnits";
import { spotSettingsFromEnv } from "../spot/settings";
import { spotStoresFromEnv } from "../spot/store";
import { handleSpotEvent, type SpotEventDeps } from "../spot/runEvents";

let deps: SpotEventDeps | undefined;

export function buildDeps(invokedFunctionArn?: string): SpotEventDeps {
  const settings = spotSettingsFromEnv(process.env);
  const { env, breakers, pools } = spotStoresFromEnv(process.env, settings);
  const sns = new SNSClient({});
  const metrics = createMetrics("costguard-spotEvents");
  const homeRegion = env.AWS_REGION;
  const homeAccount = ownAccount(() => new STSClient({}), invokedFunctionArn);
  const scope = settings.scope;
  const org = scope?.organization;
  // The shared unit helpers take a whole scope; only its organisation matters to them here.
  const unitScope: ScopeSettings | undefined = org && { regions: scope?.regions ?? [homeRegion], organization: org, concurrency: 1 };
  const clients = unitClients(unitScope, homeRegion, homeAccount);
  return {
    homeAccount,
    homeRegion,
    scope,
    ec2For: clients,
    organizationAccounts:
      unitScope && org?.accounts === "all"
        ? cachedAccounts(async () => listAccounts(unitScope, { homeAccount: await homeAccount(), homeRegion, ec2: clients({ account: await homeAccount(), region: homeRegion }), organizations: new OrganizationsClient({}) }), Date.now)
        : undefined,
    breakers,
    pools,
    stack: env[ENV.stack],
    publish: (event) => publishEvent(sns, env[ENV.alertTopicArn], event),
    metric: emfSink(metrics),
    log: createLogger("costguard-spotEvents"),
    // EKS nodes are handed to the Kubernetes node optimizer (when one is deployed) to cordon and
    // drain within the two-minute notice; this function has no Kubernetes access of its own.
    onNodeInterruption: drainerFrom(process.env),
  };
}

/**
 * EC2 clients per unit, cached: the function's own credentials in its own account, the member
 * role (with the external id) in an account of the organisation. The events run only asks for
 * units it accepted (runtime/spot/eventUnits.ts); a foreign account without an organisation
 * configured is refused here too.
 */
function unitClients(scope: ScopeSettings | undefined, homeRegion: string, homeAccount: () => Promise<string>): (unit: Unit) => EC2Client {
  const clients = new Map<string, EC2Client>();
  let credentialsFor: ((account: string) => ReturnType<ReturnType<typeof memberCredentials>>) | undefined;
  let home: string | undefined;
  void homeAccount().then((a) => (home = a), () => undefined);
  return (unit) => {
    let client = clients.get(unitKey(unit));
    if (client) return client;
    // Units are asked for after the own account is known (the events run awaits it first).
    if (!home) throw new Error("the function's own account is not known yet: cannot tell whose credentials to use");
    if (unit.account === home) client = new EC2Client({ region: unit.region });
    else {
      if (!scope?.organization) throw new Error(`account ${unit.account} is not this function's (${home}) and no organization is configured`);
      credentialsFor ??= memberCredentials(scope, { homeAccount: home, homeRegion }, "costguard-spot-events");
      client = new EC2Client(unitClientConfig(unit, credentialsFor));
    }
    clients.set(unitKey(unit), client);
    return client;
  };
}

/** The node drainer named by COSTGUARD_NODE_OPTIMIZER_FUNCTION, if any. */
export function drainerFrom(env: NodeJS.ProcessEnv): SpotEventDeps["onNodeInterruption"] {
  const functionName = env[ENV.nodeOptimizerFunction];
  if (!functionName) return undefined;
  const drainer = new InvokedNodeDrainer(new LambdaClient({}), functionName);
  return async (node) => {
    const outcome = await drainer.onNodeInterruption(node.instanceId, node.kind === "rebalance" ? "rebalance-recommendation" : "interruption-warning");
    console.log(JSON.stringify({ message: outcome ? "node drain finished" : "node not drained on a rebalance recommendation (drainOnRebalanceRecommendation is off)", instanceId: node.instanceId, outcome }));
  };
}

export async function handler(event: unknown, context?: Pick<Context, "invokedFunctionArn">) {
  deps ??= buildDeps(context?.invokedFunctionArn);
  return handleSpotEvent(event, deps);
}
