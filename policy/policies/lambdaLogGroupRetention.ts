/**
 * A Lambda function whose log group is not declared in the stack gets `/aws/lambda/<name>`
 * created by Lambda on first run, with no retention: logs kept (and billed) forever. This is the
 * stack-level half of "log groups need a retention".
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { asObject } from "./common";

export const lambdaLogGroupRetention: StackValidationPolicy = {
  name: "lambda-log-group-retention",
  description: "Every Lambda function logs to a log group declared in the stack (with its retention), not to one Lambda creates that never expires.",
  enforcementLevel: "advisory",
  validateStack: (args, report) => {
    const logGroups = new Set(args.resources.filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup").flatMap((r) => [r.props.name, r.props.id].filter((v) => typeof v === "string")));
    for (const fn of args.resources.filter((r) => r.type === "aws:lambda/function:Function")) {
      const explicit = asObject(fn.props.loggingConfig).logGroup;
      const name = typeof fn.props.name === "string" ? fn.props.name : undefined;
      const covered = typeof explicit === "string" ? logGroups.has(explicit) : name !== undefined && logGroups.has(`/aws/lambda/${name}`);
      if (!covered) {
        report(`Lambda function "${fn.name}" logs to a log group the stack does not declare, which Lambda creates with no retention: declare an aws.cloudwatch.LogGroup with retentionInDays and point loggingConfig.logGroup at it.`, fn.urn);
      }
    }
  },
};
