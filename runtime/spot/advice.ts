/**
 * The spot advice: "should this launch use spot for type T in AZ Z?" Answers spot or
 * on-demand with the reason. Any error answers on-demand: a fleet manager that cannot get
 * advice must not launch into a bad pool.
 *
 * Fleet managers (the ASG optimizer, the Kubernetes node optimizer, anyone invoking the
 * spotAdvice Lambda) depend on the small `CapacityAdvisor` interface only.
 *
 * Callers name zones as their account does (`us-east-1a`); pools and per-AZ circuits are keyed
 * by the zone's ID (`use1-az1`), so an interruption seen in another account's zone of the same
 * ID counts here. The advisor translates the name with `zoneId` (the function's own account's
 * mapping: zones.ts); a caller may also pass the ID itself.
 */
import { advance, effectiveState, type CircuitState } from "./breaker";
import type { BreakerStore } from "./storeBreakers";
import type { PoolRisk, PoolRiskStore } from "./storePoolRisk";
import { isAvailabilityZoneId, regionOfZoneName } from "./zones";

export interface CapacityRequest {
  instanceType: string;
  availabilityZone: string;
  /** Environment tag of the workload (recorded with the answer). */
  environment?: string;
}

export interface CapacityAdvice {
  capacity: "spot" | "on-demand";
  reason: string;
  /** Circuit state seen, when it could be read. */
  circuit?: CircuitState;
  /** ISO time the pool stays poisoned until, when it is. */
  poolPoisonedUntil?: string;
  /** True when this launch is the half-open probe. */
  probe?: boolean;
}

/** What fleet managers call before a launch. */
export interface CapacityAdvisor {
  adviseCapacity(request: CapacityRequest): Promise<CapacityAdvice>;
}

/**
 * Read-only health of a (type, AZ) for choosing replacement types: no probe is claimed.
 * `probeAvailable`: the circuit is half-open and its one probe launch is still to be taken.
 */
export interface SpotHealth {
  isHealthy(instanceType: string, availabilityZone: string): Promise<{ healthy: boolean; reason: string; probeAvailable?: boolean }>;
}

/**
 * The half-open probe's life, for launchers that know what happened to their launch: claimed
 * before it, confirmed once the instance serves (the quiet window that closes the circuit
 * starts then), released when the launch failed or was undone (the next launch probes).
 */
export interface ProbeCoordinator {
  claimProbe(instanceType: string, availabilityZone: string): Promise<{ granted: boolean; reason: string }>;
  probeLaunched(instanceType: string, availabilityZone: string, instanceId: string): Promise<void>;
  releaseProbe(instanceType: string, availabilityZone: string): Promise<void>;
}

export interface SpotAdvisorDeps {
  breakers: BreakerStore;
  pools: PoolRiskStore;
  /** The function's own region. */
  region: string;
  /**
   * The AZ ID of a zone name of the function's own account (zones.ts, over DescribeAvailabilityZones).
   * Unset: names are used as they are, which is right only for callers that pass AZ IDs.
   */
  zoneId?: (availabilityZone: string) => Promise<string>;
  now?: () => number;
}

export class SpotAdvisor implements CapacityAdvisor, SpotHealth, ProbeCoordinator {
  private readonly now: () => number;

  constructor(private readonly deps: SpotAdvisorDeps) {
    this.now = deps.now ?? Date.now;
  }

  async adviseCapacity(request: CapacityRequest): Promise<CapacityAdvice> {
    try {
      const { instanceType, availabilityZone } = request;
      if (!instanceType || !availabilityZone) return { capacity: "on-demand", reason: "request must name instanceType and availabilityZone" };
      const breakers = this.deps.breakers;
      // A circuit per type needs no zone ID: read it while the zone is translated (only a read; a probe is claimed below).
      const early = breakers.settings.perAz ? undefined : breakers.get(breakers.keyFor(instanceType));
      early?.catch(() => undefined);
      const { zoneId, pool } = await this.pool(instanceType, availabilityZone);
      if (pool.poisoned) {
        const until = new Date(pool.poisonedUntil!).toISOString();
        return {
          capacity: "on-demand",
          reason: `pool ${availabilityZone}${zoneId === availabilityZone ? "" : ` (${zoneId})`}/${instanceType} is poisoned until ${until} by a ${pool.lastEnvironment ?? "production"} interruption${pool.lastAccount ? ` in account ${pool.lastAccount}` : ""}`,
          poolPoisonedUntil: until,
        };
      }
      const key = breakers.keyFor(instanceType, zoneId);
      const record = await (early ?? breakers.get(key));
      const circuit = effectiveState(record, this.now(), breakers.settings);
      if (circuit === "closed") return { capacity: "spot", reason: `circuit ${key} is closed and the pool is healthy`, circuit };
      if (circuit === "open") {
        return { capacity: "on-demand", reason: `circuit ${key} is open until ${new Date(record.openUntil!).toISOString()} (${record.cooldownMinutes} min cooldown)`, circuit };
      }
      const claim = await breakers.claimProbe(key);
      if (claim.granted) return { capacity: "spot", reason: `circuit ${key} is half-open: this launch is the probe`, circuit, probe: true };
      const state = claim.record.state;
      return { capacity: state === "closed" ? "spot" : "on-demand", reason: state === "closed" ? `circuit ${key} is closed` : `circuit ${key} is ${state}: the probe is already out`, circuit: state };
    } catch (err) {
      return { capacity: "on-demand", reason: `advice unavailable, failing safe to on-demand: ${(err as Error).message ?? String(err)}` };
    }
  }

