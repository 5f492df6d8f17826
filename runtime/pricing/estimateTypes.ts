/**
 * The shapes the estimator and its pricing rules share: what is priced (a resource as the plan
 * or the policy engine sees it) and what comes out (line items). Types only, in a module of their
 * own, so the rules (estimateRules.ts and the estimate*.ts it delegates to) and the estimator
 * (estimate.ts) depend on them without depending on each other in a circle.
 */

export interface ResourceToPrice {
  /** Pulumi type token, e.g. `aws:ec2/instance:Instance` or `awsx:ecs:FargateService`. */
  type: string;
  /** Logical name. */
  name: string;
  inputs: Record<string, unknown>;
  /** Inputs plus provider-computed values (ids, ARNs, tagsAll), when known. */
  state?: Record<string, unknown>;
  /** Unique key (e.g. the URN) and the parent's key, when known: a component whose children are
   *  in the list (awsx under the real engine) is priced through them, not twice. */
  key?: string;
  parent?: string;
  /** Keys of the resources each input property was computed from (the engine's property
   *  dependencies): what still links a reference that a first preview cannot know (an ARN, an id). */
  dependsOn?: Record<string, string[]>;
  /** Name of the component this resource was expanded from by rule (a child the plan's mocks cannot show). */
  expandedFrom?: string;
}

/** Usage metered against an always-free allowance (estimate.ts's FREE_ALLOWANCE has one figure per meter). */
export type FreeMeter =
  | "cloudwatchAlarmMetrics"
  | "cloudwatchDashboards"
  | "cloudwatchCustomMetrics"
  | "cloudwatchLogsGb"
  | "lambdaRequests"
  | "lambdaGbSeconds"
  | "sqsRequests"
  | "snsPublishes"
  | "snsEmails"
  | "kmsRequests"
  | "dynamodbStorageGb"
  | "dynamodbProvisionedWcu"
  | "dynamodbProvisionedRcu"
  | "budgets"
  | "schedulerInvocations"
  | "stepFunctionsTransitions";

export interface LineItem {
  /** Logical name of the resource. */
  resource: string;
  type: string;
  /** What is billed, e.g. "t3.medium on-demand" or "requests". */
  what: string;
  /** $/month at list price. */
  monthlyUsd: number;
  /** $/month once the always-free allowances are applied. */
  afterFreeTierUsd: number;
  /** How the figure was computed, with every assumption named. */
  basis: string;
  /** Quantity metered against a free allowance, in the allowance's unit. */
  usage?: { meter: FreeMeter; quantity: number; unitUsd: number };
  /**
   * Set on a charge that depends on usage nobody declared (requests, data, queries): its rate,
   * e.g. "$3.50 per million requests". Such an item counts $0 and is listed apart, never as free.
   */
  dependsOnUsage?: string;
  /** The component the resource was expanded from by rule, when it was. */
  expandedFrom?: string;
}

/** A line item as a pricing rule makes it (the free tier is applied to the whole stack afterwards). */
export type Item = Omit<LineItem, "afterFreeTierUsd">;

/** What a pricing rule answers for one resource. */
export type PriceResult = { kind: "priced"; items: Item[] } | { kind: "free" } | { kind: "unpriced"; reason: string } | { kind: "skip" };
