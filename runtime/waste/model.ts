/**
 * Plain records the waste scanner works on. Inventory adapters turn AWS SDK pages into these;
 * filters, the findings store and the clean-up planner only ever see these shapes, so every
 * decision is testable with plain objects. The daily report reads stored findings as `StoredFinding`.
 */
import type { PriceBook } from "../pricing/types";

/** The prices the scanner needs: any PriceBook satisfies it. */
export type WastePrices = Pick<PriceBook, "ebsGbMonth" | "snapshotGbMonth" | "publicIpv4Hourly"> & {
  /** False for a region the catalog has no figures of (its prices are then us-east-1's: estimated). */
  isCatalogRegion?: (region: string) => boolean;
};

export type Tags = Record<string, string>;

export interface AddressRecord {
  /** eipalloc-… (VPC addresses); the public IP identifies EC2-Classic ones. */
  allocationId?: string;
  publicIp: string;
  associationId?: string;
  instanceId?: string;
  networkInterfaceId?: string;
  tags: Tags;
}

export interface VolumeRecord {
  id: string;
  /** gp2, gp3, io1, io2, st1, sc1, standard. */
  type: string;
  sizeGiB: number;
  /** available (unattached), in-use, creating, deleting, error. */
  state: string;
  createTime: string;
  attachedInstanceIds: string[];
  tags: Tags;
}

export interface SnapshotRecord {
  id: string;
  volumeId?: string;
  sizeGiB: number;
  startTime: string;
  /** pending, completed, error. */
  state: string;
  description?: string;
  /** standard or archive. */
  storageTier?: string;
  tags: Tags;
}

export interface StoppedInstanceRecord {
  id: string;
  instanceType: string;
  /** When the instance entered the stopped state (from StateTransitionReason); undefined when unknown. */
  stoppedSince?: string;
  volumeIds: string[];
  tags: Tags;
}

export interface Inventory {
  region: string;
  addresses: AddressRecord[];
  volumes: VolumeRecord[];
  snapshots: SnapshotRecord[];
  /** Snapshot id → what uses it (an own AMI, a launch template version or a launch configuration). */
  snapshotUsers: Map<string, string>;
  stoppedInstances: StoppedInstanceRecord[];
  /** SDK calls made to build this inventory (pages), for the benchmark and logs. */
  apiCalls: number;
}

export const FINDING_KINDS = ["unattached-eip", "unattached-volume", "old-snapshot", "gp2-volume", "stopped-instance"] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  /** `<kind>#<resourceId>`, or `<kind>#<account>/<region>/<resourceId>` outside the function's own unit. */
  id: string;
  kind: FindingKind;
  resourceId: string;
  /** The account it is in; absent on findings of the function's own account written before scopes. */
  account?: string;
  region: string;
  /** Environment tag of the resource, or "untagged". */
  environment: string;
  /**
   * When the waste began, as far as known: snapshot start, stop time, first seen unattached,
   * volume creation (gp2). Stored instead of an age so unchanged findings need no rewrite.
   */
  since?: string;
  /** Estimated $ per month this finding costs (or would save, for gp2 → gp3). */
  monthlyUsd: number;
  /** True when the figure is an upper bound (snapshots are billed on changed blocks only). */
  upperBound: boolean;
  /** One human line: what and why. */
  detail: string;
}

/** A finding as kept in DynamoDB, with its history. */
export interface StoredFinding extends Finding {
  status: "open" | "resolved";
  firstSeen: string;
  /** Last scan that found it (for open findings: the latest scan that could read its account and region). */
  lastSeen: string;
  /**
   * Set while scans cannot read the finding's account and region (a missing member role,
   * throttling past the retries): the first such scan. The finding stays open, as it was.
   */
  notCheckedSince?: string;
  resolvedAt?: string;
}

/**
 * costguard's own record of a clean-up mark, kept in its findings table. Only a mark with this
 * record, whose tag still says the recorded date, counts: a `costguard:cleanup-due` tag copied
 * or set by anyone else starts a new grace period. The backup of a volume counts only when it
 * is the snapshot recorded here, taken after this mark (the current clean-up cycle).
 */
export interface CleanupMark {
  resourceId: string;
  /** ISO time costguard tagged the resource. */
  markedAt: string;
  /** The date (YYYY-MM-DD) it wrote into the tag. */
  dueDate: string;
  /** For a volume: the backup snapshot costguard took in this cycle, and when. */
  backupSnapshotId?: string;
  backupTakenAt?: string;
}

export interface WasteThresholds {
  unattachedVolumeDays: number;
  snapshotAgeDays: number;
  stoppedInstanceDays: number;
}
