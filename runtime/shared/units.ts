/**
 * Units of work across an organisation: a unit is one (account, region). The failsafe, the waste
 * scanner and the enforcer inventory every unit their scope names; one unit that cannot be read
 * (a member account without the role, a region that refuses) is reported and never stops the
 * others.
 *
 * - Regions: a list, or "all" = every region enabled for the account (EC2 DescribeRegions with
 *   its opt-in status: opted-in and opt-in-not-required; a region not opted into refuses calls).
 * - Accounts: the function's own account, or the organisation's active accounts (Organizations
 *   ListAccounts, from the management or a delegated-administrator account), each read through
 *   the member role with an external id. Credentials come from STS AssumeRole via the SDK's own
 *   provider (fromTemporaryCredentials: cached, refreshed before expiry), one per account and
 *   shared by that account's regions.
 * - Calls use the SDK's adaptive retry mode: throttling slows the client down instead of failing
 *   the unit.
 */
import { DescribeRegionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { OrganizationsClient, paginateListAccounts } from "@aws-sdk/client-organizations";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentityProvider, Pluggable } from "@smithy/types";
import * as z from "./zod";

export interface Unit {
  account: string;
  region: string;
}

/** "123456789012/eu-west-1": the key a unit's results, samples and audit entries carry. */
export const unitKey = (u: Unit): string => `${u.account}/${u.region}`;

/**
 * The regions enabled in every account by default (no opt-in). Which opt-in regions an account
 * has enabled only DescribeRegions knows, at run time.
 */
export const DEFAULT_ENABLED_REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
  "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
  "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
] as const; // prettier-ignore

export const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
export const ACCOUNT_ID = /^\d{12}$/;

export const OrganizationScope = z.object({
  /** Name of the role each member account holds (the MemberAccess StackSet creates it). */
  memberRoleName: z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/)),
  /** Accounts to cover: every active account of the organisation, or a list. */
  accounts: z.union([z.literal("all"), z.array(z.string().check(z.regex(ACCOUNT_ID))).check(z.minLength(1))]),
  excludeAccounts: z.array(z.string().check(z.regex(ACCOUNT_ID))),
  /** The external id the member role's trust policy requires (sts:ExternalId). */
  externalId: z.string().check(z.regex(/^[\w+=,.@:/-]{2,1224}$/)),
});
export type OrganizationScope = z.infer<typeof OrganizationScope>;

/** What a capability covers. Built by its component from stack config, read by its handler. */
export const ScopeSettings = z.object({
  regions: z.union([z.literal("all"), z.array(z.string().check(z.regex(REGION))).check(z.minLength(1))]),
  organization: z.optional(OrganizationScope),
  /** Units read at the same time by one function (bounded: API rate limits are per account and region). */
  concurrency: z.int().check(z.gte(1), z.lte(200)),
});
export type ScopeSettings = z.infer<typeof ScopeSettings>;

/** Today's behaviour: the function's own account and region. */
export const homeScope = (region: string): ScopeSettings => ({ regions: [region], concurrency: 8 });

/** The IAM actions listing units takes (on "*": neither supports resource-level permissions). */
export const LIST_UNITS_ACTIONS = ["ec2:DescribeRegions", "organizations:ListAccounts"] as const;

/** ARN of the member role of `account` (partition from the home region: aws, aws-cn, aws-us-gov). */
export function memberRoleArn(account: string, roleName: string, homeRegion: string): string {
  const partition = homeRegion.startsWith("cn-") ? "aws-cn" : homeRegion.startsWith("us-gov-") ? "aws-us-gov" : "aws";
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}

export interface UnitEnvironment {
  /** The function's own account (read with its own credentials, never through a member role). */
  homeAccount: string;
  homeRegion: string;
  /** A client of the home account and region (DescribeRegions, ListAccounts). */
  ec2: EC2Client;
  organizations?: OrganizationsClient;
  /** Credentials for a member account (default: AssumeRole of the member role with the external id). */
  credentialsFor?: (account: string) => AwsCredentialIdentityProvider | undefined;
}

/** How the STS client behind member credentials is built (tests route it to a fake STS). */
export interface StsOptions {
  /** Credentials of the function itself (default: the SDK's default chain, the function's role). */
  credentials?: AwsCredentialIdentityProvider;
  clientPlugins?: Pluggable<any, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- the SDK's own type for client plugins
}

/** Credentials per account through the member role; undefined for the home account (its own). */
export function memberCredentials(scope: ScopeSettings, env: Pick<UnitEnvironment, "homeAccount" | "homeRegion">, sessionName = "costguard", sts: StsOptions = {}): (account: string) => AwsCredentialIdentityProvider | undefined {
  const cache = new Map<string, AwsCredentialIdentityProvider>();
  return (account) => {
    if (account === env.homeAccount || !scope.organization) return undefined;
    let provider = cache.get(account);
    if (!provider) {
      const org = scope.organization;
      provider = fromTemporaryCredentials({
        params: { RoleArn: memberRoleArn(account, org.memberRoleName, env.homeRegion), RoleSessionName: sessionName, ExternalId: org.externalId, DurationSeconds: 900 },
        clientConfig: { region: env.homeRegion, ...(sts.credentials ? { credentials: sts.credentials } : {}) },
        ...(sts.clientPlugins ? { clientPlugins: sts.clientPlugins } : {}),
      });
      cache.set(account, provider);
    }
    return provider;
  };
}

