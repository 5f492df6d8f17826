/**
 * Organisation sweep benchmark: a deterministic discrete-event simulation, on a VIRTUAL clock, of
 * one sweep of 200 accounts × 17 regions (3,400 units) through the Step Functions shape
 * (runtime/shared/sweep.ts SWEEP_SHAPE: units per child, children at once, units at once in a
 * child). The REAL inventory code (runtime/failsafe/scope.ts readUnit → inventory.ts) and the real
 * bounded fan-out (mapUnits) run against fake clients that answer after a virtual latency and
 * throttle with a token bucket per account × region × API (EC2's documented request-rate buckets:
 * non-mutating actions 100 burst, 20/s refill; other services assumed the same); a throttled call
 * is retried with exponential backoff (virtual), as the SDK's retry does. No real sleeps.
 *
 * Prints the simulated sweep duration against the 2-minute cadence, and per month: Lambda
 * invocations, Step Functions state transitions (Standard parent) and Express child executions,
 * API calls.
 *
 *   npx tsx tools/bench/sweep.ts [--accounts 200] [--regions 17]
 */
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { RDSClient } from "@aws-sdk/client-rds";
import { readUnit, type UnitClients } from "../../runtime/failsafe/scope";
import { catalog } from "../../runtime/pricing/catalog";
import { runsPerMonth } from "../../runtime/pricing/schedule";
import { SWEEP_SHAPE } from "../../runtime/shared/sweep";
import { mapUnits, type Unit } from "../../runtime/shared/units";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ACCOUNTS = arg("accounts", 200);
const REGIONS = arg("regions", 17);
const CADENCE_MS = 120_000;

// --- the virtual clock ------------------------------------------------------------------------
type Timer = { t: number; seq: number; resolve: () => void };
const before = (a: Timer, b: Timer) => a.t < b.t || (a.t === b.t && a.seq < b.seq);

class VirtualClock {
  now = 0;
  /** A binary min-heap of pending timers (time, then order of scheduling). */
  private heap: Timer[] = [];
  private seq = 0;
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.push({ t: this.now + Math.max(0, ms), seq: this.seq++, resolve }));
  }
  private push(x: Timer): void {
    const h = this.heap;
    h.push(x);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  private pop(): Timer {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
  /** Runs until `done` settles: all microtasks first, then the earliest timers, advancing time. */
  async run<T>(done: Promise<T>): Promise<T> {
    let finished = false;
    let value: T;
    void done.then((v) => {
      finished = true;
      value = v;
    });
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (finished) return value!;
      if (this.heap.length === 0) throw new Error("simulation stalled: nothing scheduled and not finished");
      const t = this.heap[0]!.t;
      this.now = t;
      while (this.heap.length && this.heap[0]!.t === t) this.pop().resolve();
    }
  }
}
let clock = new VirtualClock();

// --- deterministic randomness ------------------------------------------------------------------
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

// --- latencies (ms) -----------------------------------------------------------------------------
const LATENCY = {
  assumeRole: 150,
  describe: () => 120 + rand() * 280, // 120–400 ms a page
  s3Put: 40,
  s3Get: 30,
  childStart: 100, // Express child execution start by the Map
  lambdaCold: 600, // first invocation of each concurrent Lambda instance
  lambdaWarm: 15,
};

// --- token buckets per account × region × API ----------------------------------------------------
const BUCKET = { capacity: 100, refillPerSecond: 20 };
/**
 * What other callers in the same account and region leave of each bucket: "quiet" = all of it;
 * "contended" = the burst already spent and 90 % of the refill used by others (2 calls/s left).
 */
const SCENARIOS = { quiet: { initialTokens: BUCKET.capacity, refillShare: 1 }, contended: { initialTokens: 0, refillShare: 0.1 } };
let scenario = SCENARIOS.quiet;
let buckets = new Map<string, { tokens: number; at: number }>();
function take(key: string): boolean {
  const b = buckets.get(key) ?? { tokens: scenario.initialTokens, at: clock.now };
  b.tokens = Math.min(BUCKET.capacity, b.tokens + ((clock.now - b.at) / 1000) * BUCKET.refillPerSecond * scenario.refillShare);
  b.at = clock.now;
  buckets.set(key, b);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

const freshStats = () => ({ apiCalls: 0, throttled: 0, assumeRole: 0, s3: 0, maxRetries: 0, failedUnits: 0 });
let stats = freshStats();

// --- the synthetic organisation: most regions empty, some busy, a few large ---------------------
function unitSize(u: Unit): number {
  const h = [...`${u.account}${u.region}`].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 1_000_003, 7);
  if (h % 100 === 0) return 2500; // 1 %: large (3 pages of instances)
  if (h % 10 === 0) return 60; // 9 %: busy
  return 0; // 90 %: empty regions
}

