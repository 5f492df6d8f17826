/**
 * The units (account × region) a hygiene run covers, and how their records are keyed. Shared by
 * the waste scanner and the enforcer.
 *
 * Keys: the function's own unit (its account, the stack's region) keeps the keys it always had
 * (the bare resource id), so items written before a scope existed are read as that unit's, and
 * adding a scope reopens nothing. Every other unit's keys are qualified `<account>/<region>/<id>`:
 * EC2 ids never contain "/", so the two forms cannot be confused, and the same id seen in two
 * units (a public IP, say) never shares a record.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import { listUnits, unitKey, type ScopeSettings, type Unit, type UnitFailure, type UnitList } from "./units";

/** The function's own unit. `account` is unknown ("") only where no scope is set (tests, tools). */
export type HomeUnit = Unit;

export const isHome = (unit: Unit, home: HomeUnit): boolean => unit.region === home.region && (unit.account === home.account || !home.account);

/** The store key of `id` in `unit`. */
export function unitScopedId(unit: Unit, home: HomeUnit, id: string): string {
  return isHome(unit, home) ? id : `${unit.account}/${unit.region}/${id}`;
}

/** The entries of a store map that belong to `unit`, keyed by bare resource id. */
export function viewOf<V>(map: ReadonlyMap<string, V>, unit: Unit, home: HomeUnit): Map<string, V> {
  const out = new Map<string, V>();
  if (isHome(unit, home)) {
    for (const [k, v] of map) if (!k.includes("/")) out.set(k, v);
    return out;
  }
  const prefix = `${unit.account}/${unit.region}/`;
  for (const [k, v] of map) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
  return out;
}

/** The unit a store key belongs to. */
export function unitOfKey(key: string, home: HomeUnit): Unit {
  const parts = key.split("/");
  return parts.length >= 3 ? { account: parts[0]!, region: parts[1]! } : home;
}

/** "222222222222 eu-west-1: " before what happened in a unit other than the function's own; "" in its own. */
export const unitPrefix = (unit: Unit, home: HomeUnit): string => (isHome(unit, home) ? "" : `${unit.account} ${unit.region}: `);

export interface UnitReach {
  /** The function's own account (from its ARN); required with a scope. */
  account?: string;
  /** Organizations client of the home account (organization.accounts "all"). */
  organizations?: OrganizationsClient;
}

/** The units to read: the scope's, or the function's own unit alone (today's behaviour). */
export async function unitsOfScope(scope: ScopeSettings | undefined, home: HomeUnit, homeEc2: EC2Client, reach: UnitReach, ec2For: (unit: Unit) => EC2Client): Promise<UnitList> {
  if (!scope) return { units: [home], failures: [] };
  if (!reach.account) throw new Error("a hygiene scope needs the function's own account id (from its ARN) to tell its own unit from the members'");
  return listUnits(scope, { homeAccount: reach.account, homeRegion: home.region, ec2: homeEc2, organizations: reach.organizations }, ec2For);
}

/**
 * The units a run could not read. A failure while listing an account's regions stands for the
 * whole account (its unit names the home region only).
 */
export class FailedUnits {
  private readonly units = new Set<string>();
  private readonly accounts = new Set<string>();
  constructor(
    readonly failures: UnitFailure[],
    listingFailures: UnitFailure[],
  ) {
    for (const f of failures) this.units.add(unitKey(f.unit));
    for (const f of listingFailures) this.accounts.add(f.unit.account);
  }
  has(unit: Unit): boolean {
    return this.accounts.has(unit.account) || this.units.has(unitKey(unit));
  }
}

/** The function's own account, from the ARN Lambda invoked it by (arn:aws:lambda:<region>:<account>:function:…). */
export function accountOfContext(context: { invokedFunctionArn?: string } | undefined): string | undefined {
  const account = context?.invokedFunctionArn?.split(":")[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}
