/**
 * SpotResilience (SPEC S5): the circuit-breaker and pool-risk tables, the EventBridge rules
 * for spot interruption warnings and rebalance recommendations, the spot-events handler, the
 * advice API function fleet managers invoke, and the scheduled ASG optimizer, each with a
 * least-privilege role.
 *
 * The optimizer's mutating Auto Scaling actions are conditioned on the group's opt-in tag,
 * so it cannot touch a group that has not opted in; it can only terminate EC2 instances it
 * launched itself (they carry `costguard:spot-replacement-for`), and on-demand instances
 * leave only through their group.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, TAGS } from "../runtime/contract";
import type { SpotSettingsInput } from "../runtime/spot/settings";
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

    this.settingsJson = JSON.stringify(spotRuntimeSettings(args.settings));
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
          { Sid: "LookUpInterruptedInstance", Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" },
          { Sid: "RecordInterruptions", Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], Resource: tables },
          ...args.publishStatements,
          ...(drainer ? [{ Sid: "HandNodesToTheDrainer", Effect: "Allow" as const, Action: "lambda:InvokeFunction", Resource: drainer.arn }] : []),
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
          // PutItem: claiming the half-open probe and resetting a circuit (conditional writes).
          { Sid: "ReadAndClaimBreakers", Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem"], Resource: this.breakerTable.arn },
          { Sid: "ReadPoolRisk", Effect: "Allow", Action: "dynamodb:GetItem", Resource: this.poolRiskTable.arn },
          ...args.publishStatements,
        ],
      },
      parent,
    );

    if (args.settings.optimizerEnabled) {
      this.optimizer = new GuardFunction(
        `${name}-optimizer`,
        {
          ...common,
          handler: "asgOptimizer",
          description: "costguard: replaces on-demand instances of opted-in Auto Scaling groups with spot, capacity never dropping",
          // Status checks and InService waits are bounded well inside Lambda's 15 minutes.
          timeoutSeconds: 900,
          memoryMb: 256,
          // One run at a time: two overlapping runs must not swap in the same group.
          reservedConcurrency: 1,
          statements: optimizerStatements({ accountId, region, breakerTableArn: this.breakerTable.arn, poolRiskTableArn: this.poolRiskTable.arn, publish: args.publishStatements }),
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
        { Sid: "ReadAndClaimSpotBreakers", Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem"], Resource: this.breakerTable.arn },
        { Sid: "ReadSpotPoolRisk", Effect: "Allow", Action: "dynamodb:GetItem", Resource: this.poolRiskTable.arn },
      ],
    };
  }

  /** IAM statement letting a role (a fleet manager's) invoke the advice function. */
  invokeAdviceStatement(): PolicyStatement {
    return { Sid: "InvokeSpotAdvice", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: this.adviceFunctionArn };
  }
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
  publish: PolicyStatement[];
}): PolicyStatement[] {
  const ec2 = (resource: string) => pulumi.interpolate`arn:aws:ec2:${a.region}:${a.accountId}:${resource}`;
  return [
    {
      Sid: "DescribeGroupsAndInstances",
      Effect: "Allow",
      Action: [
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribeAutoScalingInstances",
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceStatus",
        "ec2:DescribeLaunchTemplateVersions",
        "elasticloadbalancing:DescribeTargetHealth",
      ],
      Resource: "*",
    },
    {
      Sid: "SwapInOptedInGroupsOnly",
      Effect: "Allow",
      Action: [
        "autoscaling:SuspendProcesses",
        "autoscaling:ResumeProcesses",
        "autoscaling:UpdateAutoScalingGroup",
        "autoscaling:AttachInstances",
        "autoscaling:DetachInstances",
        "autoscaling:TerminateInstanceInAutoScalingGroup",
      ],
      Resource: pulumi.interpolate`arn:aws:autoscaling:${a.region}:${a.accountId}:autoScalingGroup:*:autoScalingGroupName/*`,
      Condition: { StringEquals: { [`aws:ResourceTag/${TAGS.spotOptimize}`]: "true" } },
    },
    { Sid: "LaunchInstantFleet", Effect: "Allow", Action: "ec2:CreateFleet", Resource: ec2("fleet/*") },
    {
      Sid: "LaunchOnlyMarkedInstances",
      Effect: "Allow",
      Action: "ec2:RunInstances",
      Resource: ec2("instance/*"),
      // The instance must be created carrying costguard's replacement marker.
      Condition: { Null: { [`aws:RequestTag/${TAGS.spotReplacementFor}`]: "false" } },
    },
    {
      Sid: "LaunchFromGroupTemplates",
      Effect: "Allow",
      Action: "ec2:RunInstances",
      Resource: [
        ec2("subnet/*"),
        ec2("security-group/*"),
        ec2("network-interface/*"),
        ec2("volume/*"),
        ec2("key-pair/*"),
        ec2("launch-template/*"),
        ec2("spot-instances-request/*"),
        pulumi.interpolate`arn:aws:ec2:${a.region}::image/*`,
        pulumi.interpolate`arn:aws:ec2:${a.region}::snapshot/*`,
      ],
    },
    {
      Sid: "TagOnLaunchOnly",
      Effect: "Allow",
      Action: "ec2:CreateTags",
      Resource: [ec2("instance/*"), ec2("volume/*"), ec2("network-interface/*"), ec2("spot-instances-request/*")],
      Condition: { StringEquals: { "ec2:CreateAction": ["CreateFleet", "RunInstances"] } },
    },
    {
      Sid: "TerminateOwnReplacementsOnly",
      Effect: "Allow",
      Action: "ec2:TerminateInstances",
      Resource: ec2("instance/*"),
      Condition: { Null: { [`aws:ResourceTag/${TAGS.spotReplacementFor}`]: "false" } },
    },
    {
      // Launch templates of Auto Scaling groups usually carry an instance profile: launching
      // from them passes its role to EC2. Only to EC2, never to another service.
      Sid: "PassInstanceProfileRoleToEc2",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: pulumi.interpolate`arn:aws:iam::${a.accountId}:role/*`,
      Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
    },
    {
      // The first spot launch in an account creates EC2's spot service-linked role.
      Sid: "CreateSpotServiceLinkedRole",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: pulumi.interpolate`arn:aws:iam::${a.accountId}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`,
      Condition: { StringEquals: { "iam:AWSServiceName": "spot.amazonaws.com" } },
    },
    { Sid: "ReadSpotHealth", Effect: "Allow", Action: "dynamodb:GetItem", Resource: [a.breakerTableArn, a.poolRiskTableArn] },
    ...a.publish,
  ];
}
