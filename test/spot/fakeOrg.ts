/**
 * A small fake organisation for the spot events: each account has its own instances and its own
 * Availability Zone names (AWS shuffles them per account: one account's us-east-1a is another's
 * us-east-1b), and answers only through its own EC2 client. A member account whose role is
 * missing refuses every call the way the SDK surfaces a refused AssumeRole.
 */
import { DescribeAvailabilityZonesCommand, DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import type { Unit } from "../../runtime/shared/units";

export interface FakeInstance {
  type: string;
  /** The AZ name, as this instance's account names it. */
  az: string;
  tags: Record<string, string>;
  region?: string;
}

export interface FakeAccountSpec {
  /** AZ name → AZ ID, this account's mapping (per region: names carry their region). */
  zones: Record<string, string>;
  instances: Record<string, FakeInstance>;
  /** Whether DescribeInstances reports Placement.AvailabilityZoneId (older responses do not). */
  reportsZoneId?: boolean;
  /** The member role is missing: AssumeRole is refused. */
  roleMissing?: boolean;
}

export class FakeOrg {
  /** Calls per unit, by command name: what was read where. */
  readonly calls: { unit: string; command: string }[] = [];
  private readonly clients = new Map<string, EC2Client>();

  constructor(private readonly accounts: Record<string, FakeAccountSpec>) {}

  /** The client of a unit, as the events function gets it (own or through the member role). */
  readonly ec2For = (unit: Unit): EC2Client => {
    const key = `${unit.account}/${unit.region}`;
    let client = this.clients.get(key);
    if (client) return client;
    client = new EC2Client({ region: unit.region, credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const mock = mockClient(client);
    const account = this.accounts[unit.account];
    const refuse = () => {
      this.calls.push({ unit: key, command: "AssumeRole" });
      throw Object.assign(new Error(`User: arn:aws:sts::111111111111:assumed-role/spot-events/fn is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${unit.account}:role/costguard-member`), {
        name: "AccessDenied",
      });
    };
    mock.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => {
      if (!account || account.roleMissing) refuse();
      this.calls.push({ unit: key, command: "DescribeInstances" });
      const id = input.InstanceIds![0]!;
      const i = account!.instances[id];
      if (!i || (i.region ?? "us-east-1") !== unit.region) throw Object.assign(new Error(`The instance ID '${id}' does not exist`), { name: "InvalidInstanceID.NotFound" });
      const placement = { AvailabilityZone: i.az, ...(account!.reportsZoneId ? { AvailabilityZoneId: account!.zones[i.az] } : {}) };
      return { Reservations: [{ Instances: [{ InstanceId: id, InstanceType: i.type, InstanceLifecycle: "spot", Placement: placement, Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })) }] }] };
    });
    mock.on(DescribeAvailabilityZonesCommand).callsFake(() => {
      if (!account || account.roleMissing) refuse();
      this.calls.push({ unit: key, command: "DescribeAvailabilityZones" });
      const inRegion = Object.entries(account!.zones).filter(([name]) => name.startsWith(`${unit.region}`));
      return { AvailabilityZones: inRegion.map(([ZoneName, ZoneId]) => ({ ZoneName, ZoneId, RegionName: unit.region, State: "available" })) };
    });
    this.clients.set(key, client);
    return client;
  };

  /** The zone-name → ID translation of one account (what its fleet managers' names mean). */
  zoneIdIn(account: string): (az: string) => Promise<string> {
    return async (az) => {
      const id = this.accounts[account]?.zones[az];
      if (!id) throw new Error(`Availability Zone ${az} is not known to account ${account}`);
      return id;
    };
  }
}

/** An EventBridge spot event as AWS sends it (the account and region of the instance). */
export function spotEvent(id: string, o: { account: string; region?: string; kind?: "interruption" | "rebalance"; eventId?: string; time?: string }) {
  const region = o.region ?? "us-east-1";
  return {
    version: "0",
    id: o.eventId ?? `evt-${id}`,
    "detail-type": o.kind === "rebalance" ? "EC2 Instance Rebalance Recommendation" : "EC2 Spot Instance Interruption Warning",
    source: "aws.ec2",
    account: o.account,
    time: o.time ?? "2026-11-23T09:59:00Z",
    region,
    resources: [`arn:aws:ec2:${region}:${o.account}:instance/${id}`],
    detail: { "instance-id": id, "instance-action": "terminate" },
  };
}