/** Fake answers shaped like the real APIs' pages, after a virtual latency; throttling retried with backoff. */
function fakeClients(u: Unit): UnitClients {
  const n = unitSize(u);
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const api = command.constructor.name.replace(/Command$/, "");
    for (let attempt = 0; ; attempt++) {
      stats.apiCalls++;
      await clock.sleep(LATENCY.describe());
      if (take(`${u.account}/${u.region}/${api}`)) break;
      stats.throttled++;
      stats.maxRetries = Math.max(stats.maxRetries, attempt + 1);
      if (attempt >= 5) throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
      await clock.sleep(Math.min(20_000, 100 * 2 ** attempt * (0.5 + rand())));
    }
    const token = command.input.NextToken as string | undefined;
    const start = token ? Number(token) : 0;
    switch (api) {
      case "DescribeInstances": {
        const size = (command.input.MaxResults as number | undefined) ?? 1000;
        const ids = Array.from({ length: Math.max(0, Math.min(size, n - start)) }, (_, i) => start + i);
        return {
          Reservations: [{ Instances: ids.map((i) => ({ InstanceId: `i-${i}`, InstanceType: "m5.large", Placement: { AvailabilityZone: `${u.region}a` }, State: { Name: "running" }, Tags: [{ Key: "Environment", Value: ["dev", "staging", "prod"][i % 3] }] })) }],
          NextToken: start + size < n ? String(start + size) : undefined,
        };
      }
      case "DescribeVolumes":
        return { Volumes: [] };
      case "DescribeAutoScalingGroups":
        return { AutoScalingGroups: [] };
      case "DescribeDBInstances":
        return { DBInstances: [] };
      case "DescribeLoadBalancers":
        return { LoadBalancers: [] };
      case "ListClusters":
        return { clusterArns: [] };
      case "DescribeSpotPriceHistory":
        return { SpotPriceHistory: [] };
      default:
        return {};
    }
  };
  // Real client classes (the paginators check them), without building a middleware stack per unit.
  const make = <C>(Ctor: { prototype: C }): C => Object.assign(Object.create(Ctor.prototype as object) as object, { send }) as C;
  return { ec2: make(EC2Client), autoScaling: make(AutoScalingClient), ecs: make(ECSClient), rds: make(RDSClient), elbv2: make(ElasticLoadBalancingV2Client) };
}

// --- the sweep: list → distributed Map of Express children → decide ------------------------------
const accounts = Array.from({ length: ACCOUNTS }, (_, i) => String(100000000000 + i));
const regionNames = Array.from({ length: REGIONS }, (_, i) => `xx-region-${i + 1}`);
const units: Unit[] = accounts.flatMap((account) => regionNames.map((region) => ({ account, region })));
const batches: Unit[][] = [];
for (let i = 0; i < units.length; i += SWEEP_SHAPE.unitsPerBatch) batches.push(units.slice(i, i + SWEEP_SHAPE.unitsPerBatch));

let childDurations: number[] = [];
let warmInstances = 0;

async function child(batch: Unit[]): Promise<void> {
  const start = clock.now;
  await clock.sleep(LATENCY.childStart);
  // A new Lambda instance for each concurrent child the first time (cold), reused after.
  if (warmInstances < SWEEP_SHAPE.maxConcurrency) {
    warmInstances++;
    await clock.sleep(LATENCY.lambdaCold);
  } else await clock.sleep(LATENCY.lambdaWarm);
  const assumed = new Set<string>();
  const out = await mapUnits(batch, SWEEP_SHAPE.unitConcurrencyInBatch, async (u) => {
    // One AssumeRole per account per Lambda invocation (the SDK caches the credentials).
    if (!assumed.has(u.account)) {
      assumed.add(u.account);
      stats.assumeRole++;
      stats.apiCalls++;
      await clock.sleep(LATENCY.assumeRole);
    }
    // Only a summary is answered: nothing is written per unit.
    await readUnit(u, fakeClients(u), catalog, 0, true);
  });
  stats.failedUnits += out.filter((o) => !o.ok).length;
  childDurations.push(clock.now - start);
}