  async isHealthy(instanceType: string, availabilityZone: string): Promise<{ healthy: boolean; reason: string; probeAvailable?: boolean }> {
    const { zoneId, pool } = await this.pool(instanceType, availabilityZone);
    if (pool.poisoned) return { healthy: false, reason: `pool ${zoneId}/${instanceType} poisoned until ${new Date(pool.poisonedUntil!).toISOString()}` };
    const breakers = this.deps.breakers;
    const key = breakers.keyFor(instanceType, zoneId);
    const record = advance(await breakers.get(key), this.now(), breakers.settings).record;
    if (record.state === "closed") return { healthy: true, reason: "pool healthy, circuit closed" };
    if (record.state === "half-open" && record.probeGrantedAt === undefined) return { healthy: false, probeAvailable: true, reason: `circuit ${key} is half-open: its probe launch is still to be taken` };
    return { healthy: false, reason: record.state === "half-open" ? `circuit ${key} is half-open: the probe is already out` : `circuit ${key} is ${record.state}` };
  }

  /** The AZ ID of a zone name of the function's own account (an ID as it is). */
  async zoneIdOf(availabilityZone: string): Promise<string> {
    return this.deps.zoneId && !isAvailabilityZoneId(availabilityZone) ? this.deps.zoneId(availabilityZone) : availabilityZone;
  }

  /** The breaker key of a type in a zone (per-AZ circuits are keyed by AZ ID). */
  async breakerKeyOf(instanceType: string, availabilityZone?: string): Promise<string> {
    const perAz = this.deps.breakers.settings.perAz && availabilityZone;
    return this.deps.breakers.keyFor(instanceType, perAz ? await this.zoneIdOf(availabilityZone) : undefined);
  }

  /**
   * The pool of a type in a zone, by AZ ID. A zone named by its name is also looked up under its
   * pre-AZ-ID key (storePoolRisk.ts), written by this account's own events before the change.
   */
  private async pool(instanceType: string, availabilityZone: string): Promise<{ zoneId: string; pool: PoolRisk }> {
    const zoneId = await this.zoneIdOf(availabilityZone);
    const legacy = zoneId === availabilityZone ? undefined : { region: regionOfZoneName(availabilityZone), availabilityZone, instanceType };
    return { zoneId, pool: await this.deps.pools.get({ availabilityZoneId: zoneId, instanceType }, legacy) };
  }

  async claimProbe(instanceType: string, availabilityZone: string): Promise<{ granted: boolean; reason: string }> {
    const key = await this.breakerKeyOf(instanceType, availabilityZone);
    const claim = await this.deps.breakers.claimProbe(key);
    return claim.granted ? { granted: true, reason: `circuit ${key} is half-open: this launch is the probe` } : { granted: false, reason: `circuit ${key} is ${claim.record.state}${claim.record.state === "half-open" ? ": the probe is already out" : ""}` };
  }

  async probeLaunched(instanceType: string, availabilityZone: string, _instanceId?: string): Promise<void> {
    await this.deps.breakers.confirmProbe(await this.breakerKeyOf(instanceType, availabilityZone));
  }

  async releaseProbe(instanceType: string, availabilityZone: string): Promise<void> {
    await this.deps.breakers.releaseProbe(await this.breakerKeyOf(instanceType, availabilityZone));
  }
}

/** An advisor that always answers on-demand: what callers get when advice cannot be built at all. */
export const onDemandAdvisor = (reason: string): CapacityAdvisor => ({
  adviseCapacity: async () => ({ capacity: "on-demand", reason }),
});
