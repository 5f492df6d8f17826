/**
 * The waste scanner's decisions, as pure functions over plain records: which resources are
 * waste, since when, and what they cost a month. No AWS calls here.
 *
 * Thresholds are "longer than": a volume unattached for exactly 7 days is not yet waste.
 */
import { HOURS_PER_MONTH } from "../pricing/types";
import { isProtected as isProtectedTag, TAGS, UNTAGGED } from "../contract";
import type { AddressRecord, Finding, FindingKind, Inventory, SnapshotRecord, StoppedInstanceRecord, Tags, VolumeRecord, WastePrices, WasteThresholds } from "./model";

const DAY_MS = 24 * 3600 * 1000;

export function ageInDays(since: string | undefined, now: Date): number | undefined {
  if (!since) return undefined;
  const t = Date.parse(since);
  return Number.isFinite(t) ? (now.getTime() - t) / DAY_MS : undefined;
}

/** Rounds to 1/100 of a cent so sums stay stable and figures compare exactly. */
export function usd(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

export function environmentOf(tags: Tags): string {
  return tags[TAGS.environment] || UNTAGGED;
}

/** `costguard:protect` = true in any letter case (one rule for every capability). */
export const isProtected = (tags: Tags): boolean => isProtectedTag(tags);

/**
 * Who keeps a snapshot on purpose, from what AWS writes on it: Data Lifecycle Manager tags
 * its snapshots `aws:dlm:lifecycle-policy-id`; AWS Backup tags its EBS recovery points
 * `aws:backup:source-resource` (and describes them as created by AWS Backup). Their policies
 * retire them: they are not waste, whatever their age.
 */
export function retainedBy(s: Pick<SnapshotRecord, "tags" | "description">): string | undefined {
  const policy = s.tags["aws:dlm:lifecycle-policy-id"];
  if (policy !== undefined) return `Data Lifecycle Manager policy ${policy}`;
  if (s.tags["aws:backup:source-resource"] !== undefined || /created by (the )?AWS Backup|AWS Backup service/i.test(s.description ?? "")) return "AWS Backup";
  return undefined;
}

function finding(kind: FindingKind, resourceId: string, region: string, tags: Tags, f: Pick<Finding, "since" | "monthlyUsd" | "upperBound" | "detail">): Finding {
  return { id: `${kind}#${resourceId}`, kind, resourceId, region, environment: environmentOf(tags), ...f, monthlyUsd: usd(f.monthlyUsd) };
}

/** $/month of a volume's storage (provisioned IOPS/throughput are not included). */
export function volumeMonthlyUsd(volume: Pick<VolumeRecord, "type" | "sizeGiB">, region: string, prices: WastePrices): number | undefined {
  const perGb = prices.ebsGbMonth(region, volume.type);
  return perGb === undefined ? undefined : volume.sizeGiB * perGb;
}

/**
 * Keeps, for each resource now in a wasteful state, the time it was first seen so (the API
 * has no detach time): kept from the previous run, `now` for newcomers; others are dropped.
 */
export function trackFirstSeen(currentIds: Iterable<string>, previous: ReadonlyMap<string, string>, now: Date): Map<string, string> {
  const next = new Map<string, string>();
  for (const id of currentIds) next.set(id, previous.get(id) ?? now.toISOString());
  return next;
}

/** Volumes costguard tracks for "unattached since": every volume in the `available` state. */
export function unattachedVolumeIds(volumes: VolumeRecord[]): string[] {
  return volumes.filter((v) => v.state === "available").map((v) => v.id);
}

/** Elastic IPs not associated with anything: $0.005/h each in us-east-1. */
export function findUnattachedAddresses(addresses: AddressRecord[], region: string, prices: WastePrices, firstSeen: ReadonlyMap<string, string>): Finding[] {
  const monthly = prices.publicIpv4Hourly(region) * HOURS_PER_MONTH;
  return addresses
    .filter((a) => !a.associationId && !a.instanceId && !a.networkInterfaceId)
    .map((a) => {
      const id = a.allocationId ?? a.publicIp;
      return finding("unattached-eip", id, region, a.tags, {
        since: firstSeen.get(id),
        monthlyUsd: monthly,
        upperBound: false,
        detail: `Elastic IP ${a.publicIp} is not associated with any instance or network interface`,
      });
    });
}

/** Volumes unattached for longer than the threshold, counted from when costguard first saw them unattached. */
export function findUnattachedVolumes(volumes: VolumeRecord[], unattachedSince: ReadonlyMap<string, string>, region: string, prices: WastePrices, t: WasteThresholds, now: Date): Finding[] {
  const out: Finding[] = [];
  for (const v of volumes) {
    if (v.state !== "available") continue;
    const since = unattachedSince.get(v.id);
    const age = ageInDays(since, now);
    if (age === undefined || age <= t.unattachedVolumeDays) continue;
    const monthly = volumeMonthlyUsd(v, region, prices);
    out.push(
      finding("unattached-volume", v.id, region, v.tags, {
        since,
        monthlyUsd: monthly ?? 0,
        upperBound: false,
        detail: `${v.sizeGiB} GiB ${v.type} volume, unattached${monthly === undefined ? ` (no price for ${v.type})` : ""}`,
      }),
    );
  }
  return out;
}

/**
 * Snapshots older than the threshold that nothing uses (no own AMI, launch template version or
 * launch configuration) and no retention policy keeps (DLM, AWS Backup). Cost: size is an upper bound.
 */
export function findOldSnapshots(inv: Pick<Inventory, "snapshots" | "snapshotUsers" | "region">, prices: WastePrices, t: WasteThresholds, now: Date): Finding[] {
  const perGb = prices.snapshotGbMonth(inv.region);
  const out: Finding[] = [];
  for (const s of inv.snapshots) {
    if (s.state !== "completed" || inv.snapshotUsers.has(s.id) || retainedBy(s)) continue;
    const age = ageInDays(s.startTime, now);
    if (age === undefined || age <= t.snapshotAgeDays) continue;
    out.push(
      finding("old-snapshot", s.id, inv.region, s.tags, {
        since: s.startTime,
        monthlyUsd: s.sizeGiB * perGb,
        upperBound: true,
        detail: `${s.sizeGiB} GiB snapshot${s.volumeId ? ` of ${s.volumeId}` : ""}, used by no own AMI, launch template or launch configuration (billed on changed blocks: at most this)`,
      }),
    );
  }
  return out;
}

/**
 * gp2 volumes and the saving of moving them to gp3 (20 % cheaper per GB). Above 170 GiB, gp2's
 * baseline throughput (250 MB/s) exceeds gp3's free 125 MB/s, and above 1,000 GiB its IOPS
 * exceed gp3's free 3,000: matching them costs extra on gp3, so the saving is an upper bound.
 */
export function findGp2Volumes(volumes: VolumeRecord[], region: string, prices: WastePrices, exclude: ReadonlySet<string>): Finding[] {
  const gp2 = prices.ebsGbMonth(region, "gp2");
  const gp3 = prices.ebsGbMonth(region, "gp3");
  if (gp2 === undefined || gp3 === undefined) return [];
  return volumes
    .filter((v) => v.type === "gp2" && !exclude.has(v.id) && v.state !== "deleting")
    .map((v) =>
      finding("gp2-volume", v.id, region, v.tags, {
        since: v.createTime,
        monthlyUsd: v.sizeGiB * (gp2 - gp3),
        upperBound: v.sizeGiB > 170,
        detail: `${v.sizeGiB} GiB gp2 volume: gp3 costs ${Math.round((1 - gp3 / gp2) * 100)} % less${v.sizeGiB > 170 ? " (matching gp2's baseline throughput/IOPS on gp3 may cost extra)" : ""}`,
      }),
    );
}

/** Parses the time out of EC2's StateTransitionReason, e.g. "User initiated (2026-11-01 10:00:00 GMT)". */
export function stoppedSinceFromReason(reason: string | undefined): string | undefined {
  const m = /\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) GMT\)/.exec(reason ?? "");
  return m ? `${m[1]}T${m[2]}.000Z` : undefined;
}

