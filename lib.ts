/**
 * costguard as a library: its components, for another Pulumi TypeScript program to use with its
 * own config (`import { Budgets, CostAwareFargateService } from "costguard"`: package.json's
 * `exports`). This module declares nothing by itself; index.ts is this project's own program,
 * which maps its stack config onto these components.
 *
 * Every component takes `transform` (components/transform.ts): one key per kind of child
 * resource, a partial args object or a function `(args, opts, name) => void`.
 */
export { AlertChannel, PUBLISHING_SERVICES, type AlertChannelArgs, type AlertChannelTransform } from "./components/alerts";
export { Budgets, BUDGET_NOTIFICATIONS, environmentTagFilter, type AnomalyMonitorChoice, type BudgetsArgs, type BudgetsTransform } from "./components/budgets";
export { GuardDashboard, buildDashboardBody, type GuardDashboardArgs, type GuardDashboardTransform } from "./components/dashboard";
export { alarmSpecs, type AlarmSpec, type AlarmThresholds } from "./components/alarms";
export { CrossRegionSpotEvents, DEFAULT_ENABLED_REGIONS, forwardingRegions, SPOT_EVENT_PATTERN, type CrossRegionSpotEventsArgs } from "./components/crossRegionEvents";
export { CostAwareDatabase, type CostAwareDatabaseArgs, type CostAwareDatabaseTransform, type DatabaseAttachment, type DatabaseSpec } from "./components/database";
export { databaseIdentifier, databaseVariables } from "./components/databaseNames";
export { DebugAccess, type DebugAccessArgs, type DebugAccessTransform } from "./components/debugAccess";
export { SecurityEnforcer, enforcerStatements, type EnforcerMode, type SecurityEnforcerArgs, type SecurityEnforcerTransform } from "./components/enforcer";
export { Failsafe, failsafeStatements, type FailsafeArgs, type FailsafeTransform } from "./components/failsafe";
export {
  CostAwareFargateService,
  capacityStrategy,
  type CostAwareFargateServiceArgs,
  type CostAwareFargateServiceTransform,
  type ServiceSpec,
} from "./components/fargateService";
export {
  GuardFunction,
  sharedDeadLetterQueue,
  type AlertReporting,
  type FunctionDefaults,
  type GuardFunctionArgs,
  type GuardFunctionTransform,
} from "./components/guardFunction";
export { neverTouchProtected, type PolicyStatement } from "./components/iam";
export { MemberAccess, memberRoleTemplate, memberStatements, MEMBER_SCOPE, type MemberAccessArgs, type MemberAccessTransform } from "./components/memberAccess";
export { organizationHub, sweepEstimateTransform, type FailsafeSweepWiring, type OrganizationHubArgs } from "./components/organizationHub";
export { OrganizationSweep, SweepBucket, sweepDefinition, sweepUsage, type OrganizationSweepArgs, type OrganizationSweepTransform, type SweepBucketArgs, type SweepDefinition } from "./components/sweep";
export { NodeOptimizer, NODE_OPTIMIZER_RULES, type NodeOptimizerArgs, type NodeOptimizerSettings, type NodeOptimizerTransform } from "./components/nodeOptimizer";
export { CostReport, type CostReportArgs, type CostReportTransform, type ReadableTable } from "./components/report";
export { ServiceNetwork, type ServiceNetworkArgs, type ServiceNetworkTransform } from "./components/serviceNetwork";
export { SpotResilience, optimizerStatements, type SpotOptimizerArgs, type SpotResilienceArgs, type SpotResilienceTransform } from "./components/spot";
export { transformed, type Transform } from "./components/transform";
export { WasteScanner, wasteScannerStatements, type CleanupMode, type WasteScannerArgs, type WasteScannerTransform } from "./components/waste";