async function sweep(): Promise<{ mapMs: number }> {
  // List: ListAccounts pages (20 a page) + one DescribeRegions per account, bounded; write the list.
  await clock.sleep(LATENCY.lambdaCold);
  await mapUnits(accounts.map((account) => ({ account, region: "home" })), 100, async () => {
    stats.apiCalls += 2;
    await clock.sleep(LATENCY.assumeRole + LATENCY.describe());
  });
  stats.apiCalls += Math.ceil(ACCOUNTS / 20);
  // The unit list and the list's failures.
  stats.s3 += 2;
  await clock.sleep(LATENCY.s3Put);
  const mapStart = clock.now;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(SWEEP_SHAPE.maxConcurrency, batches.length) }, async () => {
      while (next < batches.length) await child(batches[next++]!);
    }),
  );
  const mapMs = clock.now - mapStart;
  // The Map's ResultWriter: a manifest and a result file per status (SUCCEEDED, FAILED, PENDING).
  stats.s3 += 4;
  // Decide: the manifest, the result files (≤ 5 MB each) and the list's failures; a quiet sweep
  // acts nowhere, so re-reads no unit.
  await clock.sleep(LATENCY.lambdaWarm + LATENCY.s3Get * 3 + 200);
  stats.s3 += 5;
  return { mapMs };
}

async function simulate(name: keyof typeof SCENARIOS): Promise<void> {
  [clock, scenario, buckets, stats, childDurations, warmInstances, seed] = [new VirtualClock(), SCENARIOS[name], new Map(), freshStats(), [], 0, 42];
  const wall = process.hrtime.bigint();
  const { mapMs } = await clock.run(sweep());
  const sweepMs = clock.now;
  const runs = runsPerMonth("rate(2 minutes)")!;
  const parentTransitions = 3; // List, the Map state, Decide (Standard: billed per state transition)
  const perRun = { lambda: 1 + batches.length + 1, transitions: parentTransitions, express: batches.length, api: stats.apiCalls, s3: stats.s3 };
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const meanChild = childDurations.reduce((a, b) => a + b, 0) / childDurations.length;
  console.log(`\n[${name}] organisation sweep, simulated on a virtual clock: ${ACCOUNTS} accounts × ${REGIONS} regions = ${units.length} units (90 % empty, 9 % with 60 instances, 1 % with 2,500)`);
  console.log(`  shape: ${SWEEP_SHAPE.unitsPerBatch} units per child, ${SWEEP_SHAPE.maxConcurrency} children at once, ${SWEEP_SHAPE.unitConcurrencyInBatch} units at once per child → ${batches.length} Express children`);
  console.log(`  sweep duration: ${(sweepMs / 1000).toFixed(1)} s (Map ${(mapMs / 1000).toFixed(1)} s), ${((sweepMs / CADENCE_MS) * 100).toFixed(1)} % of the 2-minute cadence (ratio ${(sweepMs / CADENCE_MS).toFixed(3)})`);
  console.log(`  child execution: mean ${(meanChild / 1000).toFixed(2)} s, max ${(Math.max(...childDurations) / 1000).toFixed(2)} s`);
  console.log(`  API calls per sweep: ${fmt(stats.apiCalls)} (AssumeRole ${fmt(stats.assumeRole)}; throttled ${fmt(stats.throttled)}, most retries of one call ${stats.maxRetries}); S3 requests ${fmt(stats.s3)}; units failed ${stats.failedUnits}`);
  console.log(`  per month at rate(2 minutes) (${fmt(runs)} sweeps):`);
  console.log(`    Lambda invocations        ${fmt(perRun.lambda * runs)} (${perRun.lambda} per sweep)`);
  console.log(`    Standard state transitions ${fmt(perRun.transitions * runs)} (${perRun.transitions} per sweep, parent only)`);
  console.log(`    Express child executions  ${fmt(perRun.express * runs)} (${perRun.express} per sweep, mean ${(meanChild / 1000).toFixed(2)} s)`);
  console.log(`    AWS API calls             ${fmt(perRun.api * runs)}; S3 requests ${fmt(perRun.s3 * runs)}`);
  console.log(`  (simulation wall time ${(Number(process.hrtime.bigint() - wall) / 1e9).toFixed(1)} s)`);
}

async function main(): Promise<void> {
  await simulate("quiet");
  await simulate("contended");
}

void main();
