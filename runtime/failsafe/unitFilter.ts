/**
 * Operator commands limited to an account and/or region (guardctl --account/--region): which
 * units they read, which saved resources they restore, and the check that the account and
 * region belong to the failsafe's scope (an operator's typo is refused, never an empty no-op).
 */
import { mapUnits, type Unit, type UnitFailure } from "../shared/units";
import type { StoppableInventory } from "./decideStop";
import { readInventory, STOPPABLE_PARTS } from "./inventory";
import type { StopAction } from "./model";
import type { FailsafeDeps } from "./run";
import type { UnitBurn } from "../shared/sweep";
import { mergeStoppable, readUnit, tagWithUnit } from "./scope";

export interface UnitFilter {
  account?: string;
  region?: string;
}

export const isFiltered = (f: UnitFilter) => f.account !== undefined || f.region !== undefined;

/** Why the filter names something outside the scope; undefined when it is inside. */
export function checkUnitFilter(deps: FailsafeDeps, f: UnitFilter): string | undefined {
  const scope = deps.units?.scope;
  if (f.account !== undefined) {
    const org = scope?.organization;
    if (!deps.units) return `this failsafe covers only its own account: --account is for organisation mode (stack config organization)`;
    const accounts = org ? org.accounts : [deps.units.homeAccount];
    const excluded = org?.excludeAccounts ?? [];
    if (excluded.includes(f.account) || (accounts !== "all" && !accounts.includes(f.account))) {
      return `account ${f.account} is not in the failsafe's scope (accounts: ${accounts === "all" ? `all but ${excluded.join(", ") || "none"}` : accounts.filter((a) => !excluded.includes(a)).join(", ")})`;
    }
  }
  if (f.region !== undefined) {
    const regions = scope ? scope.regions : [deps.region];
    if (regions !== "all" && !regions.includes(f.region)) return `region ${f.region} is not in the failsafe's scope (regions: ${regions.join(", ")})`;
  }
  return undefined;
}

/** The unit of a saved action: its own, or the function's own account and region. */
const unitOf = (deps: FailsafeDeps, a: StopAction): Unit => a.unit ?? { account: deps.units?.homeAccount ?? "", region: deps.region };

export const actionMatches = (deps: FailsafeDeps, f: UnitFilter) => (a: StopAction) => {
  const u = unitOf(deps, a);
  return (f.account === undefined || u.account === f.account) && (f.region === undefined || u.region === f.region);
};

/** The scope's units the filter keeps (listed as the check lists them). */
async function unitsIn(deps: FailsafeDeps, f: UnitFilter): Promise<{ units: Unit[]; failures: UnitFailure[] }> {
  if (!deps.units) return { units: [{ account: "", region: deps.region }], failures: [] };
  const list = await deps.units.listUnits();
  const keep = (u: Unit) => (f.account === undefined || u.account === f.account) && (f.region === undefined || u.region === f.region);
  return { units: list.units.filter(keep), failures: list.failures.filter((x) => keep(x.unit)) };
}

/** What a stop may take in the filtered units; units that cannot be read are reported. */
export async function readStoppableIn(deps: FailsafeDeps, f: UnitFilter): Promise<{ inventory: StoppableInventory; failures: UnitFailure[] }> {
  if (!deps.units) return { inventory: await readInventory(deps.clients, deps.region, STOPPABLE_PARTS), failures: [] };
  const access = deps.units;
  const { units, failures } = await unitsIn(deps, f);
  const read = await mapUnits(units, access.scope.concurrency, async (u) => tagWithUnit(await readInventory(access.clientsFor(u), u.region, STOPPABLE_PARTS), u));
  for (const r of read) if (!r.ok) failures.push({ unit: r.unit, error: r.error, ...(r.code ? { code: r.code } : {}) });
  return { inventory: mergeStoppable(read.flatMap((r) => (r.ok ? [r.value] : []))), failures };
}

/** Live burn of the filtered units (status for an account or region). */
export async function burnIn(deps: FailsafeDeps, f: UnitFilter): Promise<{ units: UnitBurn[]; failures: UnitFailure[] }> {
  const access = deps.units;
  if (!access) return { units: [], failures: [] };
  const now = (deps.now ?? Date.now)();
  const { units, failures } = await unitsIn(deps, f);
  const read = await mapUnits(units, access.scope.concurrency, async (u) => (await readUnit(u, access.clientsFor(u), deps.prices, now, deps.spotPriceHistory !== false)).burn);
  for (const r of read) if (!r.ok) failures.push({ unit: r.unit, error: r.error, ...(r.code ? { code: r.code } : {}) });
  const sorted = read.flatMap((r) => (r.ok ? [r.value] : [])).sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region));
  return { units: sorted, failures };
}
