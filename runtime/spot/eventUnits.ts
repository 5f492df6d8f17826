/**
 * Whose spot events the events function acts on. In organisation mode, EventBridge rules forward
 * interruption warnings from other regions and from member accounts to the home region's bus, so
 * an event's `account` and `region` need not be the function's own. The instance is read in the
 * unit (account, region) the event names: with the function's own credentials in its own account,
 * through the member role in an account of the scope, and never otherwise: an event from an
 * account outside the scope (or from any other account when no organisation is configured) is
 * refused before any call, so no event can make the function assume a role it was not meant to.
 */
import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import type { Unit } from "../shared/units";
import type { SpotScope } from "./settings";

export interface EventUnitsDeps {
  /** The function's own account (lazily: only events naming an account need it). */
  homeAccount: () => Promise<string>;
  homeRegion: string;
  /** Default: the function's own account and region only. */
  scope?: SpotScope;
  /** The organisation's active accounts, for `accounts: "all"` (the caller caches and refreshes). */
  organizationAccounts?: (account: string) => Promise<string[]>;
}

export type EventUnit = { ok: true; unit: Unit; home: boolean } | { ok: false; reason: string };

/**
 * The unit an event is to be read in, or why it is refused. An event without `account` (a test
 * invocation; EventBridge always sets it) is the function's own account's.
 */
export async function unitOfEvent(event: { account?: string; region: string }, deps: EventUnitsDeps): Promise<EventUnit> {
  const { region } = event;
  const scope = deps.scope;
  const regions = scope?.regions ?? [deps.homeRegion];
  if (region !== deps.homeRegion && regions !== "all" && !regions.includes(region)) {
    return { ok: false, reason: `refused: the event comes from region ${region}, which this stack does not cover (regions: ${regions.join(", ")})` };
  }
  const home = await deps.homeAccount();
  const account = event.account ?? home;
  if (account === home) return { ok: true, unit: { account, region }, home: true };
  const org = scope?.organization;
  if (!org) return { ok: false, reason: `refused: the event comes from account ${account}, not this stack's account ${home}, and no organization is configured: nothing is read there` };
  if (org.excludeAccounts.includes(account)) return { ok: false, reason: `refused: account ${account} is excluded (organization.excludeAccounts)` };
  if (org.accounts !== "all") {
    return org.accounts.includes(account) ? { ok: true, unit: { account, region }, home: false } : { ok: false, reason: `refused: account ${account} is not one of the organization's covered accounts (organization.accounts)` };
  }
  if (!deps.organizationAccounts) return { ok: false, reason: `refused: account ${account} cannot be checked against the organisation (no Organizations access)` };
  const members = await deps.organizationAccounts(account);
  return members.includes(account) ? { ok: true, unit: { account, region }, home: false } : { ok: false, reason: `refused: account ${account} is not an active account of the organisation` };
}

/**
 * The organisation's accounts, read at most once per `maxAgeMs` and once more (at most every
 * `missRefreshMs`) when an account is missing: a new account appears without a cold start.
 */
export function cachedAccounts(list: () => Promise<string[]>, now: () => number, maxAgeMs = 60 * 60_000, missRefreshMs = 5 * 60_000): (account?: string) => Promise<string[]> {
  let cached: { at: number; accounts: string[] } | undefined;
  return async (account) => {
    const t = now();
    const stale = !cached || t - cached.at > maxAgeMs || (account !== undefined && !cached.accounts.includes(account) && t - cached.at > missRefreshMs);
    if (stale) cached = { at: t, accounts: await list() };
    return cached!.accounts;
  };
}

/** The function's own account: from its ARN (every invocation's context has it), else asked of STS once. */
export function ownAccount(sts: () => STSClient, invokedFunctionArn?: string): () => Promise<string> {
  const fromArn = invokedFunctionArn?.split(":")[4];
  let account: Promise<string> | undefined = fromArn && /^\d{12}$/.test(fromArn) ? Promise.resolve(fromArn) : undefined;
  return () =>
    (account ??= (async () => {
      try {
        return (await sts().send(new GetCallerIdentityCommand({}))).Account!;
      } catch (err) {
        account = undefined;
        throw err;
      }
    })());
}
