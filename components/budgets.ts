/**
 * Budgets: a monthly cost budget per stack with ACTUAL 50/80/100 % and FORECASTED
 * 100 % notifications to the alert topic and the alert e-mails; optional budgets per
 * `Environment` cost-allocation tag value; a Cost Anomaly Detection monitor over AWS services
 * with an immediate subscription of the alert topic.
 *
 * AWS limits: 10 notifications per budget, 10 e-mail subscribers per notification (checked
 * in config and again here). Budgets: the first two per account are free, then about
 * $0.02 per budget-day. Only one AWS-services (DIMENSIONAL/SERVICE) anomaly monitor may exist
 * per account, and creating a second fails ("Limit exceeded on dimensional spend monitor
 * creation"): when two stacks share an account, one creates it and the other subscribes to it
 * by ARN, or does without.
 *
 * Budgets filtered on the `Environment` tag read $0 until that tag is an active cost-allocation
 * tag: the component activates it when asked (management or standalone account), and warns
 * otherwise.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TAGS, UNTAGGED } from "../runtime/contract";
import { transformed, type Transform } from "./transform";

export const BUDGET_LIMITS = { notificationsPerBudget: 10, emailSubscribersPerNotification: 10 } as const;

/** The notifications of every budget: 50, 80 and 100 % of the limit spent, and 100 % forecast. */
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
  monthlyBudgetUsd: pulumi.Input<number>;
  /** Optional monthly budgets per Environment tag value ("untagged" = cost without the tag). */
  environmentBudgetsUsd: Record<string, pulumi.Input<number>>;
  /** E-mail addresses notified directly by AWS Budgets (at most 10). */
  emails: pulumi.Input<string>[];
  /** Alert topic that budgets and anomaly alerts publish to. */
  alertTopicArn: pulumi.Input<string>;
  /** Minimum total impact ($) of an anomaly worth an alert. */
  anomalyThresholdUsd: pulumi.Input<number>;
  /**
   * Anomaly alerts: "create" the account's AWS-services monitor (one per account), subscribe
   * the alert topic to an existing monitor by its `arn`, or "none". Default "create".
   */
  anomalyMonitor?: AnomalyMonitorChoice;
  /** Activate the `Environment` tag as a cost-allocation tag (only a management or standalone account may). Default false. */
  activateEnvironmentTag?: boolean;
  transform?: BudgetsTransform;
}

export interface BudgetsTransform {
  /** The monthly budget and each environment's. */
  budget?: Transform<aws.budgets.BudgetArgs>;
  anomalyMonitor?: Transform<aws.costexplorer.AnomalyMonitorArgs>;
  anomalySubscription?: Transform<aws.costexplorer.AnomalySubscriptionArgs>;
  costAllocationTag?: Transform<aws.costexplorer.CostAllocationTagArgs>;
}

export type AnomalyMonitorChoice = "create" | "none" | { arn: pulumi.Input<string> };

/** What AWS needs before an Environment-filtered budget can see any cost; said by the plan and the README. */
export const INACTIVE_TAG_WARNING =
  `per-environment budgets read $0 until "${TAGS.environment}" is an active cost-allocation tag: set costguard:activateCostAllocationTag: true ` +
  `(from the management or a standalone account, once the tag has appeared on a resource; AWS then takes up to 24 hours and counts costs from activation on), ` +
  `or activate it in Billing → Cost allocation tags`;

export class Budgets extends pulumi.ComponentResource {
  public readonly budget: aws.budgets.Budget;
  public readonly environmentBudgets: Record<string, aws.budgets.Budget> = {};
  public readonly anomalyMonitor?: aws.costexplorer.AnomalyMonitor;
  public readonly anomalySubscription?: aws.costexplorer.AnomalySubscription;
  /** ARN of the monitor the alert topic is subscribed to (created here or existing), if any. */
  public readonly anomalyMonitorArn?: pulumi.Output<string>;
  public readonly environmentTag?: aws.costexplorer.CostAllocationTag;

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
    const t = args.transform;
    const budget = (resourceName: string, budgetName: string, limitUsd: pulumi.Input<number>, costFilters?: aws.types.input.budgets.BudgetCostFilter[]) =>
      new aws.budgets.Budget(
        ...transformed(
          t?.budget,
          resourceName,
          { name: budgetName, budgetType: "COST", timeUnit: "MONTHLY", limitAmount: pulumi.output(limitUsd).apply((usd) => usd.toFixed(2)), limitUnit: "USD", costFilters, notifications },
          parent,
        ),
      );

    this.budget = budget(`${name}-monthly`, `costguard-${args.stack}-monthly`, args.monthlyBudgetUsd);
    for (const [environment, limitUsd] of Object.entries(args.environmentBudgetsUsd)) {
      this.environmentBudgets[environment] = budget(`${name}-env-${environment}`, `costguard-${args.stack}-env-${environment}`, limitUsd, [
        { name: "TagKeyValue", values: [environmentTagFilter(environment)] },
      ]);
    }

    if (args.activateEnvironmentTag) {
      this.environmentTag = new aws.costexplorer.CostAllocationTag(...transformed(t?.costAllocationTag, `${name}-environment-tag`, { tagKey: TAGS.environment, status: "Active" }, parent));
    } else if (Object.keys(args.environmentBudgetsUsd).length) {
      void pulumi.log.warn(INACTIVE_TAG_WARNING, this);
    }

    const choice = args.anomalyMonitor ?? "create";
    if (choice === "create") {
      this.anomalyMonitor = new aws.costexplorer.AnomalyMonitor(
        ...transformed(t?.anomalyMonitor, `${name}-anomaly-monitor`, { name: `costguard-${args.stack}-services`, monitorType: "DIMENSIONAL", monitorDimension: "SERVICE" }, parent),
      );
      this.anomalyMonitorArn = this.anomalyMonitor.arn;
    } else if (choice !== "none") {
      this.anomalyMonitorArn = pulumi.output(choice.arn);
    }
    if (this.anomalyMonitorArn) {
      this.anomalySubscription = new aws.costexplorer.AnomalySubscription(
        ...transformed(
          t?.anomalySubscription,
          `${name}-anomaly-subscription`,
          {
            name: `costguard-${args.stack}-anomalies`,
            // SNS subscribers need IMMEDIATE; the topic's e-mail subscribers get them from there.
            frequency: "IMMEDIATE",
            monitorArnLists: [this.anomalyMonitorArn],
            subscribers: [{ type: "SNS", address: args.alertTopicArn }],
            thresholdExpression: {
              dimension: { key: "ANOMALY_TOTAL_IMPACT_ABSOLUTE", matchOptions: ["GREATER_THAN_OR_EQUAL"], values: [pulumi.output(args.anomalyThresholdUsd).apply(String)] },
            },
          },
          parent,
        ),
      );
    }
    this.registerOutputs({ budgetName: this.budget.name, anomalyMonitorArn: this.anomalyMonitorArn });
  }
}
