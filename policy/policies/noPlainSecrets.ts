/**
 * No secret-looking plain values in Lambda or container environments: secrets
 * go to SSM Parameter Store (SecureString) or Secrets Manager and are read at run time; the
 * environment carries only the parameter's name or ARN.
 */
import { UnknownValueError, type ResourceValidationPolicy } from "@pulumi/policy";
import { isSecretName, secretLikeReason } from "../../config/secretLike";
import { asArray, asObject, parseJsonMaybe, type Props } from "./common";

/** Why a name/value pair looks like a plain secret, or undefined: one definition with the stack config's. */
export const secretReason = secretLikeReason;

/**
 * [where, name, value reader] of every environment entry a resource declares. Values are read
 * one at a time (at preview, reading an unknown value throws), so that one value computed by
 * another resource does not stop the rule from checking the values written in the program.
 */
function environmentEntries(type: string, p: Props): [string, string, () => unknown][] {
  const containerEnv = (containers: unknown[], prefix: string): [string, string, () => unknown][] =>
    containers.flatMap((c) => {
      const container = asObject(c);
      return asArray(container.environment).map((e): [string, string, () => unknown] => [`${prefix} container "${String(container.name ?? "?")}"`, String(asObject(e).name), () => asObject(e).value]);
    });
  switch (type) {
    case "aws:lambda/function:Function": {
      const variables = asObject(asObject(p.environment).variables);
      return Object.keys(variables).map((k): [string, string, () => unknown] => ["environment", k, () => variables[k]]);
    }
    case "aws:ecs/taskDefinition:TaskDefinition":
      return containerEnv(asArray(parseJsonMaybe(p.containerDefinitions)), "task definition");
    case "awsx:ecs:FargateService":
    case "awsx:ecs:EC2Service":
    case "awsx:ecs:FargateTaskDefinition":
    case "awsx:ecs:EC2TaskDefinition": {
      const tda = type.endsWith("TaskDefinition") ? p : asObject(p.taskDefinitionArgs);
      const containers = [tda.container, ...Object.entries(asObject(tda.containers)).map(([name, c]) => ({ name, ...asObject(c) }))].filter(Boolean);
      return containerEnv(containers, "task");
    }
    default:
      return [];
  }
}

export const noPlainSecrets: ResourceValidationPolicy = {
  name: "no-plain-secrets",
  description: "Lambda and container environments hold no secret-looking plain values: keep secrets in SSM SecureString or Secrets Manager and pass their name.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    for (const [where, name, read] of environmentEntries(args.type, args.props)) {
      let value: unknown;
      try {
        value = read();
      } catch (err) {
        // Unknown at preview: a value another resource computes at deploy time, not one written
        // in the program. Under an ordinary name it says nothing; under a secret-looking name the
        // rule cannot tell, and says so (the engine reports "can't run during preview").
        if (err instanceof UnknownValueError && !isSecretName(name)) continue;
        throw err;
      }
      const reason = secretReason(name, value);
      if (reason) {
        report(`${args.type} "${args.name}" ${where} sets ${name} in plain text (${reason}): store it in SSM Parameter Store as a SecureString (free) or Secrets Manager, pass the parameter name (e.g. ${name}_PARAMETER), and read it at run time.`);
      }
    }
  },
};
