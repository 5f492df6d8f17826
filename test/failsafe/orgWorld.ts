/**
 * A fake organisation: one FakeAccount per (account, region), each seeing only its own
 * resources, reached through REAL SDK clients built by the production code (unitAccess,
 * unitClientConfig, memberCredentials). A middleware at the clients' deserialize step hands each
 * call to the unit's fake, so the SDK's own retry middleware and credential resolution run as in
 * Lambda: a refused AssumeRole fails the unit's calls, a ThrottlingException is retried.
 */
import * as asgSdk from "@aws-sdk/client-auto-scaling";
import * as ec2Sdk from "@aws-sdk/client-ec2";
import * as ecsSdk from "@aws-sdk/client-ecs";
import * as elbSdk from "@aws-sdk/client-elastic-load-balancing-v2";
import * as rdsSdk from "@aws-sdk/client-rds";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import type { Pluggable } from "@smithy/types";
import { unitAccess, type UnitAccess, type UnitClients } from "../../runtime/failsafe/scope";
import { memberCredentials, unitKey, type ScopeSettings, type Unit, type UnitClientConfig } from "../../runtime/shared/units";
import type { FailsafeDeps } from "../../runtime/failsafe/run";
import type { FailsafeSettings } from "../../runtime/failsafe/settings";
import type { FailsafeStore } from "../../runtime/failsafe/store";
import { memoryLog } from "../../runtime/shared/observability";
import { FakeAccount } from "./fakeAccount";
import { metricRecorder, testPrices } from "./helpers";

export const HOME = "111111111111";
export const HOME_REGION = "us-east-1";
const STATIC = { accessKeyId: "AKIDTEST", secretAccessKey: "secret", sessionToken: "token" };

type Handler = (commandName: string, input: Record<string, unknown>) => Promise<unknown>;

/** Sends every call of a real client to `handler` instead of the network; the middleware above it (retries, signing) runs. */
function route(client: { middlewareStack: { add: (...a: never[]) => void } }, handler: Handler): void {
  const mw = (_next: unknown, context: { commandName: string }) => async (args: { input: Record<string, unknown> }) => {
    const output = (await handler(context.commandName, args.input)) as Record<string, unknown>;
    return { output: { $metadata: { httpStatusCode: 200 }, ...output }, response: { statusCode: 200, headers: {} } };
  };
  (client.middlewareStack.add as (m: unknown, o: unknown) => void)(mw, { step: "deserialize", priority: "high", name: "fakeOrgRoute", override: true });
}

export class FakeOrg {
  private readonly units = new Map<string, FakeAccount>();
  /** Regions per account (name → opt-in status); default: the three below plus an opted-out one. */
  readonly regions = new Map<string, Record<string, "opt-in-not-required" | "opted-in" | "not-opted-in">>();
  /** Accounts whose member role refuses AssumeRole (missing, or trusting someone else). */
  readonly refused = new Set<string>();
  readonly assumeRoleCalls: Record<string, unknown>[] = [];
  /** Calls each unit received (reads and writes, retries included), by unit key. */
  readonly callsPerUnit = new Map<string, number>();
  /** Fast retries in tests: same attempts as Lambda, a 1 ms backoff instead of seconds. */
  retryStrategy = new ConfiguredRetryStrategy(6, 1);

  unit(account: string, region: string): FakeAccount {
    const key = `${account}/${region}`;
    let fake = this.units.get(key);
    if (!fake) this.units.set(key, (fake = new FakeAccount(`${account.slice(-3)}${region.replace(/\W/g, "").slice(-4)}`)));
    return fake;
  }

