/**
 * --account and --region of the failsafe's commands (organisation mode): checked here, so a typo
 * is one line before anything is invoked, and sent exactly as `account` and `region`.
 */
import { AWS_REGIONS } from "../../config/stackConfigKeys";
import { editDistance } from "../../runtime/shared/editDistance";
import { ACCOUNT_ID } from "../../runtime/shared/units";

export const UNIT_FLAGS_USAGE = [
  "--account <12-digit id>   status/stop-env/restore/emergency-stop: only this account of the organisation",
  "--region <region>         status/stop-env/restore/emergency-stop: only this region (e.g. eu-west-1)",
];

/** The payload fields of the flags given; throws one line naming a bad value and what is expected. */
export function unitTarget(flags: { account?: string; region?: string }): { account?: string; region?: string } {
  const out: { account?: string; region?: string } = {};
  if (flags.account !== undefined) {
    if (!ACCOUNT_ID.test(flags.account)) throw new Error(`--account must be a 12-digit AWS account id (got ${JSON.stringify(flags.account)})`);
    out.account = flags.account;
  }
  if (flags.region !== undefined) {
    if (!(AWS_REGIONS as readonly string[]).includes(flags.region)) {
      // A mistyped region is usually one or two letters off.
      const near = [...AWS_REGIONS].sort((a, b) => editDistance(flags.region!, a) - editDistance(flags.region!, b))[0];
      throw new Error(`--region ${JSON.stringify(flags.region)} is not an AWS region (did you mean ${near}?)`);
    }
    out.region = flags.region;
  }
  return out;
}
