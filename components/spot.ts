/**
 * SpotResilience (SPEC S5): the circuit-breaker and pool-risk tables, the EventBridge rules
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
import type { GuardConfig } from "./config";
import { guardTable } from "./guardTable";
import { GuardFunction, type PolicyStatement, type FunctionDefaults, type AlertReporting } from "./guardFunction";

export const INTERRUPTION_WARNING = "EC2 Spot Instance Interruption Warning";
export const REBALANCE_RECOMMENDATION = "EC2 Instance Rebalance Recommendation";

export interface SpotResilienceArgs extends FunctionDefaults, AlertReporting {
  /** The stack's `spot` config section (thresholds, poisoning environments, optimizer). */
  settings: GuardConfig["spot"];
  /**
   * The Kubernetes node optimizer, when a cluster is configured: interruptions of its nodes are
   * handed to it to cordon and drain within the notice. Its function name is fixed in advance
   * (the node optimizer also reads this component's tables, so neither can wait for the other).
   */
  nodeDrainer?: { functionName: string; drainDeadlineSeconds: number };
}

/** The runtime settings (COSTGUARD_SETTINGS) the handlers parse, from the stack's spot config. */
export function spotRuntimeSettings(s: GuardConfig["spot"]): SpotSettingsInput {
  return {
    breaker: {
      threshold: s.breakerThreshold,
      windowMinutes: s.breakerWindowMinutes,
      cooldownMinutes: s.breakerCooldownMinutes,
      maxCooldownMinutes: s.breakerMaxCooldownMinutes,
      quietMinutes: s.breakerQuietMinutes,
      probeClaimMinutes: s.breakerProbeClaimMinutes,
      perAz: s.breakerPerAz,
    },
    poolPoisonDays: s.poolPoisonDays,
    poisoningEnvironments: s.poisoningEnvironments,
    minOnDemandDefault: s.minOnDemandDefault,
  };
}

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

  constructor(name: string, args: SpotResilienceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:spot:SpotResilience", name, {}, opts);
    const parent = { parent: this };
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
    const region = aws.getRegionOutput({}, parent).region;

    // Breaker records and pool poisonings expire (expiresAt); readers check expiry themselves.
    this.breakerTable = guardTable(`${name}-breakers`, {}, parent);
    this.poolRiskTable = guardTable(`${name}-pool-risk`, {}, parent);

    // The handlers read these with the same schema: settings they would refuse stop here, at preview.
    this.settingsJson = JSON.stringify(parseSpotSettings(spotRuntimeSettings(args.settings), "costguard:spot cannot be used by the spot functions"));
    const common = {
      stack: args.stack,
      logRetentionDays: args.logRetentionDays,
      architecture: args.architecture,
      deadLetterQueue: args.deadLetterQueue,
      environment: {
        [ENV.breakerTable]: this.breakerTable.name,
        [ENV.poolRiskTable]: this.poolRiskTable.name,
        [ENV.alertTopicArn]: args.alertTopicArn,
        [ENV.settings]: this.settingsJson,
      },
    };
    const tables = [this.breakerTable.arn, this.poolRiskTable.arn];
    const drainer = args.nodeDrainer && {
      name: args.nodeDrainer.functionName,
      deadline: args.nodeDrainer.drainDeadlineSeconds,
      arn: pulumi.interpolate`arn:aws:lambda:${aws.getRegionOutput({}, parent).region}:${aws.getCallerIdentityOutput({}, parent).accountId}:function:${args.nodeDrainer.functionName}`,
    };

    this.events = new GuardFunction(
      `${name}-events`,
      {
        ...common,
        handler: "spotEvents",
        description: "costguard: spot interruption warnings and rebalance recommendations → circuit breaker, pool risk, alerts",
        statements: [
          // DescribeInstances supports no resource-level permissions.
          { Sid: "LookUpInterruptedInstance", Effect: "Allow", Action: INSTANCE_LOOKUP_ACTION, Resource: "*" },
          // Interruptions are atomic appends (UpdateItem); state transitions are conditional UpdateItems.
          { Sid: "RecordInterruptions", Effect: "Allow", Action: [...new Set([...BREAKER_STORE_ACTIONS, ...POOL_RISK_STORE_ACTIONS])], Resource: tables },
          ...args.publishStatements,
          ...(drainer ? [{ Sid: "HandNodesToTheDrainer", Effect: "Allow" as const, Action: DRAIN_INVOKE_ACTION, Resource: drainer.arn }] : []),
        ],
        // Waiting for a drain needs the drain's deadline plus a cold start of the drainer.
        ...(drainer ? { timeoutSeconds: Math.min(drainer.deadline + 40, 900), environment: { ...common.environment, [ENV.nodeOptimizerFunction]: drainer.name } } : {}),
      },
      parent,
    );
    this.interruptionRule = this.events.onEvent("interruption", {
      description: "costguard: EC2 spot interruption warnings",
      eventPattern: { source: ["aws.ec2"], "detail-type": [INTERRUPTION_WARNING] },
    });
    this.rebalanceRule = this.events.onEvent("rebalance", {
      description: "costguard: EC2 instance rebalance recommendations",
      eventPattern: { source: ["aws.ec2"], "detail-type": [REBALANCE_RECOMMENDATION] },
    });

    this.advice = new GuardFunction(
      `${name}-advice`,
      {
        ...common,
        handler: "spotAdvice",
        description: "costguard: spot or on-demand advice for fleet managers; reset-circuit for operators",
        timeoutSeconds: 10,
        statements: [
          // UpdateItem: claiming, confirming or releasing the half-open probe and resetting a circuit (conditional writes).
          { Sid: "ReadAndClaimBreakers", Effect: "Allow", Action: [...BREAKER_STORE_ACTIONS], Resource: this.breakerTable.arn },
          { Sid: "ReadPoolRisk", Effect: "Allow", Action: POOL_RISK_READ_ACTION, Resource: this.poolRiskTable.arn },
          ...args.publishStatements,
        ],
      },
      parent,
    );

    if (args.settings.optimizerEnabled) {
      this.optimizerTable = guardTable(`${name}-optimizer-state`, {}, parent);
      this.optimizer = new GuardFunction(
        `${name}-optimizer`,
        {
          ...common,
          handler: "asgOptimizer",
          description: "costguard: replaces on-demand instances of opted-in Auto Scaling groups with spot, capacity never dropping",
          // Status checks and InService waits are bounded well inside Lambda's 15 minutes.
          timeoutSeconds: 900,
          memoryMb: 256,
          environment: { ...common.environment, [ENV.optimizerTable]: this.optimizerTable.name },
          statements: optimizerStatements({
            accountId,
            region,
            breakerTableArn: this.breakerTable.arn,
            poolRiskTableArn: this.poolRiskTable.arn,
            optimizerTableArn: this.optimizerTable.arn,
            launchTemplates: args.settings.optimizerLaunchTemplates,
            instanceRoles: args.settings.optimizerInstanceRoles,
            kmsKeys: args.settings.optimizerKmsKeys,
            publish: args.publishStatements,
          }),
        },
        parent,
      );
      this.optimizer.onSchedule("schedule", args.settings.optimizerSchedule);
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
      ],
    };
  }

  /** IAM statement letting a role (a fleet manager's) invoke the advice function. */
  invokeAdviceStatement(): PolicyStatement {
    return { Sid: "InvokeSpotAdvice", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: this.adviceFunctionArn };
  }
}

