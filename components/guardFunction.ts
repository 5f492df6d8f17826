/**
 * GuardFunction: the one way a runtime handler becomes a Lambda.
 *
 * The handler `runtime/handlers/<name>.ts` is bundled with esbuild (components/bundle.ts,
 * through a content-addressed cache) into an inline AssetArchive. The function gets a role holding only
 * the statements its capability passes in (plus its own logs and dead-letter queue), a log
 * group with retention, an encrypted SQS dead-letter queue, arm64, and env vars named in
 * runtime/contract.ts. aws.lambda.CallbackFunction is deliberately not used: it zips every
 * package in `dependencies` and attaches broad managed policies.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, METRIC_NAMESPACE, type EnvName, type HandlerName } from "../runtime/contract";
import { bundleHandler, LAMBDA_RUNTIME } from "./bundle";
import type { PolicyStatement } from "./iam";
import { transformed, type Transform } from "./transform";

export { bundleBudget, bundleHandler, HANDLERS_DIR, type BundleOptions } from "./bundle";
export type { PolicyStatement } from "./iam";

/** What every guard function of a stack shares: index.ts builds it once and every capability passes it on. */
export interface FunctionDefaults {
  /** Stack name, used in names and messages, set as COSTGUARD_STACK. */
  stack: string;
  /** Retention of the functions' log groups, in days. */
  logRetentionDays: number;
  /** Architecture of the functions: arm64 (cheaper per GB-second) or x86_64. */
  architecture: "arm64" | "x86_64";
  /** Stack-wide dead-letter queue every guard function shares (one alarm metric, not one per function); unset: one each. */
  deadLetterQueue?: aws.sqs.Queue;
}

/** What a capability needs to report to the alert topic (index.ts's `reporting`). */
export interface AlertReporting {
  /** ARN of the alert topic the capability's events go to. */
  alertTopicArn: pulumi.Input<string>;
  /** IAM statements that let its functions publish there (AlertChannel.publishStatements()). */
  publishStatements: PolicyStatement[];
}

/** The children of a GuardFunction a `transform` can change (see components/transform.ts). */
export interface GuardFunctionTransform {
  function?: Transform<aws.lambda.FunctionArgs>;
  role?: Transform<aws.iam.RoleArgs>;
  /** The role's inline policy. */
  policy?: Transform<aws.iam.RolePolicyArgs>;
  logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
  /** The function's own dead-letter queue, when it does not share the stack's. */
  deadLetterQueue?: Transform<aws.sqs.QueueArgs>;
  /** EventBridge rules that run the function (schedules, event patterns). */
  rule?: Transform<aws.cloudwatch.EventRuleArgs>;
  target?: Transform<aws.cloudwatch.EventTargetArgs>;
  /** Permissions that let a rule or topic invoke the function. */
  permission?: Transform<aws.lambda.PermissionArgs>;
}

/** Args of the encrypted SQS queue that receives a function's failed async invocations. */
const DEAD_LETTER_QUEUE_ARGS: aws.sqs.QueueArgs = { sqsManagedSseEnabled: true, messageRetentionSeconds: 14 * 24 * 3600 };

/**
 * One dead-letter queue for every guard function of a stack. CloudWatch bills alarms per metric
 * they read (10 free), so one shared queue keeps the dead-letter alarm at one metric instead of
 * one per function. A dead-lettered message names its function in its attributes.
 */
export function sharedDeadLetterQueue(name: string, opts?: pulumi.CustomResourceOptions, transform?: Transform<aws.sqs.QueueArgs>): aws.sqs.Queue {
  return new aws.sqs.Queue(...transformed(transform, name, DEAD_LETTER_QUEUE_ARGS, opts ?? {}));
}

export interface GuardFunctionArgs {
  /** The stack's log retention, architecture and dead-letter queue. */
  defaults: FunctionDefaults;
  /** Which handler in runtime/handlers/ to run. */
  handler: HandlerName;
  /** What the function is for, shown in the Lambda console. */
  description: pulumi.Input<string>;
  /** IAM statements the handler needs, and nothing more. */
  statements: pulumi.Input<PolicyStatement[]>;
  /** Env vars by contract name (ENV.*). Secrets must not be passed here: pass an SSM parameter name. */
  environment?: Partial<Record<EnvName, pulumi.Input<string>>>;
  /** Lambda memory in MB (128 keeps the free tier going furthest). */
  memoryMb?: number;
  /** Timeout in seconds. */
  timeoutSeconds?: number;
  /** Fixed function name (default: Pulumi's auto-name), for a function others must name before it exists. */
  functionName?: string;
  /** Changes to the function's children before they are created. */
  transform?: GuardFunctionTransform;
}

export class GuardFunction extends pulumi.ComponentResource {
  public readonly function: aws.lambda.Function;
  public readonly role: aws.iam.Role;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  public readonly deadLetterQueue: aws.sqs.Queue;
  public readonly functionName: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  private readonly baseName: string;
  private readonly transforms: GuardFunctionTransform;

