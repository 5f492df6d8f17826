/**
 * CostGuard (SPEC S2): the live burn-rate check and graduated failsafe. Three DynamoDB tables
 * (burn-rate samples with TTL, environment state, pre-stop values and the run lease, audit with TTL), the
 * failsafe function on a schedule, and a role whose stop/start permissions are conditioned on
 * the resource's Environment tag: only environments whose response is "stop" (and untagged
 * instances when allowed) can be touched, and never a resource tagged costguard:protect=true,
 * whatever the code does.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, TAGS } from "../runtime/contract";
import { EBS_GRANT_ACTIONS, EBS_KEY_ACTIONS, STOP_ACTIONS, TERMINATE_ACTION } from "../runtime/failsafe/actions";
import { INVENTORY_ACTIONS } from "../runtime/failsafe/inventory";
import { parseFailsafeSettings } from "../runtime/failsafe/settings";
import { STORE_ACTIONS } from "../runtime/failsafe/store";
import type { GuardConfig } from "./config";
import type { EnvironmentSettings } from "./configSchema";
import { runsPerMonth } from "../runtime/pricing/schedule";
import { estimateTags } from "./estimateHints";
import { guardTableArgs } from "./guardTable";
import { failsafeSettings } from "./failsafeSettings";

type TableKind = "samples" | "state" | "audit";
export { failsafeSettings } from "./failsafeSettings";
import { GuardFunction, type PolicyStatement, type FunctionDefaults, type AlertReporting } from "./guardFunction";

export interface CostGuardArgs extends FunctionDefaults, AlertReporting {
  /** Thresholds and response of every environment (defaults merged with the stack's overrides). */
  environments: Record<string, EnvironmentSettings>;
  /** The stack's `failsafe` config section. */
  failsafe: GuardConfig["failsafe"];
  /** Escape hatch: adjust each table's args before it is created. */
  transformTable?: (name: "samples" | "state" | "audit", args: aws.dynamodb.TableArgs) => aws.dynamodb.TableArgs;
}

/**
 * The failsafe's IAM statements: inventory reads on "*", stop/start conditioned on the
 * Environment tag of the resource, a Null condition for untagged instances, an explicit Deny
 * for protected resources, and its own tables.
 */
export function failsafeStatements(opts: {
  environments: Record<string, EnvironmentSettings>;
  stopUntagged: boolean;
  region: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  tableArns: pulumi.Input<string>[];
}): PolicyStatement[] {
  const { region, accountId } = opts;
  const stoppable = Object.entries(opts.environments)
    .filter(([, e]) => e.response === "stop")
    .map(([name]) => name)
    .sort();
  const envTag = `aws:ResourceTag/${TAGS.environment}`;
  const onlyStoppable = { StringEquals: { [envTag]: stoppable } };
  const instanceArn = pulumi.interpolate`arn:aws:ec2:${region}:${accountId}:instance/*`;
  const statements: PolicyStatement[] = [{ Sid: "ReadInventory", Effect: "Allow", Action: [...INVENTORY_ACTIONS], Resource: "*" }];
  if (stoppable.length) {
    statements.push(
      { Sid: "StopStartInstancesOfStoppableEnvironments", Effect: "Allow", Action: [...STOP_ACTIONS.instances], Resource: instanceArn, Condition: onlyStoppable },
      {
        Sid: "ScaleAutoScalingGroupsOfStoppableEnvironments",
        Effect: "Allow",
        Action: [...STOP_ACTIONS.autoScalingGroups],
        Resource: pulumi.interpolate`arn:aws:autoscaling:${region}:${accountId}:autoScalingGroup:*:autoScalingGroupName/*`,
        Condition: onlyStoppable,
      },
      { Sid: "ScaleServicesOfStoppableEnvironments", Effect: "Allow", Action: [...STOP_ACTIONS.services], Resource: pulumi.interpolate`arn:aws:ecs:${region}:${accountId}:service/*/*`, Condition: onlyStoppable },
      { Sid: "StopStartDatabasesOfStoppableEnvironments", Effect: "Allow", Action: [...STOP_ACTIONS.databases], Resource: pulumi.interpolate`arn:aws:rds:${region}:${accountId}:db:*`, Condition: onlyStoppable },
    );
  }
  if (opts.stopUntagged) {
    statements.push({ Sid: "StopStartUntaggedInstances", Effect: "Allow", Action: [...STOP_ACTIONS.instances], Resource: instanceArn, Condition: { Null: { [envTag]: "true" } } });
  }
  // One-time spot instances cannot be stopped: terminating them is opt-in per environment, and
  // the role can terminate nothing else (ec2:InstanceMarketType is a condition key of the instance).
  const terminable = stoppable.filter((name) => opts.environments[name]!.unstoppableSpot === "terminate");
  if (terminable.length) {
    statements.push({
      Sid: "TerminateUnstoppableSpotInstances",
      Effect: "Allow",
      Action: [TERMINATE_ACTION],
      Resource: instanceArn,
      Condition: { StringEquals: { [envTag]: terminable, "ec2:InstanceMarketType": "spot" } },
    });
  }
  if (stoppable.length || opts.stopUntagged) {
    // Restore starts instances; with volumes under a customer-managed key EC2 needs these, and
    // only EC2 may use them on the role's behalf (the role cannot decrypt anything itself).
    const keys = pulumi.interpolate`arn:aws:kms:${region}:${accountId}:key/*`;
    const viaEc2 = { "kms:ViaService": pulumi.interpolate`ec2.${region}.amazonaws.com` };
    statements.push(
      { Sid: "UseEbsKeysThroughEc2ForRestore", Effect: "Allow", Action: [...EBS_KEY_ACTIONS], Resource: keys, Condition: { StringEquals: viaEc2 } },
      { Sid: "GrantEbsKeysToVolumesForRestore", Effect: "Allow", Action: [...EBS_GRANT_ACTIONS], Resource: keys, Condition: { StringEquals: viaEc2, Bool: { "kms:GrantIsForAWSResource": "true" } } },
    );
  }
  statements.push(
    {
      Sid: "NeverTouchProtectedResources",
      Effect: "Deny",
      Action: [...Object.values(STOP_ACTIONS).flat(), TERMINATE_ACTION],
      Resource: "*",
      Condition: { StringEqualsIgnoreCase: { [`aws:ResourceTag/${TAGS.protect}`]: "true" } },
    },
    // UpdateItem: the one-run-at-a-time lease (a conditional update in the state table).
    { Sid: "FailsafeTables", Effect: "Allow", Action: [...STORE_ACTIONS], Resource: opts.tableArns },
  );
  return statements;
}

