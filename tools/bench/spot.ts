/**
 * Spot benchmarks (standalone; `npm run bench` runs every file here):
 *   1. record-interruption against dynalite with 100 concurrent writers: all on one instance
 *      type (every write goes to one item) versus each on its own type (no contention), and
 *      the store (one atomic append per interruption, a conditional write only for the state
 *      transition) versus a naive version-checked read-modify-write of the whole item for every
 *      interruption; throughput, latency percentiles and tries per call. The hot case must stay
 *      within 1.5× of the spread case (p99), still counting every interruption exactly once.
 *   2. compatible-type selection over a catalog-sized list of instance types.
 *
 *   npx tsx tools/bench/spot.ts
 */
import { performance } from "node:perf_hooks";
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Architecture, InstanceSpec, PriceBook } from "../../runtime/pricing/types";
import { isConditionalCheckFailed } from "../../runtime/shared/lease";
import { newBreaker, recordInterruption, type BreakerRecord } from "../../runtime/spot/breaker";
import { BreakerStore } from "../../runtime/spot/storeBreakers";
import { rankCompatibleTypes } from "../../runtime/spot/decide";
import { BreakerSettings } from "../../runtime/spot/settings";
import { startDynalite } from "../../test/support/localDynamo";

const WRITERS = 100;
const ROUNDS = 3;
/** The hot item's p99 may be at most this many times the spread case's. */
export const HOT_SPREAD_LIMIT = 1.5;

/** What the store did before: read the whole item, apply, put it back if the version is unchanged, else retry. */
function naiveWriter(doc: DynamoDBDocumentClient, table: string) {
  const settings = BreakerSettings.parse({});
  return async (type: string, instanceId: string, at: number): Promise<{ attempts: number }> => {
    for (let attempt = 1; ; attempt++) {
      const item = (await doc.send(new GetCommand({ TableName: table, Key: { pk: type }, ConsistentRead: true }))).Item as (BreakerRecord & { pk: string }) | undefined;
      const current = item ? { ...item, key: type } : newBreaker(type, settings);
      const step = recordInterruption(current, { instanceId, at }, Date.now(), settings);
      const { key: _key, ...rest } = step.record;
      try {
        await doc.send(
          new PutCommand({
            TableName: table,
            Item: { ...rest, pk: type, version: current.version + 1 },
            ConditionExpression: current.version === 0 ? "attribute_not_exists(pk)" : "version = :v",
            ExpressionAttributeValues: current.version === 0 ? undefined : { ":v": current.version },
          }),
        );
        return { attempts: attempt };
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
      }
    }
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function recordBench(): Promise<string[]> {
  const db = await startDynalite();
  await db.createTable("bench");
  const store = new BreakerStore(db.doc, "bench", BreakerSettings.parse({}));

  await db.createTable("bench-naive");
  const naive = naiveWriter(db.doc, "bench-naive");
  const scenario = async (label: string, typeFor: (round: number, writer: number) => string, opts: { rounds?: number; write?: typeof naive } = {}) => {
    const rounds = opts.rounds ?? ROUNDS;
    const write = opts.write ?? ((type: string, id: string, at: number) => store.recordInterruption(type, "us-east-1a", id, at));
    const latencies: number[] = [];
    let attempts = 0;
    const started = performance.now();
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          const t0 = performance.now();
          const r = await write(typeFor(round, w), `i-${round.toString(16)}${w.toString(16).padStart(6, "0")}`, Date.now());
          latencies.push(performance.now() - t0);
          attempts += r.attempts;
        }),
      );
    }
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const calls = WRITERS * rounds;
    return { label, calls, perSecond: calls / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), attemptsPerCall: attempts / calls };
  };

  // Warm the server and the client's connections, so neither measured case pays for them.
  await scenario("warm-up", (round, w) => `warm.r${round}w${w}`, { rounds: 1 });
  const spread = await scenario("100 writers, 100 types", (round, w) => `m5.r${round}w${w}`);
  const contended = await scenario("100 writers, one type", (round) => `m5.r${round}`);
  // Slow by design (every write contends): one round is enough to see it.
  const naiveContended = await scenario("naive RMW, one type", () => "m5.naive", { rounds: 1, write: naive });
  // Exact: every hot interruption counted once, one transition each round.
  for (let round = 0; round < ROUNDS; round++) {
    const r = await store.get(`m5.r${round}`);
    if (r.interruptions !== WRITERS || r.state !== "open") throw new Error(`hot item m5.r${round}: ${r.interruptions} interruptions counted, state ${r.state} (expected ${WRITERS}, open)`);
  }
  await db.close();
  const ratio = contended.p99 / spread.p99;

  const row = (r: typeof contended) =>
    `| ${r.label.padEnd(24)} | ${String(r.calls).padStart(5)} | ${r.perSecond.toFixed(0).padStart(8)} | ${r.p50.toFixed(1).padStart(8)} | ${r.p99.toFixed(1).padStart(8)} | ${r.attemptsPerCall.toFixed(1).padStart(8)} |`;
  return [
    `record-interruption against dynalite (${ROUNDS} rounds of ${WRITERS} concurrent writers; naive: 1 round)`,
    "| scenario                 | calls | calls/s  | p50 ms   | p99 ms   | tries/call |",
    "|--------------------------|-------|----------|----------|----------|----------|",
    row(contended),
    row(spread),
    row(naiveContended),
    `hot/spread p99 ratio: ${ratio.toFixed(2)} (limit ${HOT_SPREAD_LIMIT}: ${ratio <= HOT_SPREAD_LIMIT ? "ok" : "OVER"}); throughput ${(contended.perSecond / spread.perSecond).toFixed(2)}× the spread case (all ${WRITERS * ROUNDS} counted exactly once)`,
    `store vs naive RMW on one hot item: ${(contended.perSecond / naiveContended.perSecond).toFixed(1)}× the throughput, p99 ${(naiveContended.p99 / contended.p99).toFixed(1)}× lower`,
  ];
}

