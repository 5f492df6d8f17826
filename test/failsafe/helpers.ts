/**
 * Shared test helpers for the failsafe: a small fixed PriceBook, the default thresholds,
 * dynalite tables, and a recorder for metrics.
 */
import type { PriceBook } from "../../runtime/pricing/types";
import type { FailsafeSettings } from "../../runtime/failsafe/settings";
import { FailsafeStore, type TableNames } from "../../runtime/failsafe/store";
import type { MetricKey } from "../../runtime/contract";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

const RDS: Record<string, number> = { "db.t3.medium": 0.068, "db.m5.large": 0.171 };
const ON_DEMAND: Record<string, number> = { "t3.micro": 0.0104, "t3.medium": 0.0416, "m5.large": 0.096, "m5.xlarge": 0.192, "c5.xlarge": 0.17 };

/** A fixed price book: round figures close to us-east-1 list prices, enough to check sums by hand. */
export const testPrices: PriceBook = {
  ec2OnDemandHourly: (_r, t) => ON_DEMAND[t],
  ec2SpotHourly: (_r, t) => (ON_DEMAND[t] === undefined ? undefined : ON_DEMAND[t]! * 0.3),
  instanceSpec: () => undefined,
  instanceTypes: () => Object.keys(ON_DEMAND),
  ebsGbMonth: (_r, v) => ({ gp3: 0.08, gp2: 0.1 })[v],
  snapshotGbMonth: () => 0.05,
  publicIpv4Hourly: () => 0.005,
  natGatewayHourly: () => 0.045,
  natGatewayPerGb: () => 0.045,
  loadBalancerHourly: () => 0.0225,
  rdsHourly: (_r, c, _e, multiAz) => (RDS[c] === undefined ? undefined : RDS[c]! * (multiAz ? 2 : 1)),
  rdsStorageGbMonth: () => 0.115,
  fargateHourly: (_r, vcpu, gb, opts) => (vcpu * 0.04048 + gb * 0.004445) * (opts?.spot ? 0.3 : 1),
};

/** The default thresholds: dev $8/h or +3 % in 20 min, staging $5/h or +1.5 % in 30 min, prod (notify) $2/h or +0.5 % in 60 min, global $25/h or +1 % in 60 min, untagged $5/h. */
export function defaultSettings(overrides: Partial<FailsafeSettings> = {}): FailsafeSettings {
  return {
    environments: {
      dev: { maxHourlyUsd: 8, spikePercent: 3, windowMinutes: 20, response: "stop", priority: 1, dryRun: false },
      staging: { maxHourlyUsd: 5, spikePercent: 1.5, windowMinutes: 30, response: "stop", priority: 2, dryRun: false },
      prod: { maxHourlyUsd: 2, spikePercent: 0.5, windowMinutes: 60, response: "notify", priority: 3, dryRun: false },
    },
    global: { maxHourlyUsd: 25, spikePercent: 1, windowMinutes: 60 },
    untagged: { maxHourlyUsd: 5 },
    stopUntagged: true,
    maxActionsPerRun: 20,
    sampleRetentionHours: 48,
    ...overrides,
  };
}

/** dynalite with the failsafe's three tables (fresh names per call) and a store over them. */
export interface FailsafeDynamo extends LocalDynamo {
  tables: TableNames;
  store(retentionHours?: number): FailsafeStore;
}

/** Starts dynalite on a free port and creates the failsafe's three tables. */
export async function startDynamo(): Promise<FailsafeDynamo> {
  const db = await startDynalite();
  const [samples, state, audit] = await Promise.all([db.newTable("samples", { sortKey: "N" }), db.newTable("state", { sortKey: "S" }), db.newTable("audit", { sortKey: "S" })]);
  const tables: TableNames = { samples, state, audit };
  return { ...db, tables, store: (retentionHours = 48) => new FailsafeStore(db.doc, tables, retentionHours) };
}

export function metricRecorder() {
  const emitted: { key: MetricKey; value: number; dimensions: Record<string, string> }[] = [];
  return { emitted, emit: (key: MetricKey, value: number, dimensions: Record<string, string> = {}) => void emitted.push({ key, value, dimensions }) };
}
