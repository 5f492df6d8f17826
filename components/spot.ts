/**
 * SpotResilience: the circuit-breaker and pool-risk tables, the EventBridge rules
 * for spot interruption warnings and rebalance recommendations, the spot-events handler, the
 * advice API function fleet managers invoke, and the scheduled ASG optimizer, each with a
 * least-privilege role.
 *
 * The optimizer's mutating Auto Scaling actions are conditioned on the group's opt-in tag,
 * so it cannot touch a group that has not opted in; it can only terminate EC2 instances it
 * launched itself (they carry `costguard:spot-replacement-for`), and on-demand instances
 * leave only through their group. It launches only from the groups' launch templates and
 * passes only their instance roles (tagged, or listed in config), and is explicitly denied
 * every change to a resource tagged costguard:protect=true, in any letter case.
 *
 * One run at a time per group comes from a lease in the optimizer's own table (with each
 * group's swap journal), not from reserved concurrency: that must leave 100 unreserved
 * executions, which new accounts (quota 10) do not have.
 *
 * In organisation mode the events function also reads interrupted instances of member accounts
 * (forwarded to this region's bus): it may assume only the member role, only in the accounts the
 * organisation covers, and lists the organisation's accounts only when it covers "all".
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, TAGS } from "../runtime/contract";
import { DRAIN_INVOKE_ACTION } from "../runtime/nodeOptimizer/remoteDrainer";
import { JOURNAL_ACTIONS } from "../runtime/shared/journal";
import { GROUP_CHANGING_ACTIONS, LAUNCH_ACTIONS, TERMINATE_ACTION } from "../runtime/spot/actions";
import { INSTANCE_LOOKUP_ACTION, INVENTORY_ACTIONS } from "../runtime/spot/inventory";
import { parseSpotSettings, type SpotSettingsInput } from "../runtime/spot/settings";
import { BREAKER_STORE_ACTIONS } from "../runtime/spot/storeBreakers";
import { POOL_RISK_READ_ACTION, POOL_RISK_STORE_ACTIONS } from "../runtime/spot/storePoolRisk";
import { ZONE_LOOKUP_ACTION } from "../runtime/spot/zones";
import { guardTable } from "./guardTable";
import { GuardFunction, type AlertReporting, type FunctionDefaults, type GuardFunctionTransform } from "./guardFunction";
import { accountScope, arn, neverTouchProtected, type AccountScope, type PolicyStatement } from "./iam";
import { unitAccessStatements, type ScopeArgs } from "./unitAccess";
import type { Transform } from "./transform";

// The EventBridge detail types the events function takes (runtime/spot/interruptions.ts parses
// them), written here too so the program does not load the EC2 client to name two strings.
export const INTERRUPTION_WARNING = "EC2 Spot Instance Interruption Warning";
export const REBALANCE_RECOMMENDATION = "EC2 Instance Rebalance Recommendation";

export interface SpotResilienceTransform extends GuardFunctionTransform {
  /** The breaker, pool-risk and optimizer-state tables. */
  table?: Transform<aws.dynamodb.TableArgs>;
}

/** What the ASG optimizer may do; see optimizerStatements. */
export interface SpotOptimizerArgs {
  /** EventBridge schedule expression of its runs, e.g. `rate(30 minutes)`. */
  schedule: pulumi.Input<string>;
  /** Launch template ARNs it may launch from; empty: templates tagged costguard:spot-optimize=true. */
  launchTemplates: pulumi.Input<string>[];
  /** Instance role ARNs it may pass to EC2; empty: roles tagged costguard:spot-optimize=true. */
  instanceRoles: pulumi.Input<string>[];
  /** KMS keys of the groups' encrypted volumes; empty: any key of the account and region (through EC2 only). */
  kmsKeys: pulumi.Input<string>[];
}

export interface SpotResilienceArgs extends AlertReporting {
  /** The stack's log retention, architecture and dead-letter queue. */
  defaults: FunctionDefaults;
  /** The spot handlers' settings (COSTGUARD_SETTINGS): circuit breaker, pool poisoning, on-demand floor. */
  settings: SpotSettingsInput;
  /** The scheduled ASG optimizer (on-demand → spot swaps); unset: none. */
  optimizer?: SpotOptimizerArgs;
  /**
   * The Kubernetes node optimizer, when a cluster is configured: interruptions of its nodes are
   * handed to it to cordon and drain within the notice. Its function name is fixed in advance
   * (the node optimizer also reads this component's tables, so neither can wait for the other).
   */
  nodeDrainer?: { functionName: string; drainDeadlineSeconds: number };
  /** The stack's `regions`: spot events of these regions are read (unset: the stack's region only). */
  regions?: "all" | string[];
  /** The stack's `organization`: events of its member accounts are read through the member role (unset: this account only). */
  organization?: SpotOrganizationArgs;
  transform?: SpotResilienceTransform;
}

