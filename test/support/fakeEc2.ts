/**
 * A small stateful fake EC2 account behind aws-sdk-client-mock: describe calls page through
 * the state with MaxResults/NextToken as the API does; writes change the state and are
 * recorded, so tests can assert what a user would see in the console afterwards.
 */
import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DeleteVolumeCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  ReleaseAddressCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type Tag,
} from "@aws-sdk/client-ec2";
import { AutoScalingClient, DescribeLaunchConfigurationsCommand } from "@aws-sdk/client-auto-scaling";
import { mockClient } from "aws-sdk-client-mock";

export type Tags = Record<string, string>;
export interface FakeVolume { id: string; type: string; size: number; state: string; instanceId?: string; tags: Tags; createTime?: Date }
export interface FakeSnapshot { id: string; volumeId?: string; size: number; startTime: Date; state: string; tags: Tags; description?: string }
export interface FakeAddress { allocationId: string; publicIp: string; instanceId?: string; associationId?: string; tags: Tags }
export interface FakeImage { id: string; snapshotIds: string[] }
export interface FakeTemplate { id: string; versions: string[][] }
/** A (legacy) Auto Scaling launch configuration and the snapshots its block devices are made from. */
export interface FakeLaunchConfiguration { name: string; snapshotIds: string[] }
export interface FakeInstance {
  id: string;
  type: string;
  state: string;
  tags: Tags;
  terminationProtection?: boolean;
  stateReason?: string;
  volumeIds?: string[];
  /** When it was last launched or started (EC2's LaunchTime); 2026-01-01 unless given. */
  launchTime?: Date;
}

/** Commands that change something. */
export const WRITE_COMMANDS = ["CreateTags", "DeleteTags", "StopInstances", "TerminateInstances", "ReleaseAddress", "DeleteVolume", "DeleteSnapshot", "CreateSnapshot"] as const;

const toTags = (t: Tags): Tag[] => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));

function page<T>(items: T[], input: { MaxResults?: number; NextToken?: string }, defaultSize = 1000): { items: T[]; NextToken?: string } {
  const start = input.NextToken ? Number(input.NextToken) : 0;
  const size = input.MaxResults ?? defaultSize;
  const end = start + size;
  return { items: items.slice(start, end), NextToken: end < items.length ? String(end) : undefined };
}

export class FakeEc2 {
  readonly client = new EC2Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  readonly autoScaling = new AutoScalingClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  readonly mock: ReturnType<typeof mockClient>;
  readonly autoScalingMock: ReturnType<typeof mockClient>;
  launchConfigurations: FakeLaunchConfiguration[] = [];
  volumes: FakeVolume[] = [];
  snapshots: FakeSnapshot[] = [];
  addresses: FakeAddress[] = [];
  images: FakeImage[] = [];
  templates: FakeTemplate[] = [];
  instances: FakeInstance[] = [];
  /** Every call, in order: command name and input. */
  calls: { command: string; input: Record<string, unknown> }[] = [];
  /** Make one command fail, e.g. to test that a failure is reported. */
  failures = new Map<string, Error>();
  private nextId = 1;

