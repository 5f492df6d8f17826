/**
 * IAM least privilege: no `*` actions (or whole-service `svc:*`), no `NotAction`
 * allows, no mutating action on `*` resources without a condition, no admin managed policies.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asObject, parseJsonMaybe, stringList, withDefaults, type Props } from "./common";

export interface IamLeastPrivilegeConfig {
  forbiddenManagedPolicies: string[];
}
export const IAM_DEFAULTS: IamLeastPrivilegeConfig = {
  forbiddenManagedPolicies: ["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/PowerUserAccess", "arn:aws:iam::aws:policy/IAMFullAccess"],
};

const READ_ONLY = /^(Describe|Get|List|BatchGet|Query|Scan|Search|Lookup|View|Head|Select|Check|Estimate|Preview|Validate)/;

function isReadOnly(action: string): boolean {
  const verb = action.split(":")[1] ?? "";
  return READ_ONLY.test(verb);
}

/** Problems of one policy document. */
export function documentProblems(doc: unknown): string[] {
  const problems: string[] = [];
  asArray(asObject(doc).Statement).forEach((s, i) => {
    const st = asObject(s);
    if ((st.Effect ?? "Allow") !== "Allow") return;
    const label = `statement ${typeof st.Sid === "string" ? `"${st.Sid}"` : i}`;
    if (st.NotAction !== undefined) problems.push(`${label} allows NotAction (everything but a list): list the actions it needs`);
    const actions = asArray(st.Action).map(String);
    const wild = actions.filter((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a));
    if (wild.length) problems.push(`${label} allows ${wild.join(", ")}: list the actions it needs`);
    const resources = asArray(st.Resource).map(String);
    const mutating = actions.filter((a) => !wild.includes(a) && !isReadOnly(a));
    if (resources.includes("*") && mutating.length && st.Condition === undefined) {
      problems.push(`${label} allows ${mutating.join(", ")} on every resource ("*") without a condition: name the resources or add a Condition (e.g. on aws:ResourceTag/Environment)`);
    }
  });
  return problems;
}

function documentsOf(type: string, p: Props): [string, unknown][] {
  switch (type) {
    case "aws:iam/policy:Policy":
    case "aws:iam/rolePolicy:RolePolicy":
    case "aws:iam/userPolicy:UserPolicy":
    case "aws:iam/groupPolicy:GroupPolicy":
      return [["policy", parseJsonMaybe(p.policy)]];
    case "aws:iam/role:Role":
      return asArray(p.inlinePolicies).map((ip) => [`inline policy "${String(asObject(ip).name ?? "?")}"`, parseJsonMaybe(asObject(ip).policy)]);
    default:
      return [];
  }
}

function attachedPolicies(type: string, p: Props): string[] {
  if (/^aws:iam\/(rolePolicyAttachment|userPolicyAttachment|groupPolicyAttachment|policyAttachment):/.test(type)) return [String(p.policyArn)];
  if (type === "aws:iam/role:Role" || type === "aws:iam/user:User") return asArray(p.managedPolicyArns).map(String);
  return [];
}

export const iamLeastPrivilege: ResourceValidationPolicy = {
  name: "iam-least-privilege",
  description: "IAM policies allow no `*` or `service:*` actions, no NotAction, no mutating action on `*` resources without a condition, and attach no admin managed policies.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { forbiddenManagedPolicies: stringList("Managed policy ARNs that may not be attached", IAM_DEFAULTS.forbiddenManagedPolicies) } },
  validateResource: (args, report) => {
    for (const [where, doc] of documentsOf(args.type, args.props)) {
      for (const problem of documentProblems(doc)) report(`${args.type} "${args.name}" ${where}: ${problem}.`);
    }
    const cfg = withDefaults(IAM_DEFAULTS, args.getConfig<Partial<IamLeastPrivilegeConfig>>());
    for (const arn of attachedPolicies(args.type, args.props)) {
      if (cfg.forbiddenManagedPolicies.includes(arn)) report(`${args.type} "${args.name}" attaches ${arn}: write a policy with only the actions it needs.`);
    }
  },
};