/**
 * The explicit Deny every costguard role that changes instances or groups carries: nothing
 * tagged costguard:protect=true (in any letter case) is changed, whatever an Allow says.
 */
export function neverTouchProtected(actions: string[]): PolicyStatement {
  return { Sid: "NeverTouchProtectedResources", Effect: "Deny", Action: actions, Resource: "*", Condition: { StringEqualsIgnoreCase: { [`aws:ResourceTag/${TAGS.protect}`]: "true" } } };
}

/**
 * The optimizer's role. Describe calls support no resource-level permissions; everything
 * that changes something is scoped by resource and condition.
 */
export function optimizerStatements(a: {
  accountId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  breakerTableArn: pulumi.Input<string>;
  poolRiskTableArn: pulumi.Input<string>;
  optimizerTableArn: pulumi.Input<string>;
  /** Launch template ARNs the optimizer may launch from; empty: templates tagged costguard:spot-optimize=true. */
  launchTemplates: string[];
  /** Instance role ARNs it may pass to EC2; empty: roles tagged costguard:spot-optimize=true. */
  instanceRoles: string[];
  /** KMS keys of encrypted volumes; empty: any key of the account and region (through EC2 only). */
  kmsKeys: string[];
  publish: PolicyStatement[];
}): PolicyStatement[] {
  const ec2 = (resource: string) => pulumi.interpolate`arn:aws:ec2:${a.region}:${a.accountId}:${resource}`;
  const optedIn = { [`aws:ResourceTag/${TAGS.spotOptimize}`]: "true" };
  // Every resource of a launch must come with one of the groups' launch templates.
  const fromGroupTemplate: NonNullable<PolicyStatement["Condition"]> = a.launchTemplates.length
    ? { ArnLike: { "ec2:LaunchTemplate": a.launchTemplates } }
    : { Null: { "ec2:LaunchTemplate": "false" } };
  const viaEc2 = { "kms:ViaService": pulumi.interpolate`ec2.${a.region}.amazonaws.com` };
  const keys = a.kmsKeys.length ? a.kmsKeys : [pulumi.interpolate`arn:aws:kms:${a.region}:${a.accountId}:key/*`];
  return [
    {
      Sid: "DescribeGroupsAndInstances",
      Effect: "Allow",
      Action: [...INVENTORY_ACTIONS],
      Resource: "*",
    },
    {
      Sid: "SwapInOptedInGroupsOnly",
      Effect: "Allow",
      Action: [...GROUP_CHANGING_ACTIONS],
      Resource: pulumi.interpolate`arn:aws:autoscaling:${a.region}:${a.accountId}:autoScalingGroup:*:autoScalingGroupName/*`,
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
      Resource: pulumi.interpolate`arn:aws:ec2:${a.region}::image/*`,
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
        pulumi.interpolate`arn:aws:ec2:${a.region}::snapshot/*`,
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
      Resource: a.instanceRoles.length ? a.instanceRoles : pulumi.interpolate`arn:aws:iam::${a.accountId}:role/*`,
      Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com", ...(a.instanceRoles.length ? {} : optedIn) } },
    },
    {
      // The first spot launch in an account creates EC2's spot service-linked role.
      Sid: "CreateSpotServiceLinkedRole",
      Effect: "Allow",
      Action: LAUNCH_ACTIONS.spotServiceLinkedRole,
      Resource: pulumi.interpolate`arn:aws:iam::${a.accountId}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`,
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