/** What the spot events need of the stack's `organization` config (extra fields are ignored). */
export type SpotOrganizationArgs = NonNullable<ScopeArgs["organization"]>;

export class SpotResilience extends pulumi.ComponentResource {
  public readonly breakerTable: aws.dynamodb.Table;
  public readonly poolRiskTable: aws.dynamodb.Table;
  /** The optimizer's leases and swap journals (when the optimizer is enabled). */
  public readonly optimizerTable?: aws.dynamodb.Table;
  public readonly events: GuardFunction;
  public readonly advice: GuardFunction;
  public readonly optimizer?: GuardFunction;
  public readonly interruptionRule: aws.cloudwatch.EventRule;
  public readonly rebalanceRule: aws.cloudwatch.EventRule;
  /** Function fleet managers invoke for advice (and guardctl for reset-circuit). */
  public readonly adviceFunctionName: pulumi.Output<string>;
  public readonly adviceFunctionArn: pulumi.Output<string>;
  public readonly eventsFunctionName: pulumi.Output<string>;
  public readonly optimizerFunctionName?: pulumi.Output<string>;
  public readonly breakerTableName: pulumi.Output<string>;
  public readonly poolRiskTableName: pulumi.Output<string>;
  private readonly settingsJson: string;
  private readonly scope: ReturnType<typeof accountScope>;

  constructor(name: string, args: SpotResilienceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:spot:SpotResilience", name, {}, opts);
    this.scope = accountScope(this);
    const tableTransform = args.transform?.table;

    // Breaker records and pool poisonings expire (expiresAt); readers check expiry themselves.
    this.breakerTable = guardTable(`${name}-breakers`, {}, { parent: this }, tableTransform);
    this.poolRiskTable = guardTable(`${name}-pool-risk`, {}, { parent: this }, tableTransform);
    // The handlers read these with the same schema: settings they would refuse stop here, at preview.
    const scope = args.regions || args.organization ? { regions: args.regions, organization: args.organization && spotOrganization(args.organization) } : undefined;
    this.settingsJson = JSON.stringify(parseSpotSettings({ ...args.settings, ...(scope ? { scope } : {}) }, "costguard:spot cannot be used by the spot functions"));

    this.events = this.createEventsFunction(name, args);
    this.interruptionRule = this.events.onEvent("interruption", {
      description: "costguard: EC2 spot interruption warnings",
      eventPattern: { source: ["aws.ec2"], "detail-type": [INTERRUPTION_WARNING] },
    });
    this.rebalanceRule = this.events.onEvent("rebalance", {
      description: "costguard: EC2 instance rebalance recommendations",
      eventPattern: { source: ["aws.ec2"], "detail-type": [REBALANCE_RECOMMENDATION] },
    });
    this.advice = this.createAdviceFunction(name, args);
    if (args.optimizer) {
      this.optimizerTable = guardTable(`${name}-optimizer-state`, {}, { parent: this }, tableTransform);
      this.optimizer = this.createOptimizer(name, args, args.optimizer, this.optimizerTable);
      this.optimizerFunctionName = this.optimizer.functionName;
    }

    this.adviceFunctionName = this.advice.functionName;
    this.adviceFunctionArn = this.advice.functionArn;
    this.eventsFunctionName = this.events.functionName;
    this.breakerTableName = this.breakerTable.name;
    this.poolRiskTableName = this.poolRiskTable.name;
    this.registerOutputs({
      adviceFunctionName: this.adviceFunctionName,
      adviceFunctionArn: this.adviceFunctionArn,
      eventsFunctionName: this.eventsFunctionName,
      optimizerFunctionName: this.optimizerFunctionName,
      breakerTableName: this.breakerTableName,
      poolRiskTableName: this.poolRiskTableName,
    });
  }

