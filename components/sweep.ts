/**
 * OrganizationSweep: the failsafe's check over every (account, region) unit of the
 * organisation, run by AWS Step Functions rather than a home-made loop. A STANDARD state machine
 * on the failsafe's schedule: List (the failsafe function writes the units to S3) → a
 * DISTRIBUTED Map reading that list, batching units (ItemBatcher) into EXPRESS child executions
 * that each invoke the function on one batch, every failure tolerated (one unreachable account
 * never stops the sweep) and every result written to S3 (ResultWriter) → Decide (one decision
 * over the whole organisation). The event contract is runtime/shared/sweep.ts; the shape
 * (batch size, concurrency) is SWEEP_SHAPE there.
 *
 * The sweep bucket holds only a sweep's working files: encrypted, public access blocked, TLS
 * only, and everything under sweeps/ expires after a day.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { runsPerMonth } from "../runtime/pricing/schedule";
import { HOURS_PER_MONTH } from "../runtime/pricing/types";
import { SWEEP_SHAPE, sweepKeys } from "../runtime/shared/sweep";
import { estimateTags } from "./estimateHints";
import { accountScope, arn, type PolicyStatement } from "./iam";
import { transformed, type Transform } from "./transform";

export interface OrganizationSweepTransform {
  stateMachine?: Transform<aws.sfn.StateMachineArgs>;
  role?: Transform<aws.iam.RoleArgs>;
  logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
  rule?: Transform<aws.cloudwatch.EventRuleArgs>;
}

export interface OrganizationSweepArgs {
  stack: string;
  /** The sweep's working files (SweepBucket). */
  bucket: { bucketName: pulumi.Input<string>; bucketArn: pulumi.Input<string> };
  /** The failsafe function: list, inventory and decide are its events. */
  functionArn: pulumi.Input<string>;
  /** EventBridge schedule expression of the sweep (the failsafe's cadence). */
  schedule: string;
  logRetentionDays: number;
  /** Units per sweep for the cost estimate, and whether that figure is an assumption ("all"). */
  estimate: { units: number; assumed: boolean };
  transform?: OrganizationSweepTransform;
}

/** The key prefix every sweep object lives under (the lifecycle rule and the IAM grants name it). */
export const SWEEP_PREFIX = "sweeps/";
/** A Lambda invoke's transient errors, retried with backoff (throttling above all). */
export const LAMBDA_RETRY = {
  ErrorEquals: ["Lambda.TooManyRequestsException", "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException"],
  IntervalSeconds: 1,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 20,
  JitterStrategy: "FULL",
} as const;
/**
 * A sweep that has not ended by the next tick is stopped: the next one starts then anyway, and
 * two sweeps deciding at once would only repeat each other. The schedule's average interval,
 * within 1 to 15 minutes.
 */
export function sweepTimeoutSeconds(schedule: string): number {
  const runs = runsPerMonth(schedule);
  const interval = runs ? Math.round((HOURS_PER_MONTH * 3600) / runs) : 900;
  return Math.min(900, Math.max(60, interval));
}

/** The parts of Amazon States Language the sweep uses (JSONPath query language). */
export interface TaskState {
  Type: "Task";
  Resource: string;
  Parameters: Record<string, unknown>;
  ResultSelector?: Record<string, string>;
  ResultPath?: string;
  OutputPath?: string;
  Retry?: (typeof LAMBDA_RETRY)[];
  TimeoutSeconds?: number;
  Next?: string;
  End?: true;
}
export interface DistributedMapState {
  Type: "Map";
  ItemReader: { Resource: string; ReaderConfig: { InputType: "JSON" }; Parameters: Record<string, string> };
  ItemSelector: Record<string, string>;
  ItemBatcher: { MaxItemsPerBatch: number };
  ItemProcessor: { ProcessorConfig: { Mode: "DISTRIBUTED"; ExecutionType: "EXPRESS" }; StartAt: string; States: Record<string, TaskState> };
  MaxConcurrency: number;
  ToleratedFailurePercentage: number;
  ResultWriter: { Resource: string; Parameters: Record<string, string> };
  ResultPath: string;
  Next: string;
}
export interface SweepDefinition {
  Comment: string;
  StartAt: "List";
  TimeoutSeconds: number;
  States: { List: TaskState; Inventory: DistributedMapState; Decide: TaskState };
}

