/**
 * The spot advice: "should this launch use spot for type T in AZ Z?" Answers spot or
 * on-demand with the reason. Any error answers on-demand: a fleet manager that cannot get
 * advice must not launch into a bad pool.
 *
 * Fleet managers (the ASG optimizer, the Kubernetes node optimizer, anyone invoking the
 * spotAdvice Lambda) depend on the small `CapacityAdvisor` interface only.
 */
import { advance, effectiveState, type CircuitState } from "./breaker";
import type { BreakerStore } from "./storeBreakers";
import type { PoolRiskStore } from "./storePoolRisk";

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
  /** Region of the pools (the function's own region). */
  region: string;
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
      const pool = await this.deps.pools.get({ region: this.deps.region, availabilityZone, instanceType });
      if (pool.poisoned) {
        const until = new Date(pool.poisonedUntil!).toISOString();
        return {
          capacity: "on-demand",
          reason: `pool ${availabilityZone}/${instanceType} is poisoned until ${until} by a ${pool.lastEnvironment ?? "production"} interruption`,
          poolPoisonedUntil: until,
        };
      }
      const breakers = this.deps.breakers;
      const key = breakers.keyFor(instanceType, availabilityZone);
      const record = await breakers.get(key);
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
    const pool = await this.deps.pools.get({ region: this.deps.region, availabilityZone, instanceType });
    if (pool.poisoned) return { healthy: false, reason: `pool poisoned until ${new Date(pool.poisonedUntil!).toISOString()}` };
    const breakers = this.deps.breakers;
    const key = breakers.keyFor(instanceType, availabilityZone);
    const record = advance(await breakers.get(key), this.now(), breakers.settings).record;
    if (record.state === "closed") return { healthy: true, reason: "pool healthy, circuit closed" };
    if (record.state === "half-open" && record.probeGrantedAt === undefined) return { healthy: false, probeAvailable: true, reason: `circuit ${key} is half-open: its probe launch is still to be taken` };
    return { healthy: false, reason: record.state === "half-open" ? `circuit ${key} is half-open: the probe is already out` : `circuit ${key} is ${record.state}` };
  }

  async claimProbe(instanceType: string, availabilityZone: string): Promise<{ granted: boolean; reason: string }> {
    const key = this.deps.breakers.keyFor(instanceType, availabilityZone);
    const claim = await this.deps.breakers.claimProbe(key);
    return claim.granted ? { granted: true, reason: `circuit ${key} is half-open: this launch is the probe` } : { granted: false, reason: `circuit ${key} is ${claim.record.state}${claim.record.state === "half-open" ? ": the probe is already out" : ""}` };
  }

  async probeLaunched(instanceType: string, availabilityZone: string, _instanceId?: string): Promise<void> {
    await this.deps.breakers.confirmProbe(this.deps.breakers.keyFor(instanceType, availabilityZone));
  }

  async releaseProbe(instanceType: string, availabilityZone: string): Promise<void> {
    await this.deps.breakers.releaseProbe(this.deps.breakers.keyFor(instanceType, availabilityZone));
  }
}

/** An advisor that always answers on-demand: what callers get when advice cannot be built at all. */
export const onDemandAdvisor = (reason: string): CapacityAdvisor => ({
  adviseCapacity: async () => ({ capacity: "on-demand", reason }),
});