/** Instances stopped for longer than the threshold, with what their volumes and Elastic IPs still cost. */
export function findStoppedInstances(
  instances: StoppedInstanceRecord[],
  volumes: VolumeRecord[],
  addresses: AddressRecord[],
  region: string,
  prices: WastePrices,
  firstSeenStopped: ReadonlyMap<string, string>,
  t: WasteThresholds,
  now: Date,
): Finding[] {
  const volumeById = new Map(volumes.map((v) => [v.id, v]));
  const ipv4Monthly = prices.publicIpv4Hourly(region) * HOURS_PER_MONTH;
  const out: Finding[] = [];
  for (const i of instances) {
    const since = i.stoppedSince ?? firstSeenStopped.get(i.id);
    const age = ageInDays(since, now);
    if (age === undefined || age <= t.stoppedInstanceDays) continue;
    const attached = i.volumeIds.map((id) => volumeById.get(id)).filter((v): v is VolumeRecord => v !== undefined);
    const ebs = attached.reduce((sum, v) => sum + (volumeMonthlyUsd(v, region, prices) ?? 0), 0);
    const ips = addresses.filter((a) => a.instanceId === i.id).length;
    const gib = attached.reduce((sum, v) => sum + v.sizeGiB, 0);
    out.push(
      finding("stopped-instance", i.id, region, i.tags, {
        since,
        monthlyUsd: ebs + ips * ipv4Monthly,
        upperBound: false,
        detail: `${i.instanceType}, stopped, still pays for ${attached.length} EBS volume${attached.length === 1 ? "" : "s"} (${gib} GiB)${ips ? ` and ${ips} Elastic IP${ips === 1 ? "" : "s"}` : ""}`,
      }),
    );
  }
  return out;
}

