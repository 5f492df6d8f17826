/**
 * The skeleton of a capability that is one DynamoDB table and one guard function on a schedule
 * (the waste scanner, the enforcer): the table, the function reading it through an env var, its
 * settings as COSTGUARD_SETTINGS, and the schedule. The capability says what differs.
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, type EnvName, type HandlerName } from "../runtime/contract";
import { GuardFunction, type AlertReporting, type FunctionDefaults, type GuardFunctionTransform } from "./guardFunction";
import { guardTable, type GuardTableShape } from "./guardTable";
import { accountScope, type AccountScope, type PolicyStatement } from "./iam";
import type { Transform } from "./transform";

export interface TableGuardTransform extends GuardFunctionTransform {
  /** The capability's table. */
  table?: Transform<aws.dynamodb.TableArgs>;
}

/** What every such capability takes from its user. */
export interface TableGuardArgs extends AlertReporting {
  /** The stack's log retention, architecture and dead-letter queue. */
  defaults: FunctionDefaults;
  /** EventBridge schedule expression of the runs. */
  schedule: pulumi.Input<string>;
  transform?: TableGuardTransform;
}

/** What differs between them. */
export interface TableGuardSpec {
  /** Child name suffixes: `<name>-<table>` and `<name>-<function>`. */
  names: { table: string; function: string };
  tableShape: GuardTableShape;
  /** The env var the handler finds its table in. */
  tableEnv: EnvName;
  handler: HandlerName;
  description: string;
  memoryMb?: number;
  timeoutSeconds: number;
  /** The handler's COSTGUARD_SETTINGS. */
  settings: object;
  /** The role's statements over the table and the account (the alert topic's are added). */
  statements: (tableArn: pulumi.Output<string>, scope: AccountScope) => PolicyStatement[];
}

export class TableGuard extends pulumi.ComponentResource {
  public readonly table: aws.dynamodb.Table;
  public readonly tableName: pulumi.Output<string>;
  public readonly function: GuardFunction;
  public readonly functionName: pulumi.Output<string>;

  protected constructor(type: string, name: string, args: TableGuardArgs, spec: TableGuardSpec, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.table = guardTable(`${name}-${spec.names.table}`, spec.tableShape, { parent: this }, args.transform?.table);
    this.tableName = this.table.name;
    this.function = new GuardFunction(
      `${name}-${spec.names.function}`,
      {
        defaults: args.defaults,
        handler: spec.handler,
        description: spec.description,
        memoryMb: spec.memoryMb,
        timeoutSeconds: spec.timeoutSeconds,
        environment: { [spec.tableEnv]: this.table.name, [ENV.alertTopicArn]: args.alertTopicArn, [ENV.settings]: JSON.stringify(spec.settings) },
        statements: [...spec.statements(this.table.arn, accountScope(this)), ...args.publishStatements],
        transform: args.transform,
      },
      { parent: this },
    );
    this.function.onSchedule("schedule", args.schedule);
    this.functionName = this.function.functionName;
    this.registerOutputs({ tableName: this.tableName, functionName: this.functionName });
  }
}
