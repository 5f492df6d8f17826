/**
 * How a component reaches the units (account × region) of its scope, in one place for the
 * failsafe, the waste scanner, the enforcer and the spot events: the handler's ScopeSettings from
 * the stack's `regions` and `organization`, and the IAM that reaching them takes and no more.
 */
import * as pulumi from "@pulumi/pulumi";
import { LIST_UNITS_ACTIONS, ScopeSettings } from "../runtime/shared/units";
import type { PolicyStatement } from "./iam";

/** What a component takes of the stack config's `regions` and `organization`. */
export interface ScopeArgs {
  /** Regions to cover: "all" (every region enabled in each account) or a list; absent: the stack's region. */
  regions?: "all" | string[];
  /** Organisation mode: the accounts to cover, each read through its member role. */
  organization?: {
    memberRoleName: string;
    accounts: "all" | string[];
    excludeAccounts: string[];
    externalId: string;
    /** Limits sts:AssumeRole to roles of the organisation (aws:ResourceOrgID) where the accounts are not listed. */
    organizationId?: string;
    /** Units read at the same time. */
    concurrency?: number;
  };
}

/**
 * The handler's scope; undefined without regions or an organisation (its own account and region:
 * settings and plan as before). `maxConcurrency` bounds the units one function reads at once
 * (its memory, and API rates are per account and region); `orgConcurrency` is the default with
 * an organisation, 8 without. Throws, naming `what`, where the handler would refuse it.
 */
export function componentScope(args: ScopeArgs, homeRegion: string, opts: { maxConcurrency: number; orgConcurrency: number }, what: string): ScopeSettings | undefined {
  if (!args.regions && !args.organization) return undefined;
  const org = args.organization;
  const scope = {
    regions: args.regions ?? [homeRegion],
    ...(org && { organization: { memberRoleName: org.memberRoleName, accounts: org.accounts, excludeAccounts: org.excludeAccounts, externalId: org.externalId } }),
    concurrency: Math.min(org ? (org.concurrency ?? opts.orgConcurrency) : 8, opts.maxConcurrency),
  };
  const parsed = ScopeSettings.safeParse(scope);
  if (!parsed.success)
    throw new Error(`${what}: costguard:regions / costguard:organization cannot be used (${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}); set costguard:regions to "all" or a list of regions such as ["us-east-1"]`);
  return parsed.data;
}

/** An IAM policy holds 10,240 characters: past this many listed accounts, the role name within the organisation. */
const MAX_LISTED_ROLES = 50;

/**
 * What reaching the scope takes: sts:AssumeRole on the member role only (the listed accounts'
 * ARNs; for "all" or a long list, the role name in the organisation's accounts, with an explicit
 * Deny on excluded accounts), organizations:ListAccounts only for "all" accounts,
 * ec2:DescribeRegions only for "all" regions and only where the function lists them (neither
 * listing call supports resource-level permissions).
 */
export function unitAccessStatements(
  scope: Partial<Pick<ScopeSettings, "regions" | "organization">> | undefined,
  o: { partition: pulumi.Input<string>; organizationId?: string; listsRegions?: boolean; assumeSid?: string },
): PolicyStatement[] {
  if (!scope) return [];
  const [describeRegions, listAccounts] = LIST_UNITS_ACTIONS;
  const out: PolicyStatement[] = [];
  if (scope.regions === "all" && o.listsRegions !== false) out.push({ Sid: "ListEnabledRegions", Effect: "Allow", Action: describeRegions, Resource: "*" });
  const org = scope.organization;
  if (!org) return out;
  if (org.accounts === "all") out.push({ Sid: "ListOrganizationAccounts", Effect: "Allow", Action: listAccounts, Resource: "*" });
  const role = (account: string) => pulumi.interpolate`arn:${o.partition}:iam::${account}:role/${org.memberRoleName}`;
  const sid = o.assumeSid ?? "AssumeMemberRoles";
  const listed = org.accounts === "all" ? undefined : org.accounts.filter((a) => !org.excludeAccounts.includes(a));
  if (listed && listed.length <= MAX_LISTED_ROLES) {
    if (listed.length) out.push({ Sid: sid, Effect: "Allow", Action: "sts:AssumeRole", Resource: listed.map(role) });
    return out;
  }
  out.push({ Sid: sid, Effect: "Allow", Action: "sts:AssumeRole", Resource: role("*"), ...(o.organizationId ? { Condition: { StringEquals: { "aws:ResourceOrgID": o.organizationId } } } : {}) });
  if (org.excludeAccounts.length) out.push({ Sid: "NeverAssumeExcludedAccounts", Effect: "Deny", Action: "sts:AssumeRole", Resource: org.excludeAccounts.map(role) });
  return out;
}