export interface FirstSeen {
  /** Volume id → when first seen unattached. */
  unattachedVolumes: ReadonlyMap<string, string>;
  /** Elastic IP id → when first seen unassociated. */
  unattachedAddresses: ReadonlyMap<string, string>;
  /** Instance id → when first seen stopped (used when StateTransitionReason has no time). */
  stoppedInstances: ReadonlyMap<string, string>;
}

/**
 * Every finding of one scan. A volume is counted once: gp2 savings are not listed for volumes
 * already counted in full as unattached or as part of a long-stopped instance.
 */
export function findWaste(inv: Inventory, seen: FirstSeen, prices: WastePrices, t: WasteThresholds, now: Date): Finding[] {
  const eips = findUnattachedAddresses(inv.addresses, inv.region, prices, seen.unattachedAddresses);
  const volumes = findUnattachedVolumes(inv.volumes, seen.unattachedVolumes, inv.region, prices, t, now);
  const snapshots = findOldSnapshots(inv, prices, t, now);
  const stopped = findStoppedInstances(inv.stoppedInstances, inv.volumes, inv.addresses, inv.region, prices, seen.stoppedInstances, t, now);
  const counted = new Set(volumes.map((f) => f.resourceId));
  const stoppedIds = new Set(stopped.map((f) => f.resourceId));
  for (const i of inv.stoppedInstances) if (stoppedIds.has(i.id)) i.volumeIds.forEach((id) => counted.add(id));
  const gp2 = findGp2Volumes(inv.volumes, inv.region, prices, counted);
  return [...eips, ...volumes, ...snapshots, ...stopped, ...gp2];
}

export function totalMonthlyUsd(findings: Pick<Finding, "monthlyUsd">[]): number {
  return usd(findings.reduce((sum, f) => sum + f.monthlyUsd, 0));
}