  /**
   * For another guard function (e.g. the Kubernetes node optimizer) that consults the advice in
   * process with `spotStoresFromEnv()`: the env vars it needs and the IAM statements to read
   * both tables and claim half-open probes. Pass the alert topic env var yourself.
   */
  advisorAccess(): { environment: Record<string, pulumi.Input<string>>; statements: PolicyStatement[] } {
    // (The consulting function maps its zone names to AZ IDs: ec2:DescribeAvailabilityZones, below.)
    return {
      environment: {
        [ENV.breakerTable]: this.breakerTable.name,
        [ENV.poolRiskTable]: this.poolRiskTable.name,
        // Under its own name: the consulting function has a COSTGUARD_SETTINGS of its own.
        [ENV.spotSettings]: this.settingsJson,
      },
      statements: [
        { Sid: "ReadAndClaimSpotBreakers", Effect: "Allow", Action: [...BREAKER_STORE_ACTIONS], Resource: this.breakerTable.arn },
        { Sid: "ReadSpotPoolRisk", Effect: "Allow", Action: POOL_RISK_READ_ACTION, Resource: this.poolRiskTable.arn },
        { Sid: "MapSpotZoneNamesToIds", Effect: "Allow", Action: ZONE_LOOKUP_ACTION, Resource: "*" },
      ],
    };
  }

  /** IAM statement letting a role (a fleet manager's) invoke the advice function. */
  invokeAdviceStatement(): PolicyStatement {
    return { Sid: "InvokeSpotAdvice", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: this.adviceFunctionArn };
  }

  /** Env vars every spot function reads: both tables, the alert topic, the settings. */
  private environment(args: SpotResilienceArgs) {
    return {
      [ENV.breakerTable]: this.breakerTable.name,
      [ENV.poolRiskTable]: this.poolRiskTable.name,
      [ENV.alertTopicArn]: args.alertTopicArn,
      [ENV.settings]: this.settingsJson,
    };
  }

  private createEventsFunction(name: string, args: SpotResilienceArgs): GuardFunction {
    const tables = [this.breakerTable.arn, this.poolRiskTable.arn];
    const drainer = args.nodeDrainer && {
      name: args.nodeDrainer.functionName,
      deadline: args.nodeDrainer.drainDeadlineSeconds,
      arn: arn(this.scope, "lambda", `function:${args.nodeDrainer.functionName}`),
    };
    return new GuardFunction(
      `${name}-events`,
      {
        defaults: args.defaults,
        environment: this.environment(args),
        transform: args.transform,
        handler: "spotEvents",
        description: "costguard: spot interruption warnings and rebalance recommendations → circuit breaker, pool risk, alerts",
        statements: [
          // DescribeInstances and DescribeAvailabilityZones (the instance's AZ ID) support no resource-level permissions.
          { Sid: "LookUpInterruptedInstance", Effect: "Allow", Action: [INSTANCE_LOOKUP_ACTION, ZONE_LOOKUP_ACTION], Resource: "*" },
          // The member role of the accounts it covers (never an excluded one's); it lists no regions.
          ...unitAccessStatements(args.organization && { regions: args.regions, organization: spotOrganization(args.organization) }, {
            partition: this.scope.partition,
            organizationId: args.organization?.organizationId,
            listsRegions: false,
            assumeSid: "ReadInterruptedInstancesOfMemberAccounts",
          }),
          // Interruptions are atomic appends (UpdateItem); state transitions are conditional UpdateItems.
          { Sid: "RecordInterruptions", Effect: "Allow", Action: [...new Set([...BREAKER_STORE_ACTIONS, ...POOL_RISK_STORE_ACTIONS])], Resource: tables },
          ...args.publishStatements,
          ...(drainer ? [{ Sid: "HandNodesToTheDrainer", Effect: "Allow" as const, Action: DRAIN_INVOKE_ACTION, Resource: drainer.arn }] : []),
        ],
        // Waiting for a drain needs the drain's deadline plus a cold start of the drainer.
        ...(drainer ? { timeoutSeconds: Math.min(drainer.deadline + 40, 900), environment: { ...this.environment(args), [ENV.nodeOptimizerFunction]: drainer.name } } : {}),
      },
      { parent: this },
    );
  }

  private createAdviceFunction(name: string, args: SpotResilienceArgs): GuardFunction {
    return new GuardFunction(
      `${name}-advice`,
      {
        defaults: args.defaults,
        environment: this.environment(args),
        transform: args.transform,
        handler: "spotAdvice",
        description: "costguard: spot or on-demand advice for fleet managers; reset-circuit for operators",
        timeoutSeconds: 10,
        statements: [
          // UpdateItem: claiming, confirming or releasing the half-open probe and resetting a circuit (conditional writes).
          { Sid: "ReadAndClaimBreakers", Effect: "Allow", Action: [...BREAKER_STORE_ACTIONS], Resource: this.breakerTable.arn },
          { Sid: "ReadPoolRisk", Effect: "Allow", Action: POOL_RISK_READ_ACTION, Resource: this.poolRiskTable.arn },
          // Pools are keyed by AZ ID: the callers' zone names are translated (no resource-level permissions).
          { Sid: "MapZoneNamesToIds", Effect: "Allow", Action: ZONE_LOOKUP_ACTION, Resource: "*" },
          ...args.publishStatements,
        ],
      },
      { parent: this },
    );
  }

