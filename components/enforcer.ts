/**
 * SecurityEnforcer: the hourly check for running instances nobody authorised.
 *
 * The role holds destructive permissions only in stop or terminate mode, and then only over
 * instances IAM itself can see carry none of the authorisation tags: a bug in the function, or a
 * flag tag copied or typed by anyone, still cannot reach an authorised instance (see
 * enforcerStatements). It may not change an instance tagged costguard:protect=true in any
 * letter case (an explicit Deny), nor write any tag but its own.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, TAGS } from "../runtime/contract";
import { GuardFunction, type AlertReporting, type FunctionDefaults, type GuardFunctionTransform } from "./guardFunction";
import { guardTable } from "./guardTable";
import { accountScope, all, arn, carrying, neverTouchProtected, onlyTagKeys, resourceTag, type AccountScope, type Conditions, type PolicyStatement } from "./iam";
import { renamedFrom, type Transform } from "./transform";

export type EnforcerMode = "audit" | "stop" | "terminate";

/**
 * "Carries none of the authorisation tags", as IAM can check it on the instance itself:
 * `Key` rules → the tag is absent (Null), `Key=Value` rules → the tag is not that value
 * (StringNotEquals, true when absent). The keys of one condition block are ANDed.
 */
export function unauthorizedConditions(authorizationTags: string[]): Conditions {
  const absent = new Set<string>();
  const notValues = new Map<string, string[]>();
  for (const rule of authorizationTags) {
    const i = rule.indexOf("=");
    if (i < 0) absent.add(rule);
    else notValues.set(rule.slice(0, i), [...(notValues.get(rule.slice(0, i)) ?? []), rule.slice(i + 1)]);
  }
  const out: Conditions = {};
  if (absent.size) out.Null = Object.fromEntries([...absent].map((k) => [resourceTag(k), "true"]));
  const values = [...notValues].filter(([k]) => !absent.has(k));
  if (values.length) out.StringNotEquals = Object.fromEntries(values.map(([k, v]) => [resourceTag(k), v]));
  return out;
}

/**
 * The enforcer's IAM statements: read-only in audit mode. In stop/terminate mode, the flag tag
 * `costguard:unauthorized-since` is what Stop/Terminate require; the role may write it only on
 * instances that carry none of the authorisation tags (the same rule the function applies,
 * checked by IAM on the instance's own tags), and Stop/Terminate require that too. So neither
 * a bug nor a flag tag copied onto an authorised instance can stop or terminate it: the most
 * a bug could do is act on an unauthorised instance before its grace period is over (IAM has
 * no clock to compare a tag with), which the function's own record of the flag prevents.
 */
export function enforcerStatements(tableArn: pulumi.Input<string>, mode: EnforcerMode, scope: AccountScope, authorizationTags: string[]): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    { Sid: "ReadInstances", Effect: "Allow", Action: ["ec2:DescribeInstances", "ec2:DescribeInstanceAttribute"], Resource: "*" },
    // UpdateItem/GetItem: the one-run-at-a-time lease.
    { Sid: "EnforcerTable", Effect: "Allow", Action: ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:UpdateItem"], Resource: tableArn },
  ];
  if (mode === "audit") return statements;
  const instances = arn(scope, "ec2", "instance/*");
  const unauthorized = unauthorizedConditions(authorizationTags);
  const destroy = mode === "stop" ? "ec2:StopInstances" : "ec2:TerminateInstances";
  statements.push(
    { Sid: "FlagUnauthorizedInstances", Effect: "Allow", Action: ["ec2:CreateTags"], Resource: instances, Condition: all(onlyTagKeys(TAGS.unauthorizedSince), unauthorized) },
    // Removing the flag only ever takes a permission away.
    { Sid: "UnflagInstances", Effect: "Allow", Action: ["ec2:DeleteTags"], Resource: instances, Condition: onlyTagKeys(TAGS.unauthorizedSince) },
    { Sid: mode === "stop" ? "StopFlaggedUnauthorizedInstances" : "TerminateFlaggedUnauthorizedInstances", Effect: "Allow", Action: destroy, Resource: instances, Condition: all(carrying(TAGS.unauthorizedSince), unauthorized) },
    neverTouchProtected(["ec2:CreateTags", "ec2:DeleteTags", destroy], "NeverTouchProtectedInstances"),
  );
  return statements;
}

export interface SecurityEnforcerTransform extends GuardFunctionTransform {
  /** The table of flags and audit records. */
  table?: Transform<aws.dynamodb.TableArgs>;
}

export interface SecurityEnforcerArgs extends AlertReporting {
  /** The stack's log retention, architecture and dead-letter queue. */
  defaults: FunctionDefaults;
  /** EventBridge schedule expression of the runs. */
  schedule: string;
  /** Tags that authorise a running instance: `Key=Value` or `Key`. */
  authorizationTags: string[];
  /** audit (flag only), stop or terminate after the grace period. */
  mode: EnforcerMode;
  /** Hours between flagging and acting. */
  graceHours: number;
  /** Cap on stop/terminate actions per run. */
  maxActionsPerRun: number;
  transform?: SecurityEnforcerTransform;
}

export class SecurityEnforcer extends pulumi.ComponentResource {
  public readonly table: aws.dynamodb.Table;
  public readonly tableName: pulumi.Output<string>;
  public readonly function: GuardFunction;
  public readonly functionName: pulumi.Output<string>;

  constructor(name: string, args: SecurityEnforcerArgs, opts?: pulumi.ComponentResourceOptions) {
    // Was costguard:hygiene:SecurityEnforcer (hygiene is now waste + enforcer, as in runtime/): the alias keeps deployed stacks' resources.
    super("costguard:enforcer:SecurityEnforcer", name, {}, renamedFrom("costguard:hygiene:SecurityEnforcer", opts));
    // Audit records expire after 400 days; flags carry no expiry.
    this.table = guardTable(`${name}-table`, { sortKey: "S" }, { parent: this }, args.transform?.table);
    this.tableName = this.table.name;
    const settings = { authorizationTags: args.authorizationTags, mode: args.mode, graceHours: args.graceHours, maxActionsPerRun: args.maxActionsPerRun };
    this.function = new GuardFunction(
      `${name}-check`,
      {
        defaults: args.defaults,
        handler: "securityEnforcer",
        description: `costguard: hourly enforcer for unauthorised instances (mode ${args.mode})`,
        timeoutSeconds: 120,
        environment: { [ENV.enforcerTable]: this.table.name, [ENV.alertTopicArn]: args.alertTopicArn, [ENV.settings]: JSON.stringify(settings) },
        statements: [...enforcerStatements(this.table.arn, args.mode, accountScope(this), args.authorizationTags), ...args.publishStatements],
        transform: args.transform,
      },
      { parent: this },
    );
    this.function.onSchedule("schedule", args.schedule);
    this.functionName = this.function.functionName;
    this.registerOutputs({ tableName: this.tableName, functionName: this.functionName });
  }
}