/** The state machine's definition, as a typed object (tests parse its payloads with the sweep's schemas). */
export function sweepDefinition(opts: { partition: string; functionArn: string; bucketName: string; timeoutSeconds: number }): SweepDefinition {
  const invoke = `arn:${opts.partition}:states:::lambda:invoke`;
  const fn = opts.functionArn;
  return {
    Comment: "costguard organisation sweep: list the units, inventory them in batches, decide over all of them",
    StartAt: "List",
    TimeoutSeconds: opts.timeoutSeconds,
    States: {
      List: {
        Type: "Task",
        Resource: invoke,
        // The execution's name is unique per sweep and S3-key safe: the sweep's run id.
        Parameters: { FunctionName: fn, Payload: { sweep: "list", "runId.$": "$$.Execution.Name" } },
        ResultSelector: { "runId.$": "$.Payload.runId", "Bucket.$": "$.Payload.Bucket", "Key.$": "$.Payload.Key", "units.$": "$.Payload.units" },
        ResultPath: "$.list",
        Retry: [LAMBDA_RETRY],
        Next: "Inventory",
      },
      Inventory: {
        Type: "Map",
        ItemReader: { Resource: `arn:${opts.partition}:states:::s3:getObject`, ReaderConfig: { InputType: "JSON" }, Parameters: { "Bucket.$": "$.list.Bucket", "Key.$": "$.list.Key" } },
        // Each unit carries the run id (ItemSelector sees the Map's input; BatchInput is fixed JSON).
        ItemSelector: { "account.$": "$$.Map.Item.Value.account", "region.$": "$$.Map.Item.Value.region", "runId.$": "$.list.runId" },
        ItemBatcher: { MaxItemsPerBatch: SWEEP_SHAPE.unitsPerBatch },
        ItemProcessor: {
          ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "EXPRESS" },
          StartAt: "InventoryBatch",
          States: {
            InventoryBatch: {
              Type: "Task",
              Resource: invoke,
              // A child's input is { Items }: the function gets the sweep's flat event (the units'
              // own runId is extra there, and ignored).
              Parameters: { FunctionName: fn, Payload: { sweep: "inventory", "runId.$": "$.Items[0].runId", "Items.$": "$.Items" } },
              OutputPath: "$.Payload",
              Retry: [LAMBDA_RETRY],
              End: true,
            },
          },
        },
        MaxConcurrency: SWEEP_SHAPE.maxConcurrency,
        // One unreachable account (or a batch of them) never stops the sweep: decide reports them.
        ToleratedFailurePercentage: 100,
        ResultWriter: {
          Resource: `arn:${opts.partition}:states:::s3:putObject`,
          Parameters: { Bucket: opts.bucketName, "Prefix.$": `States.Format('${sweepKeys.results("{}")}', $.list.runId)` },
        },
        ResultPath: "$.map",
        Next: "Decide",
      },
      Decide: {
        Type: "Task",
        Resource: invoke,
        Parameters: { FunctionName: fn, Payload: { sweep: "decide", "runId.$": "$.list.runId", "ResultWriterDetails.$": "$.map.ResultWriterDetails" } },
        OutputPath: "$.Payload",
        Retry: [LAMBDA_RETRY],
        End: true,
      },
    },
  };
}

/** States one sweep passes (List, Inventory, Decide): declared for a first preview's estimate. */
const stateCount = () => Object.keys(sweepDefinition({ partition: "aws", functionArn: "arn", bucketName: "bucket", timeoutSeconds: 60 }).States).length;

/**
 * What one month of sweeps does, for the estimate: child executions (one per batch), the
 * failsafe function's invocations (list + one per batch + decide) and the S3 PUTs (the unit
 * list and the list's failures, the Map's results: a manifest and up to three result files, one
 * per status). Nothing is written per unit: decide re-reads the units it acts on.
 */
export function sweepUsage(units: number, runsPerMonth: number) {
  const batches = Math.ceil(units / SWEEP_SHAPE.unitsPerBatch);
  return {
    batches,
    invocationsPerMonth: runsPerMonth * (batches + 2),
    putsPerMonth: runsPerMonth * (2 + 4),
  };
}

/** Assumed duration of one batch (20 units read at once, each a few paged calls through AssumeRole). */
export const ASSUMED_BATCH_MS = 5_000;
/** Assumed duration of list and decide. */
export const ASSUMED_LIST_DECIDE_MS = 2_000;

export interface SweepBucketArgs {
  /** The sweep's cadence and units per sweep, for the estimate of its PUTs. */
  schedule: string;
  units: number;
  transform?: { bucket?: Transform<aws.s3.BucketArgs> };
}

/**
 * The sweep's working files: created before the failsafe (which writes there) and the state
 * machine (which reads the unit list and writes the Map's results there).
 */