/** The accounts the scope covers: the home account alone, a list, or the organisation's active accounts. */
export async function listAccounts(scope: ScopeSettings, env: UnitEnvironment): Promise<string[]> {
  const org = scope.organization;
  if (!org) return [env.homeAccount];
  let accounts: string[];
  if (org.accounts === "all") {
    if (!env.organizations) throw new Error('organization.accounts is "all" but no Organizations client was given');
    accounts = [];
    for await (const page of paginateListAccounts({ client: env.organizations }, {})) {
      // State is the current field; Status its deprecated twin, still returned.
      for (const a of page.Accounts ?? []) if ((a.State ?? a.Status) === "ACTIVE" && a.Id) accounts.push(a.Id);
    }
  } else accounts = [...org.accounts];
  const excluded = new Set(org.excludeAccounts);
  return [...new Set(accounts)].filter((a) => !excluded.has(a)).sort();
}

/** The regions enabled for an account: opted in, or not needing opt-in. */
export async function enabledRegions(ec2: EC2Client): Promise<string[]> {
  const out = await ec2.send(new DescribeRegionsCommand({ AllRegions: false, Filters: [{ Name: "opt-in-status", Values: ["opt-in-not-required", "opted-in"] }] }));
  return (out.Regions ?? []).map((r) => r.RegionName!).filter(Boolean).sort();
}

export interface UnitFailure {
  unit: Unit;
  /** What went wrong, in words an operator can act on. */
  error: string;
  code?: string;
}

export interface UnitList {
  units: Unit[];
  /** Accounts whose regions could not be listed (their role missing, say): reported, skipped. */
  failures: UnitFailure[];
}

/**
 * Every unit of the scope. With regions "all", each account's enabled regions are listed through
 * that account's credentials (opt-ins differ per account); a failure there is that account's alone.
 */
export async function listUnits(scope: ScopeSettings, env: UnitEnvironment, ec2For: (unit: Unit) => EC2Client): Promise<UnitList> {
  const accounts = await listAccounts(scope, env);
  const units: Unit[] = [];
  const failures: UnitFailure[] = [];
  if (scope.regions !== "all") {
    for (const account of accounts) for (const region of scope.regions) units.push({ account, region });
    return { units, failures };
  }
  const listed = await mapUnits(
    accounts.map((account) => ({ account, region: env.homeRegion })),
    scope.concurrency,
    (u) => (u.account === env.homeAccount ? enabledRegions(env.ec2) : enabledRegions(ec2For(u))),
  );
  for (const r of listed) {
    if (r.ok) for (const region of r.value) units.push({ account: r.unit.account, region });
    else failures.push(r);
  }
  return { units, failures };
}

export type UnitOutcome<T> = ({ ok: true; value: T } & { unit: Unit }) | ({ ok: false } & UnitFailure);

/** What an error means for an operator: a refused AssumeRole is a missing or mistrusting role. */
export function describeUnitError(unit: Unit, err: unknown): UnitFailure {
  const e = err as { name?: string; Code?: string; message?: string };
  const code = e?.name ?? e?.Code;
  const message = e?.message ?? String(err);
  if (code === "AccessDenied" && /AssumeRole/i.test(message))
    return { unit, code, error: `cannot assume the member role in account ${unit.account}: the role is missing or does not trust this function (deploy the MemberAccess StackSet to the account): ${message}` };
  if (code === "AuthFailure" || code === "UnrecognizedClientException" || code === "InvalidClientTokenId")
    return { unit, code, error: `region ${unit.region} of account ${unit.account} refused the credentials (a region not opted into?): ${message}` };
  return { unit, code, error: `${unitKey(unit)}: ${code ? `${code}: ` : ""}${message}` };
}

/**
 * `fn` over every unit, at most `concurrency` at a time, in input order. A unit's failure is its
 * outcome, never the others': the caller reports failures and acts on what it could read.
 */
export async function mapUnits<T>(units: Unit[], concurrency: number, fn: (unit: Unit) => Promise<T>): Promise<UnitOutcome<T>[]> {
  const out: UnitOutcome<T>[] = new Array(units.length);
  let next = 0;
  const worker = async () => {
    while (next < units.length) {
      const i = next++;
      const unit = units[i]!;
      try {
        out[i] = { ok: true, unit, value: await fn(unit) };
      } catch (err) {
        out[i] = { ok: false, ...describeUnitError(unit, err) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, units.length) }, worker));
  return out;
}

/** Attempts per call: throttling slows the client (adaptive mode) before a unit is given up. */
export const UNIT_MAX_ATTEMPTS = 6;

/** Client options of a unit: its region, its account's credentials, throttling-aware retries. */
export function unitClientConfig(unit: Unit, credentialsFor: (account: string) => AwsCredentialIdentityProvider | undefined) {
  const credentials = credentialsFor(unit.account);
  return { region: unit.region, retryMode: "adaptive" as const, maxAttempts: UNIT_MAX_ATTEMPTS, ...(credentials ? { credentials } : {}) };
}
export type UnitClientConfig = ReturnType<typeof unitClientConfig>;

/** Whether a scope reaches beyond the function's own account and region. */
export const beyondHome = (scope: ScopeSettings | undefined, homeRegion: string): boolean =>
  scope !== undefined && (scope.organization !== undefined || scope.regions === "all" || scope.regions.some((r) => r !== homeRegion));
