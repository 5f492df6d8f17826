/** A fake account with three environments plus dynalite, wired into FailsafeDeps. */
import type { FailsafeDeps } from "../../runtime/failsafe/run";
import type { FailsafeSettings } from "../../runtime/failsafe/settings";
import { memoryLog } from "../../runtime/shared/observability";
import { FakeAccount } from "./fakeAccount";
import { defaultSettings, metricRecorder, startDynamo, testPrices, type FailsafeDynamo } from "./helpers";

export const T0 = Date.parse("2026-11-23T12:00:00Z");
export const MINUTE = 60_000;

/** What EventBridge sends for a schedule rule without an input override. */
export const scheduledEvent = (time = T0) => ({
  version: "0",
  id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: new Date(time).toISOString(),
  region: "us-east-1",
  resources: ["arn:aws:events:us-east-1:123456789012:rule/failsafe-check-schedule"],
  detail: {},
});

export interface World {
  account: FakeAccount;
  dynamo: FailsafeDynamo;
  deps: FailsafeDeps;
  metrics: ReturnType<typeof metricRecorder>;
  log: ReturnType<typeof memoryLog>;
  at(time: number): FailsafeDeps;
  close(): Promise<void>;
}

/** dev, staging and prod each with an ASG, a Fargate service, a stand-alone instance; dev and prod with a DB. */
export async function startWorld(settings: FailsafeSettings = defaultSettings()): Promise<World> {
  const account = new FakeAccount();
  account.addAsg({ name: "dev-web", min: 2, max: 6, desired: 3, type: "t3.medium", tags: { Environment: "dev" } });
  account.addService({ name: "dev-api", desired: 2, cpu: 256, memory: 512, tags: { Environment: "dev" } });
  account.addInstance({ id: "i-devbox", type: "m5.large", tags: { Environment: "dev", Name: "devbox" }, publicIp: "198.51.100.7" });
  account.addInstance({ id: "i-devkeep", type: "t3.micro", tags: { Environment: "dev", "costguard:protect": "true" } });
  account.addDb({ id: "dev-db", cls: "db.t3.medium", status: "available", tags: { Environment: "dev" } });
  account.volumes.push({ id: "vol-dev", type: "gp3", size: 100, tags: {}, instanceId: "i-devbox" });

  account.addAsg({ name: "staging-web", min: 1, max: 4, desired: 2, type: "t3.medium", tags: { Environment: "staging" } });
  account.addService({ name: "staging-api", desired: 1, cpu: 512, memory: 1024, tags: { Environment: "staging" } });
  account.addInstance({ id: "i-stagingbox", type: "t3.medium", tags: { Environment: "staging" } });

  account.addAsg({ name: "prod-web", min: 2, max: 8, desired: 2, type: "m5.large", tags: { Environment: "prod" } });
  account.addService({ name: "prod-api", desired: 3, cpu: 1024, memory: 2048, tags: { Environment: "prod" } });
  account.addDb({ id: "prod-db", cls: "db.m5.large", status: "available", tags: { Environment: "prod" } });

  const dynamo = await startDynamo();
  const metrics = metricRecorder();
  const log = memoryLog();
  const deps: FailsafeDeps = {
    clients: account.clients,
    store: dynamo.store(settings.sampleRetentionHours),
    sns: account.sns,
    alertTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts",
    prices: testPrices,
    settings,
    stack: "dev",
    region: "us-east-1",
    log,
    emit: metrics.emit,
    now: () => T0,
  };
  account.clock = T0;
  const at = (time: number): FailsafeDeps => {
    account.clock = time;
    return { ...deps, now: () => time };
  };
  return { account, dynamo, deps, metrics, log, at, close: () => dynamo.close() };
}