  /**
   * Pass the EC2Client class to fake every client the code under test builds itself (handlers).
   * `now` is the account's clock (snapshot start times): give it the same clock the code under
   * test is given, so that ages computed from what EC2 says do not depend on today's date.
   */
  constructor(target?: typeof EC2Client, readonly now: () => Date = () => new Date()) {
    this.mock = target ? mockClient(target) : mockClient(this.client);
    this.autoScalingMock = target ? mockClient(AutoScalingClient) : mockClient(this.autoScaling);
    this.autoScalingMock.on(DescribeLaunchConfigurationsCommand as never).callsFake(async (input: { MaxRecords?: number; NextToken?: string }) => {
      this.calls.push({ command: "DescribeLaunchConfigurations", input });
      const p = page(this.launchConfigurations, { MaxResults: input.MaxRecords, NextToken: input.NextToken }, 50);
      return {
        NextToken: p.NextToken,
        LaunchConfigurations: p.items.map((lc) => ({ LaunchConfigurationName: lc.name, BlockDeviceMappings: lc.snapshotIds.map((s, n) => ({ DeviceName: `/dev/sd${"abcdefgh"[n]}`, Ebs: { SnapshotId: s } })) })),
      };
    });
    const m = this.mock;
    const on = <I extends object, O>(cmd: new (input: I) => unknown, name: string, fn: (input: I) => O) =>
      m.on(cmd as never).callsFake(async (input: I) => {
        this.calls.push({ command: name, input: input as Record<string, unknown> });
        const fail = this.failures.get(name);
        if (fail) throw fail;
        return fn(input);
      });

    on(DescribeVolumesCommand, "DescribeVolumes", (input) => {
      const p = page(this.volumes, input, 500);
      return {
        NextToken: p.NextToken,
        Volumes: p.items.map((v) => ({ VolumeId: v.id, VolumeType: v.type, Size: v.size, State: v.state, CreateTime: v.createTime ?? new Date("2026-01-01T00:00:00Z"), Attachments: v.instanceId ? [{ InstanceId: v.instanceId, State: "attached" }] : [], Tags: toTags(v.tags) })),
      };
    });
    on(DescribeSnapshotsCommand, "DescribeSnapshots", (input) => {
      const p = page(this.snapshots, input);
      return { NextToken: p.NextToken, Snapshots: p.items.map((s) => ({ SnapshotId: s.id, VolumeId: s.volumeId, VolumeSize: s.size, StartTime: s.startTime, State: s.state, Description: s.description, Tags: toTags(s.tags) })) };
    });
    on(DescribeAddressesCommand, "DescribeAddresses", () => ({
      Addresses: this.addresses.map((a) => ({ AllocationId: a.allocationId, PublicIp: a.publicIp, InstanceId: a.instanceId, AssociationId: a.associationId, Domain: "vpc", Tags: toTags(a.tags) })),
    }));
    on(DescribeImagesCommand, "DescribeImages", (input) => {
      const p = page(this.images, input);
      return { NextToken: p.NextToken, Images: p.items.map((i) => ({ ImageId: i.id, BlockDeviceMappings: i.snapshotIds.map((s, n) => ({ DeviceName: `/dev/sd${"abcdefgh"[n]}`, Ebs: { SnapshotId: s } })) })) };
    });
    on(DescribeLaunchTemplatesCommand, "DescribeLaunchTemplates", (input) => {
      const p = page(this.templates, input, 200);
      return { NextToken: p.NextToken, LaunchTemplates: p.items.map((t) => ({ LaunchTemplateId: t.id })) };
    });
    on(DescribeLaunchTemplateVersionsCommand, "DescribeLaunchTemplateVersions", (input: { LaunchTemplateId?: string; MaxResults?: number; NextToken?: string }) => {
      const t = this.templates.find((x) => x.id === input.LaunchTemplateId);
      const versions = (t?.versions ?? []).map((snaps, n) => ({ n: n + 1, snaps }));
      const p = page(versions, input, 200);
      return {
        NextToken: p.NextToken,
        LaunchTemplateVersions: p.items.map((v) => ({ LaunchTemplateId: t?.id, VersionNumber: v.n, LaunchTemplateData: { BlockDeviceMappings: v.snaps.map((s) => ({ DeviceName: "/dev/xvda", Ebs: { SnapshotId: s } })) } })),
      };
    });
    on(DescribeInstancesCommand, "DescribeInstances", (input: { Filters?: { Name?: string; Values?: string[] }[]; MaxResults?: number; NextToken?: string }) => {
      const states = input.Filters?.find((f) => f.Name === "instance-state-name")?.Values;
      const p = page(this.instances.filter((i) => !states || states.includes(i.state)), input);
      return {
        NextToken: p.NextToken,
        Reservations: [
          {
            Instances: p.items.map((i) => ({
              InstanceId: i.id,
              InstanceType: i.type,
              State: { Name: i.state },
              LaunchTime: i.launchTime ?? new Date("2026-01-01T00:00:00Z"),
              StateTransitionReason: i.stateReason ?? "",
              Tags: toTags(i.tags),
              BlockDeviceMappings: (i.volumeIds ?? []).map((v) => ({ Ebs: { VolumeId: v } })),
            })),
          },
        ],
      };
    });
    on(DescribeInstanceAttributeCommand, "DescribeInstanceAttribute", (input: { InstanceId?: string }) => ({
      InstanceId: input.InstanceId,
      DisableApiTermination: { Value: !!this.instances.find((i) => i.id === input.InstanceId)?.terminationProtection },
    }));
    on(CreateTagsCommand, "CreateTags", (input: { Resources?: string[]; Tags?: Tag[] }) => {
      for (const id of input.Resources ?? []) for (const t of input.Tags ?? []) this.tagsOf(id)[t.Key!] = t.Value ?? "";
      return {};
    });
    on(DeleteTagsCommand, "DeleteTags", (input: { Resources?: string[]; Tags?: Tag[] }) => {
      for (const id of input.Resources ?? []) for (const t of input.Tags ?? []) delete this.tagsOf(id)[t.Key!];
      return {};
    });
    on(StopInstancesCommand, "StopInstances", (input: { InstanceIds?: string[] }) => {
      for (const id of input.InstanceIds ?? []) this.instance(id).state = "stopped";
      return {};
    });
    on(TerminateInstancesCommand, "TerminateInstances", (input: { InstanceIds?: string[] }) => {
      for (const id of input.InstanceIds ?? []) this.instance(id).state = "terminated";
      return {};
    });
    on(ReleaseAddressCommand, "ReleaseAddress", (input: { AllocationId?: string }) => {
      this.addresses = this.addresses.filter((a) => a.allocationId !== input.AllocationId);
      return {};
    });
    on(DeleteVolumeCommand, "DeleteVolume", (input: { VolumeId?: string }) => {
      this.volumes = this.volumes.filter((v) => v.id !== input.VolumeId);
      return {};
    });
    on(DeleteSnapshotCommand, "DeleteSnapshot", (input: { SnapshotId?: string }) => {
      this.snapshots = this.snapshots.filter((s) => s.id !== input.SnapshotId);
      return {};
    });
    on(CreateSnapshotCommand, "CreateSnapshot", (input: { VolumeId?: string; TagSpecifications?: { Tags?: Tag[] }[] }) => {
      const v = this.volumes.find((x) => x.id === input.VolumeId)!;
      const tags: Tags = {};
      for (const t of input.TagSpecifications?.[0]?.Tags ?? []) tags[t.Key!] = t.Value ?? "";
      const snap: FakeSnapshot = { id: `snap-new${this.nextId++}`, volumeId: v.id, size: v.size, startTime: this.now(), state: "pending", tags, description: (input as { Description?: string }).Description };
      this.snapshots.push(snap);
      return { SnapshotId: snap.id, State: "pending" };
    });
  }

  instance(id: string): FakeInstance {
    const i = this.instances.find((x) => x.id === id);
    if (!i) throw Object.assign(new Error(`The instance ID '${id}' does not exist`), { name: "InvalidInstanceID.NotFound" });
    return i;
  }

  tagsOf(id: string): Tags {
    const r = this.instances.find((x) => x.id === id) ?? this.volumes.find((x) => x.id === id) ?? this.snapshots.find((x) => x.id === id) ?? this.addresses.find((x) => x.allocationId === id);
    if (!r) throw new Error(`no resource ${id}`);
    return r.tags;
  }

  /** Restores the SDK clients (needed when the constructor mocked every client of a class). */
  restore(): void {
    this.mock.restore();
    this.autoScalingMock.restore();
  }

  writes(): { command: string; input: Record<string, unknown> }[] {
    return this.calls.filter((c) => (WRITE_COMMANDS as readonly string[]).includes(c.command));
  }
}
