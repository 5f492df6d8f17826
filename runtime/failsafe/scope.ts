/**
 * The failsafe over units (account × region): each unit read with its own clients, priced with
 * its region's prices, summed per environment. The same figures come from the in-Lambda check
 * (every unit read here, a few at a time) and from the Step Functions sweep (each unit read by a
 * child execution, its summary written by the Map): both hand decideAndAct() a ScopeReading.
 */
import { UNTAGGED } from "../contract";
import type { PriceBook } from "../pricing/types";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import type { UnitBurn } from "../shared/sweep";
import { listUnits, mapUnits, unitClientConfig, unitKey, type ScopeSettings, type Unit, type UnitClientConfig, type UnitFailure, type UnitList } from "../shared/units";
import type { ActionClients } from "./actions";
import { burnRateByEnvironment } from "./burnRate";
import { usd } from "./decide";
import type { StoppableInventory } from "./decideStop";
import { readInventory, readSpotPrices, type InventoryClients } from "./inventory";
import { isRunning, type Inventory } from "./model";
import type { FailsafeSettings } from "./settings";

export type UnitClients = InventoryClients & ActionClients;

/** How the check reaches units beyond its own account and region. */
export interface UnitAccess {
  scope: ScopeSettings;
  /** The function's own account (read with its own clients). */
  homeAccount: string;
  /** Clients of a unit: its region, its account's member-role credentials, adaptive retries. */
  clientsFor: (unit: Unit) => UnitClients;
  /** The units of the scope (DescribeRegions / ListAccounts as the scope asks). */
  listUnits: () => Promise<UnitList>;
}

export interface UnitAccessOptions {
  scope: ScopeSettings;
  homeAccount: string;
  homeRegion: string;
  /** The function's own clients (its account and region). */
  home: UnitClients;
  organizations?: OrganizationsClient;
  credentialsFor: (account: string) => AwsCredentialIdentityProvider | undefined;
  /** Builds a unit's clients from its config (region, credentials, adaptive retries). */
  makeClients: (unit: Unit, config: UnitClientConfig) => UnitClients;
}

/** The check's access to its scope: clients per unit built once and reused, the home unit's own. */
export function unitAccess(o: UnitAccessOptions): UnitAccess {
  const cache = new Map<string, UnitClients>();
  const clientsFor = (unit: Unit): UnitClients => {
    if (unit.account === o.homeAccount && unit.region === o.homeRegion) return o.home;
    const key = unitKey(unit);
    let c = cache.get(key);
    if (!c) cache.set(key, (c = o.makeClients(unit, unitClientConfig(unit, o.credentialsFor))));
    return c;
  };
  const env = { homeAccount: o.homeAccount, homeRegion: o.homeRegion, ec2: o.home.ec2, organizations: o.organizations, credentialsFor: o.credentialsFor };
  return { scope: o.scope, homeAccount: o.homeAccount, clientsFor, listUnits: () => listUnits(o.scope, env, (u) => clientsFor(u).ec2) };
}

export interface ScopeReading {
  units: UnitBurn[];
  failures: UnitFailure[];
}

/** The figures of a whole scope, summed. */
export interface ScopeFigures {
  burn: Record<string, number>;
  totalUsdPerHour: number;
  instancesByLifecycle: { spot: number; "on-demand": number };
  unpriced: Record<string, number>;
  /** Regions priced by estimate (no exact catalog prices). */
  estimatedRegions: string[];
}

/** Whether the price book has exact prices for a region (the catalog says; a test book always does). */
export function pricedExactly(prices: PriceBook, region: string): boolean {
  const p = prices as PriceBook & { isCatalogRegion?: (r: string) => boolean };
  return p.isCatalogRegion ? p.isCatalogRegion(region) : true;
}

/** One unit's inventory, priced (live spot prices when asked: one more paginated call). */
export async function readUnit(unit: Unit, clients: InventoryClients, prices: PriceBook, now: number, spotPriceHistory: boolean): Promise<{ inventory: Inventory; burn: UnitBurn }> {
  const inventory = await readInventory(clients, unit.region);
  const spotPrices = spotPriceHistory ? await readSpotPrices(clients.ec2, inventory, new Date(now)) : undefined;
  const report = burnRateByEnvironment(inventory, prices, { spotPrices });
  const burn = Object.fromEntries(Object.entries(report.groups).map(([g, b]) => [g, b.usdPerHour]));
  return {
    inventory,
    burn: { ...unit, burn, instancesByLifecycle: report.instancesByLifecycle, unpriced: report.unpriced, ...(pricedExactly(prices, unit.region) ? {} : { estimated: true }) },
  };
}

