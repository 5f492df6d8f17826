/**
 * Failsafe: the live burn-rate check and graduated failsafe. Three DynamoDB tables
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
import { parseFailsafeSettings, type EnvironmentThresholds, type FailsafeSettings } from "../runtime/failsafe/settings";
import { STORE_ACTIONS } from "../runtime/failsafe/store";
import { runsPerMonth } from "../runtime/pricing/schedule";
import { estimateTags } from "./estimateHints";
import { guardTableArgs } from "./guardTable";
import { GuardFunction, type AlertReporting, type FunctionDefaults, type GuardFunctionTransform } from "./guardFunction";
import { accountScope, neverTouchProtected, type AccountScope, type PolicyStatement } from "./iam";
import { renamedFrom, transformed, type Transform } from "./transform";
import { componentScope, unitAccessStatements, type ScopeArgs } from "./unitAccess";

type TableKind = "samples" | "state" | "audit";

export interface FailsafeTransform extends GuardFunctionTransform {
  /** The samples, state and audit tables (`<name>-samples`, `-state`, `-audit`). */
  table?: Transform<aws.dynamodb.TableArgs>;
}

export interface FailsafeArgs extends AlertReporting {
  /** The stack's log retention, architecture and dead-letter queue. */
  defaults: FunctionDefaults;
  /** What the check compares and may do: every environment's thresholds and response, the global and untagged limits (the handler's COSTGUARD_SETTINGS). */
  settings: FailsafeSettings;
  /** EventBridge schedule expression of the check, e.g. `rate(2 minutes)`. */
  schedule: string;
  /** Regions the check covers (stack config `regions`): "all" enabled ones, or a list; default the stack's region. */
  regions?: ScopeArgs["regions"];
  /** Organisation mode (stack config `organization`): every listed account through its member role. */
  organization?: ScopeArgs["organization"];
  /**
   * The organisation sweep's bucket: the Step Functions sweep (components/sweep.ts) invokes this
   * function per step and is scheduled instead of the check; the function reads and writes
   * `sweeps/*` there only.
   */
  sweep?: { bucketName: pulumi.Input<string>; bucketArn: pulumi.Input<string> };
  transform?: FailsafeTransform;
}

/** Units the failsafe reads at once: bounded, as API rate limits are per account and region. */
export const FAILSAFE_CONCURRENCY = { maxConcurrency: 200, orgConcurrency: 100 };

/**
 * The failsafe's IAM statements: inventory reads on "*", stop/start conditioned on the
 * Environment tag of the resource, a Null condition for untagged instances, an explicit Deny
 * for protected resources, and its own tables.
 */
