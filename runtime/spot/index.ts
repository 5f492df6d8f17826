/**
 * What other capabilities use from spot resilience: the advice interfaces (the Kubernetes node
 * optimizer consults them before launching), the node-interruption hook's payload, and the
 * stores built from a function's environment.
 */
export { SpotAdvisor, onDemandAdvisor, type CapacityAdvice, type CapacityAdvisor, type CapacityRequest, type SpotHealth } from "./advice";
export { rankCompatibleTypes, selectHealthyTypes } from "./compatible";
export { spotStoresFromEnv, type SpotStores } from "./env";
export type { NodeInterruption } from "./interruptions";
export { BreakerStore } from "./breakerStore";
export { PoolRiskStore, poolId, type PoolRef } from "./poolRisk";