/** A catalog-sized synthetic list: ~60 families × ~14 sizes ≈ 840 types, as AWS lists per region. */
function catalogSizedPriceBook(): PriceBook {
  const sizes: [string, number][] = [["nano", 0.25], ["micro", 0.5], ["small", 1], ["medium", 2], ["large", 2], ["xlarge", 4], ["2xlarge", 8], ["4xlarge", 16], ["8xlarge", 32], ["12xlarge", 48], ["16xlarge", 64], ["24xlarge", 96], ["32xlarge", 128], ["metal", 96]];
  const specs = new Map<string, InstanceSpec & { price: number }>();
  const ratios = [2, 4, 8];
  for (let f = 0; f < 60; f++) {
    const family = `${"cmrtxzi"[f % 7]}${5 + (f % 4)}${["", "a", "g", "i", "n", "d"][f % 6]}${f >= 42 ? "e" : ""}${f}`;
    const architecture: Architecture = family.includes("g") ? "arm64" : "x86_64";
    for (const [size, vcpu] of sizes) {
      const memoryGiB = Math.max(0.5, vcpu * ratios[f % 3]!);
      specs.set(`${family}.${size}`, { instanceType: `${family}.${size}`, vcpu: Math.max(1, vcpu), memoryGiB, architecture, price: 0.01 * vcpu * (1 + (f % 5) / 10) });
    }
  }
  const no = () => {
    throw new Error("not used");
  };
  return {
    ec2OnDemandHourly: (_r, t) => specs.get(t)?.price,
    ec2SpotHourly: (_r, t) => (specs.get(t)?.price ?? 0) * 0.35,
    instanceSpec: (t) => specs.get(t),
    instanceTypes: () => [...specs.keys()],
    ebsGbMonth: no,
    snapshotGbMonth: no,
    publicIpv4Hourly: no,
    natGatewayHourly: no,
    natGatewayPerGb: no,
    loadBalancerHourly: no,
    rdsHourly: no,
    rdsStorageGbMonth: no,
    fargateHourly: no,
  };
}

function selectionBench(): string[] {
  const prices = catalogSizedPriceBook();
  const types = prices.instanceTypes("us-east-1");
  const sources = types.filter((_, i) => i % 4 === 0);
  for (const t of sources.slice(0, 20)) rankCompatibleTypes(prices, { region: "us-east-1", instanceType: t }); // warm up
  const started = performance.now();
  let found = 0;
  for (const t of sources) found += rankCompatibleTypes(prices, { region: "us-east-1", instanceType: t }).length;
  const ms = performance.now() - started;
  return [
    "",
    `compatible-type selection over ${types.length} instance types`,
    "| source types | total ms | µs per selection | compatible found (mean) |",
    "|--------------|----------|------------------|-------------------------|",
    `| ${String(sources.length).padStart(12)} | ${ms.toFixed(1).padStart(8)} | ${((ms * 1000) / sources.length).toFixed(0).padStart(16)} | ${(found / sources.length).toFixed(1).padStart(23)} |`,
  ];
}

async function main() {
  const lines = [...(await recordBench()), ...selectionBench()];
  console.log(lines.join("\n"));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
