/**
 * Budgets (SPEC S3): a monthly cost budget per stack with ACTUAL 50/80/100 % and FORECASTED
 * 100 % notifications to the alert topic and the alert e-mails; optional budgets per
 * `Environment` cost-allocation tag value; a Cost Anomaly Detection monitor over AWS services
 * with an immediate subscription of the alert topic.
 *
 * AWS limits: 10 notifications per budget, 10 e-mail subscribers per notification (checked
 * in config and again here). Budgets: the first two per account are free, then about
 * $0.02 per budget-day. Only one dimensional SERVICE anomaly monitor may exist per account:
 * when two stacks share an account, set `createAnomalyMonitor: false` on one of them.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TAGS, UNTAGGED } from "../runtime/contract";

export const BUDGET_LIMITS = { notificationsPerBudget: 10, emailSubscribersPerNotification: 10 } as const;

/** The notifications of every budget (SPEC S3). */
export const BUDGET_NOTIFICATIONS: readonly { type: "ACTUAL" | "FORECASTED"; percent: number }[] = [
  { type: "ACTUAL", percent: 50 },
  { type: "ACTUAL", percent: 80 },
  { type: "ACTUAL", percent: 100 },
  { type: "FORECASTED", percent: 100 },
];

/** Cost filter value selecting one Environment tag value (`user:Environment$` = untagged). */
export function environmentTagFilter(environment: string): string {
  return `user:${TAGS.environment}$${environment === UNTAGGED ? "" : environment}`;
}

export interface BudgetsArgs {
  /** Stack name, used in budget and monitor names. */
  stack: string;
  /** Monthly cost budget of the stack's account, in USD. */
  monthlyBudgetUsd: number;
  /** Optional monthly budgets per Environment tag value ("untagged" = cost without the tag). */
  environmentBudgetsUsd: Record<string, number>;
  /** E-mail addresses notified directly by AWS Budgets (at most 10). */
  emails: string[];
  /** Alert topic that budgets and anomaly alerts publish to. */
  alertTopicArn: pulumi.Input<string>;
  /** Minimum total impact ($) of an anomaly worth an alert. */
  anomalyThresholdUsd: number;
  /** Create the anomaly monitor (AWS allows one SERVICE monitor per account). Default true. */
  createAnomalyMonitor?: boolean;
}

export class Budgets extends pulumi.ComponentResource {
  public readonly budget: aws.budgets.Budget;
  public readonly environmentBudgets: Record<string, aws.budgets.Budget> = {};
  public readonly anomalyMonitor?: aws.costexplorer.AnomalyMonitor;
  public readonly anomalySubscription?: aws.costexplorer.AnomalySubscription;

  constructor(name: string, args: BudgetsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:budgets:Budgets", name, {}, opts);
    const parent = { parent: this };
    if (BUDGET_NOTIFICATIONS.length > BUDGET_LIMITS.notificationsPerBudget) {
      throw new Error(`a budget may have at most ${BUDGET_LIMITS.notificationsPerBudget} notifications (got ${BUDGET_NOTIFICATIONS.length})`);
    }
    if (args.emails.length > BUDGET_LIMITS.emailSubscribersPerNotification) {
      throw new Error(`costguard:alertEmails lists ${args.emails.length} addresses; AWS Budgets allows at most ${BUDGET_LIMITS.emailSubscribersPerNotification} e-mail subscribers`);
    }
    const notifications: aws.types.input.budgets.BudgetNotification[] = BUDGET_NOTIFICATIONS.map((n) => ({
      notificationType: n.type,
      comparisonOperator: "GREATER_THAN",
      threshold: n.percent,
      thresholdType: "PERCENTAGE",
      subscriberSnsTopicArns: [args.alertTopicArn],
      subscriberEmailAddresses: args.emails.length ? args.emails : undefined,
    }));
    const budget = (resourceName: string, budgetName: string, limitUsd: number, costFilters?: aws.types.input.budgets.BudgetCostFilter[]) =>
      new aws.budgets.Budget(
        resourceName,
        { name: budgetName, budgetType: "COST", timeUnit: "MONTHLY", limitAmount: limitUsd.toFixed(2), limitUnit: "USD", costFilters, notifications },
        parent,
      );

    this.budget = budget(`${name}-monthly`, `costguard-${args.stack}-monthly`, args.monthlyBudgetUsd);
    for (const [environment, limitUsd] of Object.entries(args.environmentBudgetsUsd)) {
      this.environmentBudgets[environment] = budget(`${name}-env-${environment}`, `costguard-${args.stack}-env-${environment}`, limitUsd, [
        { name: "TagKeyValue", values: [environmentTagFilter(environment)] },
      ]);
    }

    if (args.createAnomalyMonitor ?? true) {
      this.anomalyMonitor = new aws.costexplorer.AnomalyMonitor(
        `${name}-anomaly-monitor`,
        { name: `costguard-${args.stack}-services`, monitorType: "DIMENSIONAL", monitorDimension: "SERVICE" },
        parent,
      );
      this.anomalySubscription = new aws.costexplorer.AnomalySubscription(
        `${name}-anomaly-subscription`,
        {
          name: `costguard-${args.stack}-anomalies`,
          // SNS subscribers need IMMEDIATE; the topic's e-mail subscribers get them from there.
          frequency: "IMMEDIATE",
          monitorArnLists: [this.anomalyMonitor.arn],
          subscribers: [{ type: "SNS", address: args.alertTopicArn }],
          thresholdExpression: {
            dimension: { key: "ANOMALY_TOTAL_IMPACT_ABSOLUTE", matchOptions: ["GREATER_THAN_OR_EQUAL"], values: [String(args.anomalyThresholdUsd)] },
          },
        },
        parent,
      );
    }
    this.registerOutputs({ budgetName: this.budget.name, anomalyMonitorArn: this.anomalyMonitor?.arn });
  }
}