  /** The member-role STS plugin: answers AssumeRole like STS, refusing where the role is missing. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's own plugin type
  private stsPlugin(): Pluggable<any, any> {
    return {
      applyToStack: (stack) =>
        route({ middlewareStack: stack as never }, async (name, input) => {
          if (name !== "AssumeRoleCommand") throw new Error(`unexpected STS call ${name}`);
          this.assumeRoleCalls.push(input);
          const account = String(input.RoleArn).split(":")[4]!;
          if (this.refused.has(account)) {
            throw Object.assign(new Error(`User: arn:aws:sts::${HOME}:assumed-role/failsafe/fn is not authorized to perform: sts:AssumeRole on resource: ${String(input.RoleArn)}`), { name: "AccessDenied", $fault: "client", $metadata: { httpStatusCode: 403 } });
          }
          return { Credentials: { AccessKeyId: `AKID${account}`, SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + 3600_000) } };
        }),
    };
  }

  private handlerFor(unit: Unit, service: keyof UnitClients): Handler {
    const modules = { ec2: ec2Sdk, autoScaling: asgSdk, ecs: ecsSdk, rds: rdsSdk, elbv2: elbSdk } as Record<string, Record<string, unknown>>;
    return async (name, input) => {
      const key = unitKey(unit);
      this.callsPerUnit.set(key, (this.callsPerUnit.get(key) ?? 0) + 1);
      const status = this.regionsOf(unit.account)[unit.region];
      // A region the account has not opted into refuses every call.
      if (status === "not-opted-in" || status === undefined) throw Object.assign(new Error("AWS was not able to validate the provided access credentials"), { name: "AuthFailure", $metadata: { httpStatusCode: 401 } });
      if (name === "DescribeRegionsCommand") return this.describeRegions(unit.account, input);
      const Command = modules[service]![name] as new (i: unknown) => unknown;
      const fake = this.unit(unit.account, unit.region).clients[service] as unknown as { send: (c: unknown) => Promise<unknown> };
      return fake.send(new Command(input));
    };
  }

  regionsOf(account: string): Record<string, "opt-in-not-required" | "opted-in" | "not-opted-in"> {
    return this.regions.get(account) ?? { "us-east-1": "opt-in-not-required", "eu-west-1": "opt-in-not-required", "ap-south-1": "opt-in-not-required", "me-south-1": "not-opted-in" };
  }

  private describeRegions(account: string, input: Record<string, unknown>) {
    const wanted = (input.Filters as { Name: string; Values: string[] }[] | undefined)?.find((f) => f.Name === "opt-in-status")?.Values;
    const all = Object.entries(this.regionsOf(account)).filter(([, s]) => input.AllRegions || s !== "not-opted-in");
    return { Regions: all.filter(([, s]) => !wanted || wanted.includes(s)).map(([RegionName, OptInStatus]) => ({ RegionName, OptInStatus })) };
  }

  /** Real SDK clients of a unit from the production config, their calls served by the unit's fake. */
  clientsOf(unit: Unit, config: UnitClientConfig | { region: string }): UnitClients {
    const c = { ...config, retryStrategy: this.retryStrategy, credentials: "credentials" in config ? config.credentials : STATIC };
    const clients: UnitClients = {
      ec2: new ec2Sdk.EC2Client(c),
      autoScaling: new asgSdk.AutoScalingClient(c),
      ecs: new ecsSdk.ECSClient(c),
      rds: new rdsSdk.RDSClient(c),
      elbv2: new elbSdk.ElasticLoadBalancingV2Client(c),
    };
    for (const [service, client] of Object.entries(clients)) route(client, this.handlerFor(unit, service as keyof UnitClients));
    return clients;
  }

  /** What the handler builds in Lambda, over this organisation. */
  access(scope: ScopeSettings): UnitAccess {
    const credentialsFor = memberCredentials(scope, { homeAccount: HOME, homeRegion: HOME_REGION }, "costguard-test", { credentials: async () => STATIC, clientPlugins: [this.stsPlugin()] });
    return unitAccess({
      scope,
      homeAccount: HOME,
      homeRegion: HOME_REGION,
      home: this.clientsOf({ account: HOME, region: HOME_REGION }, { region: HOME_REGION }),
      credentialsFor,
      makeClients: (unit, config) => this.clientsOf(unit, config),
    });
  }

  /**
   * The failsafe's dependencies over this organisation: the home unit's clients, every unit
   * through `unitAccess`, alerts on the home account's SNS, a fixed clock (`now`).
   */
  failsafeDeps(settings: FailsafeSettings, store: FailsafeStore, now: number, extra: Partial<FailsafeDeps> = {}): FailsafeDeps {
    const access = this.access(settings.scope!);
    return {
      clients: access.clientsFor({ account: HOME, region: HOME_REGION }),
      units: access,
      store,
      sns: this.unit(HOME, HOME_REGION).sns,
      alertTopicArn: `arn:aws:sns:us-east-1:${HOME}:alerts`,
      prices: testPrices,
      settings,
      stack: "org",
      region: HOME_REGION,
      log: memoryLog(),
      emit: metricRecorder().emit,
      now: () => now,
      spotPriceHistory: false,
      ...extra,
    };
  }

  /** Every fake's published alerts are the home account's SNS: one topic. */
  calls(account: string, region: string): string[] {
    return this.unit(account, region).calls.map((c) => c.command);
  }
}