export class CostGuard extends pulumi.ComponentResource {
  public readonly samplesTable: aws.dynamodb.Table;
  public readonly stateTable: aws.dynamodb.Table;
  public readonly auditTable: aws.dynamodb.Table;
  public readonly function: GuardFunction;
  /** Name of the failsafe function: guardctl invokes it. */
  public readonly functionName: pulumi.Output<string>;
  /** The schedule rule of the check. */
  public readonly schedule: aws.cloudwatch.EventRule;

  constructor(name: string, args: CostGuardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:failsafe:CostGuard", name, {}, opts);
    const parent = { parent: this };

    // What the check does per run, for the cost estimate: one samples item (every group's $/h)
    // and one window query; state is read per group and written only when it changes, plus the
    // lease; the audit table only on a breach or an action (rare, counted as ~0).
    const runs = runsPerMonth(args.failsafe.schedule) ?? 0;
    const groups = Object.keys(args.environments).length + 2;
    const usage: Record<TableKind, Record<string, number>> = {
      samples: { storageGb: 0.01, writesPerMonth: Math.round(runs), readsPerMonth: Math.round(runs) },
      // Plus the lease: acquired and released by every run (two writes); alert claims are rare.
      state: { storageGb: 0.001, writesPerMonth: 1_000 + Math.round(runs * 2), readsPerMonth: Math.round(runs * groups) },
      audit: { storageGb: 0.01, writesPerMonth: 1_000, readsPerMonth: 1_000 },
    };
    const table = (kind: TableKind, sortKeyType: "S" | "N", ttl: boolean) => {
      let tableArgs: aws.dynamodb.TableArgs = { ...guardTableArgs({ sortKey: sortKeyType, ttl, tags: estimateTags(usage[kind]) }), serverSideEncryption: { enabled: true } };
      if (args.transformTable) tableArgs = args.transformTable(kind, tableArgs);
      return new aws.dynamodb.Table(`${name}-${kind}`, tableArgs, parent);
    };
    this.samplesTable = table("samples", "N", true);
    // TTL for the lease and the alert claims (their `expiresAt`); status and saved values carry none.
    this.stateTable = table("state", "S", true);
    this.auditTable = table("audit", "S", true);

    // The handler validates the same schema at run time; failing here stops a bad deploy at preview.
    const settings = parseFailsafeSettings(failsafeSettings(args.environments, args.failsafe), "costguard:environments / costguard:failsafe cannot be used by the failsafe");

    const region = aws.getRegionOutput({}, parent).region;
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
    const statements = [
      ...failsafeStatements({
        environments: args.environments,
        stopUntagged: args.failsafe.stopUntagged,
        region,
        accountId,
        tableArns: [this.samplesTable.arn, this.stateTable.arn, this.auditTable.arn],
      }),
      ...args.publishStatements,
    ];

    this.function = new GuardFunction(
      `${name}-check`,
      {
        handler: "failsafe",
        description: "costguard: live burn rate per environment and the graduated failsafe (SPEC S2)",
        stack: args.stack,
        logRetentionDays: args.logRetentionDays,
        architecture: args.architecture,
        deadLetterQueue: args.deadLetterQueue,
        // Large inventories page through thousands of records; the check must end before the next one.
        memoryMb: 256,
        timeoutSeconds: 110,
        statements,
        environment: {
          [ENV.alertTopicArn]: args.alertTopicArn,
          [ENV.settings]: JSON.stringify(settings),
          [ENV.samplesTable]: this.samplesTable.name,
          [ENV.stateTable]: this.stateTable.name,
          [ENV.auditTable]: this.auditTable.name,
        },
      },
      parent,
    );
    this.functionName = this.function.functionName;
    this.schedule = this.function.onSchedule("schedule", args.failsafe.schedule);

    this.registerOutputs({
      functionName: this.functionName,
      samplesTable: this.samplesTable.name,
      stateTable: this.stateTable.name,
      auditTable: this.auditTable.name,
    });
  }
}
