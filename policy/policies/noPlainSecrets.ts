/**
 * No secret-looking plain values in Lambda or container environments (SPEC S1, S10): secrets
 * go to SSM Parameter Store (SecureString) or Secrets Manager and are read at run time; the
 * environment carries only the parameter's name or ARN.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asObject, parseJsonMaybe, type Props } from "./common";

const SECRET_NAME = /(^|_)(PASSWORD|PASSWD|SECRET|SECRET_KEY|CLIENT_SECRET|TOKEN|AUTH_TOKEN|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?|WEBHOOK(_URL)?|SIGNING_KEY)$/i;
/** Names that hold a reference to a secret, not the secret. */
const REFERENCE_NAME = /_(ARN|NAME|PARAMETER|PARAM|PATH|ID|SSM|SECRET_ID|KEY_ID)$/i;
/** Values that are references: ARNs, parameter paths, dynamic references. */
const REFERENCE_VALUE = /^(arn:aws[a-z-]*:(ssm|secretsmanager|kms):|\/|\{\{resolve:)/;
const SECRET_VALUES: [RegExp, string][] = [
  [/AKIA[0-9A-Z]{16}/, "an AWS access key id"],
  [/hooks\.slack\.com\/services\//, "a Slack webhook URL"],
  [/xox[abprs]-[0-9A-Za-z-]{10,}/, "a Slack token"],
  [/gh[pousr]_[A-Za-z0-9]{30,}|github_pat_/, "a GitHub token"],
  [/sk_live_[0-9A-Za-z]{10,}/, "a Stripe secret key"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
  [/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, "a URL with a password"],
];

/** Why a name/value pair looks like a plain secret, or undefined. */
export function secretReason(name: string, value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  for (const [re, what] of SECRET_VALUES) if (re.test(value)) return `its value looks like ${what}`;
  if (SECRET_NAME.test(name) && !REFERENCE_NAME.test(name) && !REFERENCE_VALUE.test(value)) return "its name says it is a secret and its value is not a reference";
  return undefined;
}

/** [where, name, value] of every environment entry a resource declares. */
function environmentEntries(type: string, p: Props): [string, string, unknown][] {
  const containerEnv = (containers: unknown[], prefix: string): [string, string, unknown][] =>
    containers.flatMap((c) => {
      const container = asObject(c);
      return asArray(container.environment).map((e): [string, string, unknown] => [`${prefix} container "${String(container.name ?? "?")}"`, String(asObject(e).name), asObject(e).value]);
    });
  switch (type) {
    case "aws:lambda/function:Function":
      return Object.entries(asObject(asObject(p.environment).variables)).map(([k, v]): [string, string, unknown] => ["environment", k, v]);
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
    for (const [where, name, value] of environmentEntries(args.type, args.props)) {
      const reason = secretReason(name, value);
      if (reason) {
        report(`${args.type} "${args.name}" ${where} sets ${name} in plain text (${reason}): store it in SSM Parameter Store as a SecureString (free) or Secrets Manager, pass the parameter name (e.g. ${name}_PARAMETER), and read it at run time.`);
      }
    }
  },
};