export function failsafeStatements(opts: {
  environments: Record<string, EnvironmentThresholds>;
  stopUntagged: boolean;
  scope: AccountScope;
  tableArns: pulumi.Input<string>[];
  /** Regions of its own account it stops in (default: its own region). */
  regions?: "all" | string[];
}): PolicyStatement[] {
  const { partition, accountId } = opts.scope;
  // One ARN pattern per region covered; "*" for every region.
  const regions: pulumi.Input<string>[] = opts.regions === undefined ? [opts.scope.region] : opts.regions === "all" ? ["*"] : opts.regions;
  const each = (f: (region: pulumi.Input<string>) => pulumi.Output<string>): pulumi.Input<string> | pulumi.Input<string>[] => (regions.length === 1 ? f(regions[0]!) : regions.map(f));
  const stoppable = Object.entries(opts.environments)
    .filter(([, e]) => e.response === "stop")
    .map(([name]) => name)
    .sort();
  const envTag = `aws:ResourceTag/${TAGS.environment}`;
  const onlyStoppable = { StringEquals: { [envTag]: stoppable } };
  const instanceArn = each((region) => pulumi.interpolate`arn:${partition}:ec2:${region}:${accountId}:instance/*`);
  const statements: PolicyStatement[] = [{ Sid: "ReadInventory", Effect: "Allow", Action: [...INVENTORY_ACTIONS], Resource: "*" }];
  if (stoppable.length) {
    statements.push(
      { Sid: "StopStartInstancesOfStoppableEnvironments", Effect: "Allow", Action: [...STOP_ACTIONS.instances], Resource: instanceArn, Condition: onlyStoppable },
      {
        Sid: "ScaleAutoScalingGroupsOfStoppableEnvironments",
        Effect: "Allow",
        Action: [...STOP_ACTIONS.autoScalingGroups],
        Resource: each((region) => pulumi.interpolate`arn:${partition}:autoscaling:${region}:${accountId}:autoScalingGroup:*:autoScalingGroupName/*`),
        Condition: onlyStoppable,
      },
      { Sid: "ScaleServicesOfStoppableEnvironments", Effect: "Allow", Action: [...STOP_ACTIONS.services], Resource: each((region) => pulumi.interpolate`arn:${partition}:ecs:${region}:${accountId}:service/*/*`), Condition: onlyStoppable },
      { Sid: "StopStartDatabasesOfStoppableEnvironments", Effect: "Allow", Action: [...STOP_ACTIONS.databases], Resource: each((region) => pulumi.interpolate`arn:${partition}:rds:${region}:${accountId}:db:*`), Condition: onlyStoppable },
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
    const keys = each((region) => pulumi.interpolate`arn:${partition}:kms:${region}:${accountId}:key/*`);
    const viaEc2 = { "kms:ViaService": each((region) => pulumi.interpolate`ec2.${region}.amazonaws.com`) };
    statements.push(
      { Sid: "UseEbsKeysThroughEc2ForRestore", Effect: "Allow", Action: [...EBS_KEY_ACTIONS], Resource: keys, Condition: { StringEquals: viaEc2 } },
      { Sid: "GrantEbsKeysToVolumesForRestore", Effect: "Allow", Action: [...EBS_GRANT_ACTIONS], Resource: keys, Condition: { StringEquals: viaEc2, Bool: { "kms:GrantIsForAWSResource": "true" } } },
    );
  }
  statements.push(
    neverTouchProtected([...Object.values(STOP_ACTIONS).flat(), TERMINATE_ACTION]),
    { Sid: "FailsafeTables", Effect: "Allow", Action: [...STORE_ACTIONS], Resource: opts.tableArns },
  );
  return statements;
}

export class Failsafe extends pulumi.ComponentResource {
  public readonly samplesTable: aws.dynamodb.Table;
  public readonly stateTable: aws.dynamodb.Table;
  public readonly auditTable: aws.dynamodb.Table;
  public readonly function: GuardFunction;
  /** Name of the failsafe function: guardctl invokes it. */
  public readonly functionName: pulumi.Output<string>;
  /** The schedule rule of the check; undefined with a sweep (its state machine is scheduled instead). */
  public readonly schedule?: aws.cloudwatch.EventRule;
  /** ARN of the failsafe function: the sweep's state machine invokes it. */
  public readonly functionArn: pulumi.Output<string>;
  /** ARN of the function's role: the member role trusts it. */
  public readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: FailsafeArgs, opts?: pulumi.ComponentResourceOptions) {
    // Was CostGuard (costguard:failsafe:CostGuard): the alias keeps deployed stacks' resources.
    super("costguard:failsafe:Failsafe", name, {}, renamedFrom("costguard:failsafe:CostGuard", opts));
    // The handler validates the same schema at run time; failing here stops a bad deploy at preview.
    const settings = parseFailsafeSettings(args.settings, "costguard:environments / costguard:failsafe cannot be used by the failsafe");
    [this.samplesTable, this.stateTable, this.auditTable] = this.createTables(name, args);
    this.function = this.createCheckFunction(name, args, settings);
    this.functionName = this.function.functionName;
    this.functionArn = this.function.functionArn;
    this.roleArn = this.function.role.arn;
    if (!args.sweep) this.schedule = this.function.onSchedule("schedule", args.schedule);

    this.registerOutputs({
      functionName: this.functionName,
      samplesTable: this.samplesTable.name,
      stateTable: this.stateTable.name,
      auditTable: this.auditTable.name,
    });
  }

  /** Samples (TTL), state (status, saved values, the lease), audit (TTL), each tagged with what it holds and is used for. */
  private createTables(name: string, args: FailsafeArgs): [aws.dynamodb.Table, aws.dynamodb.Table, aws.dynamodb.Table] {
    // What the check does per run, for the cost estimate: one samples item (every group's $/h)
    // and one window query; state is read per group and written only when it changes, plus the
    // lease; the audit table only on a breach or an action (rare, counted as ~0).
    const runs = runsPerMonth(args.schedule) ?? 0;
    const groups = Object.keys(args.settings.environments).length + 2;
    const usage: Record<TableKind, Record<string, number>> = {
      samples: { storageGb: 0.01, writesPerMonth: Math.round(runs), readsPerMonth: Math.round(runs) },
      // Plus the lease: acquired and released by every run (two writes); alert claims are rare.
      state: { storageGb: 0.001, writesPerMonth: 1_000 + Math.round(runs * 2), readsPerMonth: Math.round(runs * groups) },
      audit: { storageGb: 0.01, writesPerMonth: 1_000, readsPerMonth: 1_000 },
    };
    const table = (kind: TableKind, sortKeyType: "S" | "N", ttl: boolean) => {
      const tableArgs: aws.dynamodb.TableArgs = { ...guardTableArgs({ sortKey: sortKeyType, ttl, tags: estimateTags(usage[kind]) }), serverSideEncryption: { enabled: true } };
      return new aws.dynamodb.Table(...transformed(args.transform?.table, `${name}-${kind}`, tableArgs, { parent: this }));
    };
    // TTL for the lease and the alert claims (their `expiresAt`); status and saved values carry none.
    return [table("samples", "N", true), table("state", "S", true), table("audit", "S", true)];
  }

  private createCheckFunction(name: string, args: FailsafeArgs, settings: FailsafeSettings): GuardFunction {
    const account = accountScope(this);
    // The stack's region is known at preview only as an output: the scope's default is built in it.
    const homeRegion = args.organization && args.regions === undefined ? (aws.config.region ?? "") : "";
    const scope = componentScope(args, homeRegion, FAILSAFE_CONCURRENCY, "the failsafe");
    const statements = [
      ...failsafeStatements({
        environments: settings.environments,
        stopUntagged: settings.stopUntagged,
        scope: account,
        tableArns: [this.samplesTable.arn, this.stateTable.arn, this.auditTable.arn],
        regions: scope?.regions,
      }),
      ...unitAccessStatements(scope, { partition: account.partition, organizationId: args.organization?.organizationId }),
      ...(args.sweep ? [{ Sid: "SweepObjects", Effect: "Allow" as const, Action: ["s3:GetObject", "s3:PutObject"], Resource: pulumi.interpolate`${args.sweep.bucketArn}/sweeps/*` }] : []),
      ...args.publishStatements,
    ];
    return new GuardFunction(
      `${name}-check`,
      {
        defaults: args.defaults,
        handler: "failsafe",
        description: "costguard: live burn rate per environment and the graduated failsafe",
        // Large inventories page through thousands of records; the check must end before the next one.
        // Several units' inventories are held at once in the in-Lambda check.
        memoryMb: scope ? 512 : 256,
        timeoutSeconds: 110,
        statements,
        environment: {
          [ENV.alertTopicArn]: args.alertTopicArn,
          [ENV.settings]: JSON.stringify(scope ? { ...settings, scope } : settings),
          ...(args.sweep ? { [ENV.sweepBucket]: args.sweep.bucketName } : {}),
          [ENV.samplesTable]: this.samplesTable.name,
          [ENV.stateTable]: this.stateTable.name,
          [ENV.auditTable]: this.auditTable.name,
        },
        transform: args.transform,
      },
      { parent: this },
    );
  }
}
