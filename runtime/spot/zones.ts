/**
 * Availability Zone names → Availability Zone IDs, per unit (account, region).
 *
 * `us-east-1a` is a different physical zone in each account (AWS shuffles the names per
 * account); the ID (`use1-az1`) is the same physical zone everywhere. Pool risk is shared across
 * the organisation, so pools are keyed by AZ ID, and every name is translated in the account
 * that used it. The mapping of an account never changes: it is cached for the life of the
 * function's container, one DescribeAvailabilityZones call per unit.
 */
import { DescribeAvailabilityZonesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { unitKey, type Unit } from "../shared/units";

/** The IAM action of the call below (no resource-level permissions: granted on "*"). */
export const ZONE_LOOKUP_ACTION = "ec2:DescribeAvailabilityZones";

/** `use1-az1`, and the IDs of Local and Wavelength Zones (`usw2-lax1-az1`, `use1-wl1-bos-wlz1`). */
const AZ_ID = /^[a-z]{2,5}\d+(-[a-z0-9]+)*-(az|wlz|lz)\d+$/;
export const isAvailabilityZoneId = (zone: string): boolean => AZ_ID.test(zone);

/** The region of an AZ name: `us-east-1a` → `us-east-1`, `us-west-2-lax-1a` → `us-west-2`. */
export function regionOfZoneName(zone: string): string {
  const m = /^([a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+)/.exec(zone);
  if (!m) throw new Error(`"${zone}" is not an Availability Zone name such as "us-east-1a"`);
  return m[1]!;
}

export class ZoneIds {
  private readonly maps = new Map<string, Promise<Map<string, string>>>();

  /** `ec2For`: a client of the unit (its region, its account's credentials). */
  constructor(private readonly ec2For: (unit: Unit) => EC2Client) {}

  /** The AZ ID of `zone` as `unit`'s account names it; an ID is returned as it is. */
  async idOf(unit: Unit, zone: string): Promise<string> {
    if (isAvailabilityZoneId(zone)) return zone;
    let map = await this.mapOf(unit);
    if (!map.has(zone)) {
      // A zone enabled since the map was read (a Local Zone opted into): read once more.
      this.maps.delete(unitKey(unit));
      map = await this.mapOf(unit);
    }
    const id = map.get(zone);
    if (!id) throw new Error(`Availability Zone ${zone} is not known to account ${unit.account} in ${unit.region} (DescribeAvailabilityZones lists ${[...map.keys()].join(", ") || "none"})`);
    return id;
  }

  /** Seeds the cache from a response that carried both (DescribeInstances' Placement does). */
  remember(unit: Unit, zone: string, id: string): void {
    const key = unitKey(unit);
    const known = this.maps.get(key);
    if (known) void known.then((m) => m.set(zone, id), () => undefined);
    else this.maps.set(key, Promise.resolve(new Map([[zone, id]])));
  }

  private mapOf(unit: Unit): Promise<Map<string, string>> {
    const key = unitKey(unit);
    let map = this.maps.get(key);
    if (!map) {
      map = (async () => {
        const out = await this.ec2For(unit).send(new DescribeAvailabilityZonesCommand({ AllAvailabilityZones: true }));
        return new Map((out.AvailabilityZones ?? []).filter((z) => z.ZoneName && z.ZoneId).map((z) => [z.ZoneName!, z.ZoneId!]));
      })();
      // A failed read is not cached: the next call tries again.
      map.catch(() => {
        if (this.maps.get(key) === map) this.maps.delete(key);
      });
      this.maps.set(key, map);
    }
    return map;
  }
}
