/** Lambda entry point: the hourly security enforcer for unauthorised instances. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../shared/zod";
import { ENV } from "../contract";
import { preview, refuseUnlessScheduled } from "../shared/invocation";
import { runEnforcerExclusive, type EnforcerDeps } from "../enforcer/run";
import { enforcerSettingsFromEnv, type EnforcerSettings } from "../enforcer/settings";
import { EnforcerStore } from "../enforcer/store";
import { createLogger } from "../shared/observability";
import { memberCredentials, unitClientConfig, type Unit } from "../shared/units";
import { accountOfContext } from "../shared/unitScope";

const Env = z.object({
  [ENV.stack]: z.string().check(z.minLength(1)),
  [ENV.alertTopicArn]: z.string().check(z.startsWith("arn:")),
  [ENV.enforcerTable]: z.string().check(z.minLength(1)),
});

const logger = createLogger("costguard-securityEnforcer");
let deps: { run: EnforcerDeps; settings: EnforcerSettings } | undefined;

function build(account: string | undefined) {
  const env = Env.parse(process.env);
  const settings = enforcerSettingsFromEnv(process.env);
  const scope = settings.scope;
  // Every other unit: a client of its region, through its account's member role, with adaptive retries.
  const credentials = scope && account ? memberCredentials(scope, { homeAccount: account, homeRegion: process.env.AWS_REGION ?? "us-east-1" }, "costguard-enforcer") : () => undefined;
  return {
    settings,
    run: {
      ec2: new EC2Client({ retryMode: "standard" }),
      account,
      organizations: scope?.organization?.accounts === "all" ? new OrganizationsClient({ retryMode: "standard" }) : undefined,
      clientsFor: (unit: Unit) => new EC2Client(unitClientConfig(unit, credentials)),
      store: new EnforcerStore(DynamoDBDocumentClient.from(new DynamoDBClient({ retryMode: "standard" })), env[ENV.enforcerTable]),
      log: logger,
      stack: env[ENV.stack],
      alerts: { sns: new SNSClient({ retryMode: "standard" }), topicArn: env[ENV.alertTopicArn] },
    },
  };
}

/**
 * Only its EventBridge schedule runs the security enforcer: anything else (a test invoke with {}, a
 * mistyped command, another service's event) is refused before any AWS call.
 */
export async function handler(event: unknown, context?: { invokedFunctionArn?: string }) {
  const refusal = refuseUnlessScheduled(event, "security enforcer");
  if (refusal) {
    logger.warn("event refused", { error: refusal.error, event: preview(event, 500) });
    return refusal;
  }
  deps ??= build(accountOfContext(context));
  const run = await runEnforcerExclusive(deps.run, deps.settings);
  if (!run.ran) return { ok: false as const, busy: true as const, error: run.busy };
  const { decision, failures, units, unitFailures } = run.result;
  // Outside the function's own unit, an instance is named with its account and region.
  const name = (x: Partial<Unit> & { id: string }) => (deps!.settings.scope ? `${x.account}/${x.region}/${x.id}` : x.id);
  return {
    ok: true as const,
    mode: deps.settings.mode,
    units,
    unitFailures: unitFailures.map((f) => f.error),
    flagged: decision.flag.filter((f) => f.isNew).map(name),
    acted: decision.act.map((a) => `${a.action} ${name(a)}`),
    unflagged: decision.unflag.map(name),
    waiting: decision.waiting.length,
    exempt: decision.exempt,
    capped: decision.capped,
    failures,
  };
}
