/**
 * Inventory adapters: paginated EC2 describe calls → the plain records of ./model.
 * Page sizes are the APIs' maxima, so a scan makes the fewest calls the APIs allow.
 */
import {
  DescribeAddressesCommand,
  paginateDescribeImages,
  paginateDescribeInstances,
  paginateDescribeLaunchTemplates,
  paginateDescribeLaunchTemplateVersions,
  paginateDescribeSnapshots,
  paginateDescribeVolumes,
  type EC2Client,
  type Tag,
} from "@aws-sdk/client-ec2";
import { paginateDescribeLaunchConfigurations, type AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { stoppedSinceFromReason } from "./decide";
import type { AddressRecord, Inventory, SnapshotRecord, StoppedInstanceRecord, Tags, VolumeRecord } from "./model";

/** The IAM actions of the reads below; EC2's Describe calls support no resource-level permissions (granted on "*"). */
export const INVENTORY_ACTIONS = [
  "ec2:DescribeAddresses",
  "ec2:DescribeVolumes",
  "ec2:DescribeSnapshots",
  "ec2:DescribeImages",
  "ec2:DescribeLaunchTemplates",
  "ec2:DescribeLaunchTemplateVersions",
  "ec2:DescribeInstances",
  "autoscaling:DescribeLaunchConfigurations",
] as const;

/** Largest page each API accepts. */
export const PAGE_SIZE = { volumes: 500, snapshots: 1000, images: 1000, instances: 1000, launchTemplates: 200, launchTemplateVersions: 200, launchConfigurations: 100 } as const;

export function tagsOf(tags: Tag[] | undefined): Tags {
  const out: Tags = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  return out;
}

function iso(d: Date | string | undefined): string {
  if (d === undefined) return new Date(0).toISOString();
  return typeof d === "string" ? d : d.toISOString();
}

/** Counts SDK calls (one per page) so the benchmark can compare them with the minimum. */
export class CallCounter {
  calls = 0;
}

export async function listAddresses(ec2: EC2Client, counter = new CallCounter()): Promise<AddressRecord[]> {
  // DescribeAddresses is not paginated: one call returns every address of the region.
  counter.calls++;
  const out = await ec2.send(new DescribeAddressesCommand({}));
  return (out.Addresses ?? []).map((a) => ({
    allocationId: a.AllocationId,
    publicIp: a.PublicIp ?? "",
    associationId: a.AssociationId,
    instanceId: a.InstanceId || undefined,
    networkInterfaceId: a.NetworkInterfaceId,
    tags: tagsOf(a.Tags),
  }));
}

export async function listVolumes(ec2: EC2Client, counter = new CallCounter()): Promise<VolumeRecord[]> {
  const out: VolumeRecord[] = [];
  for await (const page of paginateDescribeVolumes({ client: ec2, pageSize: PAGE_SIZE.volumes }, {})) {
    counter.calls++;
    for (const v of page.Volumes ?? []) {
      if (!v.VolumeId) continue;
      out.push({
        id: v.VolumeId,
        type: v.VolumeType ?? "standard",
        sizeGiB: v.Size ?? 0,
        state: v.State ?? "unknown",
        createTime: iso(v.CreateTime),
        attachedInstanceIds: (v.Attachments ?? []).map((a) => a.InstanceId).filter((id): id is string => !!id),
        tags: tagsOf(v.Tags),
      });
    }
  }
  return out;
}

export async function listOwnSnapshots(ec2: EC2Client, counter = new CallCounter()): Promise<SnapshotRecord[]> {
  const out: SnapshotRecord[] = [];
  for await (const page of paginateDescribeSnapshots({ client: ec2, pageSize: PAGE_SIZE.snapshots }, { OwnerIds: ["self"] })) {
    counter.calls++;
    for (const s of page.Snapshots ?? []) {
      if (!s.SnapshotId) continue;
      out.push({
        id: s.SnapshotId,
        volumeId: s.VolumeId && s.VolumeId !== "vol-ffffffff" ? s.VolumeId : undefined,
        sizeGiB: s.VolumeSize ?? 0,
        startTime: iso(s.StartTime),
        state: s.State ?? "unknown",
        description: s.Description,
        storageTier: s.StorageTier,
        tags: tagsOf(s.Tags),
      });
    }
  }
  return out;
}

/**
 * Snapshot id → the own AMI, launch template version or launch configuration that uses it.
 * Without an Auto Scaling client, launch configurations are not read (and their snapshots
 * could be taken for unused: the handler always passes one).
 */
export async function listSnapshotUsers(ec2: EC2Client, counter = new CallCounter(), autoScaling?: AutoScalingClient): Promise<Map<string, string>> {
  const users = new Map<string, string>();
  // Deprecated and disabled AMIs still need their snapshots.
  for await (const page of paginateDescribeImages({ client: ec2, pageSize: PAGE_SIZE.images }, { Owners: ["self"], IncludeDeprecated: true, IncludeDisabled: true })) {
    counter.calls++;
    for (const image of page.Images ?? []) {
      for (const m of image.BlockDeviceMappings ?? []) if (m.Ebs?.SnapshotId) users.set(m.Ebs.SnapshotId, `AMI ${image.ImageId}`);
    }
  }
  // Every version, not only $Latest/$Default: an Auto Scaling group may pin an older one.
  const templateIds: string[] = [];
  for await (const page of paginateDescribeLaunchTemplates({ client: ec2, pageSize: PAGE_SIZE.launchTemplates }, {})) {
    counter.calls++;
    for (const t of page.LaunchTemplates ?? []) if (t.LaunchTemplateId) templateIds.push(t.LaunchTemplateId);
  }
  for (const id of templateIds) {
    for await (const page of paginateDescribeLaunchTemplateVersions({ client: ec2, pageSize: PAGE_SIZE.launchTemplateVersions }, { LaunchTemplateId: id })) {
      counter.calls++;
      for (const v of page.LaunchTemplateVersions ?? []) {
        for (const m of v.LaunchTemplateData?.BlockDeviceMappings ?? []) {
          if (m.Ebs?.SnapshotId && !users.has(m.Ebs.SnapshotId)) users.set(m.Ebs.SnapshotId, `launch template ${id} version ${v.VersionNumber}`);
        }
      }
    }
  }
  // Launch configurations (the older way Auto Scaling groups launch) name snapshots too.
  if (autoScaling) {
    for await (const page of paginateDescribeLaunchConfigurations({ client: autoScaling, pageSize: PAGE_SIZE.launchConfigurations }, {})) {
      counter.calls++;
      for (const lc of page.LaunchConfigurations ?? []) {
        for (const m of lc.BlockDeviceMappings ?? []) if (m.Ebs?.SnapshotId && !users.has(m.Ebs.SnapshotId)) users.set(m.Ebs.SnapshotId, `launch configuration ${lc.LaunchConfigurationName}`);
      }
    }
  }
  return users;
}

export async function listStoppedInstances(ec2: EC2Client, counter = new CallCounter()): Promise<StoppedInstanceRecord[]> {
  const out: StoppedInstanceRecord[] = [];
  const filter = { Filters: [{ Name: "instance-state-name", Values: ["stopped"] }] };
  for await (const page of paginateDescribeInstances({ client: ec2, pageSize: PAGE_SIZE.instances }, filter)) {
    counter.calls++;
    for (const r of page.Reservations ?? []) {
      for (const i of r.Instances ?? []) {
        if (!i.InstanceId) continue;
        out.push({
          id: i.InstanceId,
          instanceType: i.InstanceType ?? "unknown",
          stoppedSince: stoppedSinceFromReason(i.StateTransitionReason),
          volumeIds: (i.BlockDeviceMappings ?? []).map((m) => m.Ebs?.VolumeId).filter((id): id is string => !!id),
          tags: tagsOf(i.Tags),
        });
      }
    }
  }
  return out;
}

/** The whole inventory of one region; the five listings run concurrently. */
export async function readInventory(ec2: EC2Client, autoScaling?: AutoScalingClient): Promise<Inventory> {
  const counter = new CallCounter();
  const region = await ec2.config.region();
  const [addresses, volumes, snapshots, snapshotUsers, stoppedInstances] = await Promise.all([
    listAddresses(ec2, counter),
    listVolumes(ec2, counter),
    listOwnSnapshots(ec2, counter),
    listSnapshotUsers(ec2, counter, autoScaling),
    listStoppedInstances(ec2, counter),
  ]);
  return { region, addresses, volumes, snapshots, snapshotUsers, stoppedInstances, apiCalls: counter.calls };
}
