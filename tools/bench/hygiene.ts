/**
 * Benchmark of the waste scanner on a large account: 10,000 volumes, 10,000 snapshots,
 * 1,000 AMIs (and 20 launch templates), EC2 answered by the tests' stateful fake (paged as
 * the API pages), the findings table on dynalite.
 *
 *   npx tsx tools/bench/hygiene.ts
 *
 * Prints time, peak memory, and API calls against the minimum number of pages the APIs allow.
 */
import { memoryLog } from "../../runtime/shared/observability";
import { findWaste, trackFirstSeen, unattachedVolumeIds } from "../../runtime/waste/decide";
import { PAGE_SIZE, readInventory } from "../../runtime/waste/inventory";
import { runWasteScan } from "../../runtime/waste/run";
import { WasteSettings } from "../../runtime/waste/settings";
import { FindingsStore } from "../../runtime/waste/store";
import { FakeEc2 } from "../../test/support/fakeEc2";
import { PRICES } from "../../test/waste/helpers";
import { startDynalite } from "../../test/support/localDynamo";

const VOLUMES = 10_000;
const SNAPSHOTS = 10_000;
const AMIS = 1_000;
const TEMPLATES = 20;
const now = new Date("2026-11-23T06:00:00Z");

function account(): FakeEc2 {
  const ec2 = new FakeEc2();
  ec2.volumes = Array.from({ length: VOLUMES }, (_, i) => ({ id: `vol-${i}`, type: i % 2 ? "gp2" : "gp3", size: 8 + (i % 500), state: i % 10 ? "in-use" : "available", instanceId: i % 10 ? `i-${i}` : undefined, tags: { Environment: ["dev", "staging", "prod"][i % 3]! } }));
  ec2.snapshots = Array.from({ length: SNAPSHOTS }, (_, i) => ({ id: `snap-${i}`, volumeId: `vol-${i}`, size: 8 + (i % 500), startTime: new Date(now.getTime() - (i % 120) * 86400_000), state: "completed", tags: {} }));
  ec2.images = Array.from({ length: AMIS }, (_, i) => ({ id: `ami-${i}`, snapshotIds: [`snap-${i}`] }));
  ec2.templates = Array.from({ length: TEMPLATES }, (_, i) => ({ id: `lt-${i}`, versions: [[`snap-${AMIS + i}`]] }));
  ec2.addresses = Array.from({ length: 50 }, (_, i) => ({ allocationId: `eipalloc-${i}`, publicIp: `198.51.100.${i}`, tags: {} }));
  return ec2;
}

/** Samples heap and RSS while fn runs; returns its duration and the peaks. */
async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; peakHeapMb: number; peakRssMb: number }> {
  global.gc?.();
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const timer = setInterval(sample, 2);
  const start = performance.now();
  const value = await fn();
  const ms = performance.now() - start;
  clearInterval(timer);
  sample();
  return { value, ms, peakHeapMb: peakHeap / 2 ** 20, peakRssMb: peakRss / 2 ** 20 };
}

async function main() {
  const minimumPages =
    Math.ceil(VOLUMES / PAGE_SIZE.volumes) + Math.ceil(SNAPSHOTS / PAGE_SIZE.snapshots) + Math.ceil(AMIS / PAGE_SIZE.images) + 1 /* templates */ + TEMPLATES /* one version page each */ + 1 /* addresses */ + 1; /* stopped instances */

  const ec2 = account();
  const settings = WasteSettings.parse({ unattachedVolumeDays: 7, snapshotAgeDays: 30, stoppedInstanceDays: 14 });
  const inventoryRun = await measure(async () => {
    const inv = await readInventory(ec2.client);
    const seen = trackFirstSeen(unattachedVolumeIds(inv.volumes), new Map(), new Date(now.getTime() - 10 * 86400_000));
    return { inv, findings: findWaste(inv, { unattachedVolumes: seen, unattachedAddresses: new Map(), stoppedInstances: new Map() }, PRICES, settings, now) };
  });

  const db = await startDynalite();
  await db.createTable("findings");
  const deps = { ec2: ec2.client, store: new FindingsStore(db.doc, "findings"), prices: PRICES, log: memoryLog(), stack: "bench" };
  const first = await measure(() => runWasteScan(deps, settings, now));
  const second = await measure(() => runWasteScan(deps, settings, new Date(now.getTime() + 86400_000)));
  await db.close();

  const rows = [
    ["inventory + filters", inventoryRun.ms, inventoryRun.peakHeapMb, inventoryRun.peakRssMb, inventoryRun.value.inv.apiCalls, inventoryRun.value.findings.length, "-"],
    ["full scan, first run (dynalite)", first.ms, first.peakHeapMb, first.peakRssMb, first.value.apiCalls, first.value.open.length, first.value.itemsWritten],
    ["full scan, next day (dynalite)", second.ms, second.peakHeapMb, second.peakRssMb, second.value.apiCalls, second.value.open.length, second.value.itemsWritten],
  ] as const;
  console.log(`hygiene: waste scan of ${VOLUMES.toLocaleString()} volumes, ${SNAPSHOTS.toLocaleString()} snapshots, ${AMIS.toLocaleString()} AMIs, ${TEMPLATES} launch templates`);
  console.log(`${"run".padEnd(34)}${"time ms".padStart(10)}${"peak heap MB".padStart(14)}${"peak RSS MB".padStart(13)}${"EC2 calls".padStart(11)}${"findings".padStart(10)}${"items written".padStart(15)}`);
  for (const [name, ms, heap, rss, calls, findings, written] of rows) {
    console.log(`${name.padEnd(34)}${ms.toFixed(0).padStart(10)}${heap.toFixed(1).padStart(14)}${rss.toFixed(1).padStart(13)}${String(calls).padStart(11)}${String(findings).padStart(10)}${String(written).padStart(15)}`);
  }
  console.log(`EC2 calls per scan vs minimum pages: ${inventoryRun.value.inv.apiCalls} / ${minimumPages} = ${(inventoryRun.value.inv.apiCalls / minimumPages).toFixed(2)}`);
  console.log(`monthly waste found: $${first.value.totalMonthlyUsd.toFixed(2)} (${Object.entries(first.value.byKind).map(([k, v]) => `${k} ${v.count}`).join(", ")})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