  constructor(name: string, args: GuardFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:functions:GuardFunction", name, {}, opts);
    this.baseName = name;
    this.transforms = args.transform ?? {};
    const t = this.transforms;
    const parent = { parent: this };
    const defaults = args.defaults;

    this.logGroup = new aws.cloudwatch.LogGroup(...transformed(t.logGroup, `${name}-logs`, { retentionInDays: defaults.logRetentionDays }, parent));

    this.deadLetterQueue = defaults.deadLetterQueue ?? new aws.sqs.Queue(...transformed(t.deadLetterQueue, `${name}-dlq`, DEAD_LETTER_QUEUE_ARGS, parent));

    this.role = new aws.iam.Role(
      ...transformed(
        t.role,
        `${name}-role`,
        {
          description: `costguard ${args.handler} function (${defaults.stack})`,
          assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
          }),
        },
        parent,
      ),
    );

    const ownStatements: PolicyStatement[] = [
      { Sid: "OwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${this.logGroup.arn}:*` },
      { Sid: "OwnDeadLetterQueue", Effect: "Allow", Action: "sqs:SendMessage", Resource: this.deadLetterQueue.arn },
    ];
    const policy = pulumi
      .all([pulumi.output(args.statements), pulumi.output(ownStatements)])
      .apply(([given, own]) => JSON.stringify({ Version: "2012-10-17", Statement: [...own, ...given] }));
    const rolePolicy = new aws.iam.RolePolicy(...transformed(t.policy, `${name}-policy`, { role: this.role.id, policy }, parent));

    const variables: Record<string, pulumi.Input<string>> = {
      [ENV.stack]: defaults.stack,
      [ENV.powertoolsServiceName]: `costguard-${args.handler}`,
      [ENV.powertoolsMetricsNamespace]: METRIC_NAMESPACE,
      NODE_OPTIONS: "--enable-source-maps",
      ...args.environment,
    };

    const fnArgs: aws.lambda.FunctionArgs = {
      ...(args.functionName ? { name: args.functionName } : {}),
      description: args.description,
      runtime: LAMBDA_RUNTIME,
      architectures: [defaults.architecture],
      handler: "index.handler",
      code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleHandler(args.handler)) }),
      memorySize: args.memoryMb ?? 128,
      timeout: args.timeoutSeconds ?? 30,
      role: this.role.arn,
      environment: { variables },
      deadLetterConfig: { targetArn: this.deadLetterQueue.arn },
      loggingConfig: { logFormat: "Text", logGroup: this.logGroup.name },
    };
    // The policy must exist before the first invocation can log or dead-letter.
    this.function = new aws.lambda.Function(...transformed(t.function, `${name}-fn`, fnArgs, { parent: this, dependsOn: [rolePolicy] }));
    this.functionName = this.function.name;
    this.functionArn = this.function.arn;

    this.registerOutputs({ functionName: this.functionName, functionArn: this.functionArn, roleArn: this.role.arn });
  }

  /** Runs the function on an EventBridge schedule, optionally with a fixed input. */
  onSchedule(name: string, scheduleExpression: pulumi.Input<string>, input?: object): aws.cloudwatch.EventRule {
    return this.onEvent(name, { scheduleExpression }, input);
  }

  /** Runs the function for events matching a pattern (or a schedule), with a permission scoped to the rule. */
  onEvent(
    name: string,
    rule: { scheduleExpression?: pulumi.Input<string>; eventPattern?: object; description?: string },
    input?: object,
  ): aws.cloudwatch.EventRule {
    const parent = { parent: this };
    const t = this.transforms;
    const eventRule = new aws.cloudwatch.EventRule(
      ...transformed(
        t.rule,
        `${this.baseName}-${name}`,
        {
          description: rule.description ?? `costguard: ${name}`,
          scheduleExpression: rule.scheduleExpression,
          eventPattern: rule.eventPattern ? JSON.stringify(rule.eventPattern) : undefined,
        },
        parent,
      ),
    );
    new aws.cloudwatch.EventTarget(
      ...transformed(t.target, `${this.baseName}-${name}-target`, { rule: eventRule.name, arn: this.function.arn, input: input ? JSON.stringify(input) : undefined }, parent),
    );
    this.allowInvoke(`${this.baseName}-${name}-invoke`, "events.amazonaws.com", eventRule.arn);
    return eventRule;
  }

  /** Lets EventBridge invoke the function on behalf of one rule only. */
  private allowInvoke(name: string, principal: string, sourceArn: pulumi.Input<string>): aws.lambda.Permission {
    return new aws.lambda.Permission(
      ...transformed(this.transforms.permission, name, { action: "lambda:InvokeFunction", function: this.function.name, principal, sourceArn }, { parent: this }),
    );
  }
}