/** Resources of a unit carry it, so that a stop goes to that unit's clients. */
export function tagWithUnit(inv: Inventory, unit: Unit): StoppableInventory {
  const u = { account: unit.account, region: unit.region };
  return {
    instances: inv.instances.map((r) => ({ ...r, unit: u })),
    autoScalingGroups: inv.autoScalingGroups.map((r) => ({ ...r, unit: u })),
    services: inv.services.map((r) => ({ ...r, unit: u })),
    dbInstances: inv.dbInstances.map((r) => ({ ...r, unit: u })),
  };
}

export function mergeStoppable(parts: StoppableInventory[]): StoppableInventory {
  return {
    instances: parts.flatMap((p) => p.instances),
    autoScalingGroups: parts.flatMap((p) => p.autoScalingGroups),
    services: parts.flatMap((p) => p.services),
    dbInstances: parts.flatMap((p) => p.dbInstances),
  };
}

export const runningIds = (inv: StoppableInventory) => new Set(inv.instances.filter(isRunning).map((i) => i.id));

/** Every unit read in this function, `concurrency` at a time; a failed unit is reported, never fatal. */
export async function readScope(
  access: UnitAccess,
  prices: PriceBook,
  now: number,
  spotPriceHistory: boolean,
): Promise<{ reading: ScopeReading; inventories: Map<string, StoppableInventory> }> {
  const list = await access.listUnits();
  const outcomes = await mapUnits(list.units, access.scope.concurrency, (unit) => readUnit(unit, access.clientsFor(unit), prices, now, spotPriceHistory));
  const units: UnitBurn[] = [];
  const failures: UnitFailure[] = [...list.failures];
  const inventories = new Map<string, StoppableInventory>();
  for (const o of outcomes) {
    if (!o.ok) {
      failures.push({ unit: o.unit, error: o.error, ...(o.code ? { code: o.code } : {}) });
      continue;
    }
    units.push(o.value.burn);
    inventories.set(unitKey(o.unit), tagWithUnit(o.value.inventory, o.unit));
  }
  return { reading: { units, failures }, inventories };
}

/** Sums the units' figures: per group, the total, instances, what could not be priced. */
export function sumUnits(units: readonly UnitBurn[], settings: FailsafeSettings): ScopeFigures {
  const burn: Record<string, number> = Object.fromEntries([...Object.keys(settings.environments), UNTAGGED].map((g) => [g, 0]));
  const instancesByLifecycle = { spot: 0, "on-demand": 0 };
  const unpriced: Record<string, number> = {};
  let total = 0;
  const estimated = new Set<string>();
  for (const u of units) {
    for (const [g, v] of Object.entries(u.burn)) {
      burn[g] = (burn[g] ?? 0) + v;
      total += v;
    }
    instancesByLifecycle.spot += u.instancesByLifecycle.spot;
    instancesByLifecycle["on-demand"] += u.instancesByLifecycle["on-demand"];
    for (const [k, n] of Object.entries(u.unpriced)) unpriced[k] = (unpriced[k] ?? 0) + n;
    if (u.estimated && Object.values(u.burn).some((v) => v > 0)) estimated.add(u.region);
  }
  return { burn, totalUsdPerHour: total, instancesByLifecycle, unpriced, estimatedRegions: [...estimated].sort() };
}

/** One line per environment burning in a region outside its expectedRegions. */
export function unexpectedRegions(units: readonly UnitBurn[], settings: FailsafeSettings): { environment: string; region: string; line: string }[] {
  const out: { environment: string; region: string; line: string }[] = [];
  for (const [env, t] of Object.entries(settings.environments)) {
    if (!t.expectedRegions) continue;
    const byRegion = new Map<string, number>();
    for (const u of units) if ((u.burn[env] ?? 0) > 0 && !t.expectedRegions.includes(u.region)) byRegion.set(u.region, (byRegion.get(u.region) ?? 0) + u.burn[env]!);
    for (const [region, v] of [...byRegion].sort(([a], [b]) => a.localeCompare(b))) {
      const accounts = [...new Set(units.filter((u) => u.region === region && (u.burn[env] ?? 0) > 0).map((u) => u.account))];
      out.push({ environment: env, region, line: `${env} is running in ${region}, not one of its expected regions ${t.expectedRegions.join(", ")} (${usd(v)} in account${accounts.length > 1 ? "s" : ""} ${accounts.join(", ")})` });
    }
  }
  return out;
}

/** A failed unit in an operator's words. */
export function describeFailure(f: UnitFailure): string {
  const key = unitKey(f.unit);
  return `${key} not checked: ${f.error.startsWith(`${key}: `) ? f.error.slice(key.length + 2) : f.error}`;
}

/** The units where the given groups burn: the only ones whose inventory a stop needs. */
export function unitsBurning(units: readonly UnitBurn[], groups: readonly string[]): Unit[] {
  return units.filter((u) => groups.some((g) => (u.burn[g] ?? 0) > 0)).map(({ account, region }) => ({ account, region }));
}