export class SweepBucket extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;

  constructor(name: string, args: SweepBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:organization:SweepBucket", name, {}, opts);
    this.bucket = this.createBucket(name, args);
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName });
  }

  private createBucket(name: string, args: SweepBucketArgs): aws.s3.Bucket {
    const parent = { parent: this };
    // A day of sweeps at most (the lifecycle rule), each object a few KB: 10 MB is generous.
    const { putsPerMonth } = sweepUsage(args.units, runsPerMonth(args.schedule) ?? 0);
    // Working files only, expiring within a day: nothing to keep when the stack goes.
    const bucket = new aws.s3.Bucket(...transformed(args.transform?.bucket, `${name}-bucket`, { forceDestroy: true, tags: estimateTags({ storageGb: 0.01, requestsPerMonth: putsPerMonth }) }, parent));
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-bucket-encryption`, { bucket: bucket.bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] }, parent);
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-bucket-public-access`,
      { bucket: bucket.bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      parent,
    );
    new aws.s3.BucketPolicy(
      `${name}-bucket-tls-only`,
      {
        bucket: bucket.bucket,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
          ],
        }),
      },
      { parent: this, dependsOn: [publicAccess] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-bucket-lifecycle`,
      {
        bucket: bucket.bucket,
        rules: [{ id: "expire-sweeps", status: "Enabled", filter: { prefix: SWEEP_PREFIX }, expiration: { days: 1 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }],
      },
      parent,
    );
    return bucket;
  }
}

export class OrganizationSweep extends pulumi.ComponentResource {
  public readonly stateMachine: aws.sfn.StateMachine;
  public readonly stateMachineArn: pulumi.Output<string>;
  public readonly role: aws.iam.Role;
  public readonly rule: aws.cloudwatch.EventRule;

  constructor(name: string, args: OrganizationSweepArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:organization:OrganizationSweep", name, {}, opts);
    const parent = { parent: this };
    const t = args.transform ?? {};
    const scope = accountScope(this);
    const bucketArn = pulumi.output(args.bucket.bucketArn);

    // Named up front: the role's grants on the state machine and its executions need its ARN,
    // which would otherwise depend on the role.
    const machineName = `costguard-${args.stack}-sweep`;
    const machineArn = arn(scope, "states", `stateMachine:${machineName}`);
    const logGroup = new aws.cloudwatch.LogGroup(...transformed(t.logGroup, `${name}-logs`, { name: `/aws/vendedlogs/states/${machineName}`, retentionInDays: args.logRetentionDays }, parent));
    const statements: PolicyStatement[] = [
      { Sid: "InvokeTheFailsafe", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: [args.functionArn, pulumi.interpolate`${args.functionArn}:*`] },
      // The distributed Map starts, watches and stops its child executions.
      { Sid: "RunTheMap", Effect: "Allow", Action: "states:StartExecution", Resource: machineArn },
      { Sid: "WatchTheMap", Effect: "Allow", Action: ["states:DescribeExecution", "states:StopExecution"], Resource: arn(scope, "states", `execution:${machineName}/*`) },
      { Sid: "SweepFiles", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], Resource: pulumi.interpolate`${bucketArn}/${SWEEP_PREFIX}*` },
      { Sid: "ListSweepFiles", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn, Condition: { StringLike: { "s3:prefix": `${SWEEP_PREFIX}*` } } },
      // Step Functions' log delivery, which the execution role must hold: these actions take no
      // resource-level permissions, so they are held to the stack's own region.
      {
        Sid: "DeliverLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"],
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": scope.region } },
      },
    ];
    const assumedBy = (service: string) =>
      pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": scope.accountId } } }],
      });
    this.role = new aws.iam.Role(
      ...transformed(t.role, `${name}-role`, { assumeRolePolicy: assumedBy("states.amazonaws.com"), inlinePolicies: [{ name: "sweep", policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }) }] }, parent),
    );

    const definition = pulumi
      .all([scope.partition, pulumi.output(args.functionArn), pulumi.output(args.bucket.bucketName)])
      .apply(([partition, functionArn, bucketName]) => JSON.stringify(sweepDefinition({ partition, functionArn, bucketName, timeoutSeconds: sweepTimeoutSeconds(args.schedule) })));
    this.stateMachine = new aws.sfn.StateMachine(
      ...transformed(
        t.stateMachine,
        `${name}-machine`,
        {
          name: machineName,
          type: "STANDARD",
          roleArn: this.role.arn,
          definition,
          loggingConfiguration: { level: "ERROR", includeExecutionData: false, logDestination: pulumi.interpolate`${logGroup.arn}:*` },
          // Its shape too: on a first preview the definition (built from the function's ARN) is unknown.
          tags: estimateTags({ mapItemsPerRun: args.estimate.units, mapItemsAssumed: args.estimate.assumed ? 1 : 0, durationMs: ASSUMED_BATCH_MS, statesPerRun: stateCount(), mapItemsPerBatch: SWEEP_SHAPE.unitsPerBatch }),
        },
        parent,
      ),
    );
    this.stateMachineArn = this.stateMachine.arn;

    // The schedule: an EventBridge rule starting an execution, through a role that may start this one only.
    this.rule = new aws.cloudwatch.EventRule(...transformed(t.rule, `${name}-schedule`, { description: "costguard: organisation sweep", scheduleExpression: args.schedule }, parent));
    const startRole = new aws.iam.Role(
      `${name}-start-role`,
      {
        assumeRolePolicy: assumedBy("events.amazonaws.com"),
        inlinePolicies: [{ name: "start-sweep", policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "states:StartExecution", Resource: this.stateMachine.arn }] }) }],
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(`${name}-schedule-target`, { rule: this.rule.name, arn: this.stateMachine.arn, roleArn: startRole.arn }, parent);
    this.registerOutputs({ stateMachineArn: this.stateMachineArn });
  }
}