  private createOptimizer(name: string, args: SpotResilienceArgs, optimizer: SpotOptimizerArgs, table: aws.dynamodb.Table): GuardFunction {
    const fn = new GuardFunction(
      `${name}-optimizer`,
      {
        defaults: args.defaults,
        transform: args.transform,
        handler: "asgOptimizer",
        description: "costguard: replaces on-demand instances of opted-in Auto Scaling groups with spot, capacity never dropping",
        // Status checks and InService waits are bounded well inside Lambda's 15 minutes.
        timeoutSeconds: 900,
        memoryMb: 256,
        environment: { ...this.environment(args), [ENV.optimizerTable]: table.name },
        statements: optimizerStatements({
          scope: this.scope,
          breakerTableArn: this.breakerTable.arn,
          poolRiskTableArn: this.poolRiskTable.arn,
          optimizerTableArn: table.arn,
          launchTemplates: optimizer.launchTemplates,
          instanceRoles: optimizer.instanceRoles,
          kmsKeys: optimizer.kmsKeys,
          publish: args.publishStatements,
        }),
      },
      { parent: this },
    );
    fn.onSchedule("schedule", optimizer.schedule);
    return fn;
  }
}

/**
 * The optimizer's role. Describe calls support no resource-level permissions; everything
 * that changes something is scoped by resource and condition.
 */
export function optimizerStatements(a: {
  scope: AccountScope;
  breakerTableArn: pulumi.Input<string>;
  poolRiskTableArn: pulumi.Input<string>;
  optimizerTableArn: pulumi.Input<string>;
  /** Launch template ARNs the optimizer may launch from; empty: templates tagged costguard:spot-optimize=true. */
  launchTemplates: pulumi.Input<string>[];
  /** Instance role ARNs it may pass to EC2; empty: roles tagged costguard:spot-optimize=true. */
  instanceRoles: pulumi.Input<string>[];
  /** KMS keys of encrypted volumes; empty: any key of the account and region (through EC2 only). */
  kmsKeys: pulumi.Input<string>[];
  publish: PolicyStatement[];
}): PolicyStatement[] {
  const { partition, region, accountId } = a.scope;
  const ec2 = (resource: string) => arn(a.scope, "ec2", resource);
  const optedIn = { [`aws:ResourceTag/${TAGS.spotOptimize}`]: "true" };
  // Every resource of a launch must come with one of the groups' launch templates.
  const fromGroupTemplate: NonNullable<PolicyStatement["Condition"]> = a.launchTemplates.length
    ? { ArnLike: { "ec2:LaunchTemplate": a.launchTemplates } }
    : { Null: { "ec2:LaunchTemplate": "false" } };
  const viaEc2 = { "kms:ViaService": pulumi.interpolate`ec2.${region}.amazonaws.com` };
  const keys = a.kmsKeys.length ? a.kmsKeys : [pulumi.interpolate`arn:${partition}:kms:${region}:${accountId}:key/*`];
  return [
    {
      // DescribeAvailabilityZones: the pool risk of a group's zone is kept by AZ ID.
      Sid: "DescribeGroupsAndInstances",
      Effect: "Allow",
      Action: [...INVENTORY_ACTIONS, ZONE_LOOKUP_ACTION],
      Resource: "*",
    },
    {
      Sid: "SwapInOptedInGroupsOnly",
      Effect: "Allow",
      Action: [...GROUP_CHANGING_ACTIONS],
      Resource: pulumi.interpolate`arn:${partition}:autoscaling:${region}:${accountId}:autoScalingGroup:*:autoScalingGroupName/*`,
      Condition: { StringEquals: optedIn },
    },
    { Sid: "LaunchInstantFleet", Effect: "Allow", Action: LAUNCH_ACTIONS.fleet, Resource: ec2("fleet/*") },
    a.launchTemplates.length
      ? { Sid: "LaunchFromGroupTemplatesOnly", Effect: "Allow", Action: [LAUNCH_ACTIONS.fleet, LAUNCH_ACTIONS.instances], Resource: a.launchTemplates }
      : { Sid: "LaunchFromGroupTemplatesOnly", Effect: "Allow", Action: [LAUNCH_ACTIONS.fleet, LAUNCH_ACTIONS.instances], Resource: ec2("launch-template/*"), Condition: { StringEquals: optedIn } },
    {
      Sid: "LaunchOnlyMarkedInstances",
      Effect: "Allow",
      Action: LAUNCH_ACTIONS.instances,
      Resource: ec2("instance/*"),
      // The instance must be created carrying costguard's replacement marker, from a group's template.
      Condition: { ...fromGroupTemplate, Null: { [`aws:RequestTag/${TAGS.spotReplacementFor}`]: "false", ...fromGroupTemplate.Null } },
    },
    {
      // The AMI is the template's: the optimizer cannot substitute another one.
      Sid: "LaunchTheTemplatesImageOnly",
      Effect: "Allow",
      Action: LAUNCH_ACTIONS.instances,
      Resource: pulumi.interpolate`arn:${partition}:ec2:${region}::image/*`,
      Condition: { ...fromGroupTemplate, Bool: { "ec2:IsLaunchTemplateResource": "true" } },
    },
    {
      Sid: "LaunchResourcesFromGroupTemplates",
      Effect: "Allow",
      Action: LAUNCH_ACTIONS.instances,
      Resource: [
        ec2("subnet/*"),
        ec2("security-group/*"),
        ec2("network-interface/*"),
        ec2("volume/*"),
        ec2("key-pair/*"),
        ec2("spot-instances-request/*"),
        pulumi.interpolate`arn:${partition}:ec2:${region}::snapshot/*`,
      ],
      Condition: fromGroupTemplate,
    },
    {
      Sid: "TagOnLaunchOnly",
      Effect: "Allow",
      Action: LAUNCH_ACTIONS.tagOnLaunch,
      Resource: [ec2("instance/*"), ec2("volume/*"), ec2("network-interface/*"), ec2("spot-instances-request/*")],
      Condition: { StringEquals: { "ec2:CreateAction": ["CreateFleet", "RunInstances"] } },
    },
    {
      Sid: "TerminateOwnReplacementsOnly",
      Effect: "Allow",
      Action: TERMINATE_ACTION,
      Resource: ec2("instance/*"),
      Condition: { Null: { [`aws:ResourceTag/${TAGS.spotReplacementFor}`]: "false" } },
    },
    {
      // The groups' launch templates carry an instance profile: launching passes its role, to EC2 only.
      Sid: "PassTheGroupsInstanceRolesToEc2",
      Effect: "Allow",
      Action: LAUNCH_ACTIONS.passRole,
      Resource: a.instanceRoles.length ? a.instanceRoles : pulumi.interpolate`arn:${partition}:iam::${accountId}:role/*`,
      Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com", ...(a.instanceRoles.length ? {} : optedIn) } },
    },
    {
      // The first spot launch in an account creates EC2's spot service-linked role.
      Sid: "CreateSpotServiceLinkedRole",
      Effect: "Allow",
      Action: LAUNCH_ACTIONS.spotServiceLinkedRole,
      Resource: pulumi.interpolate`arn:${partition}:iam::${accountId}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`,
      Condition: { StringEquals: { "iam:AWSServiceName": "spot.amazonaws.com" } },
    },
    {
      // Volumes encrypted with a customer-managed key: EC2 uses the key on the launcher's behalf, and only EC2 may.
      Sid: "UseVolumeKeysThroughEc2Only",
      Effect: "Allow",
      Action: [...LAUNCH_ACTIONS.volumeKeys],
      Resource: keys,
      Condition: { StringEquals: viaEc2 },
    },
    {
      Sid: "GrantVolumeKeysToEc2Only",
      Effect: "Allow",
      Action: LAUNCH_ACTIONS.volumeKeyGrants,
      Resource: keys,
      Condition: { StringEquals: viaEc2, Bool: { "kms:GrantIsForAWSResource": "true" } },
    },
    // GetItem: health; UpdateItem: claiming, confirming and releasing half-open probes.
    { Sid: "ReadSpotHealthAndProbe", Effect: "Allow", Action: [...BREAKER_STORE_ACTIONS], Resource: a.breakerTableArn },
    { Sid: "ReadPoolRisk", Effect: "Allow", Action: POOL_RISK_READ_ACTION, Resource: a.poolRiskTableArn },
    { Sid: "LeasesAndSwapJournals", Effect: "Allow", Action: [...JOURNAL_ACTIONS], Resource: a.optimizerTableArn },
    neverTouchProtected([...GROUP_CHANGING_ACTIONS, TERMINATE_ACTION]),
    ...a.publish,
  ];
}

/** The organisation as the spot settings carry it (runtime/spot/settings.ts SpotScope). */
function spotOrganization(o: SpotOrganizationArgs) {
  return { memberRoleName: o.memberRoleName, accounts: o.accounts, excludeAccounts: o.excludeAccounts, externalId: o.externalId };
}
