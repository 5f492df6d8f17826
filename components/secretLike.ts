/**
 * Heuristics for "this plain value looks like a secret". Used by config validation to refuse
 * secrets in a container's plain `environment` (SPEC S9: secrets only by reference). Pure and
 * free of @pulumi imports, so the policy pack or tools may reuse it.
 */

/** Variable names that announce a secret (PASSWORD, DB_TOKEN, STRIPE_API_KEY, ...). */
const SECRET_NAME = /(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|SESSION_KEY|SIGNING_KEY|WEBHOOK)(_|$)/i;

/** Names that point at something (FOO_TOKEN_URL, DB_PASSWORD_FILE) rather than hold it. */
const POINTER_NAME = /_(URL|URI|ENDPOINT|HOST|PORT|ARN|NAME|PATH|FILE|ID|REGION|TTL|TIMEOUT|LENGTH|HEADER)$/i;

/** Values that are secrets whatever their name. */
const SECRET_VALUES: { what: string; pattern: RegExp }[] = [
  { what: "an AWS access key id", pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { what: "a Slack token or webhook", pattern: /\bxox[abposr]-[0-9A-Za-z-]+|hooks\.slack\.com\/services\// },
  { what: "a GitHub token", pattern: /\b(ghp|gho|ghu|ghs|ghr|github_pat)_[0-9A-Za-z_]{20,}/ },
  { what: "a URL with a password in it", pattern: /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i },
  { what: "a JSON web token", pattern: /\beyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]+/ },
];

/** A value that only points at a secret (an ARN or an SSM parameter path) is not one itself. */
const REFERENCE = /^(arn:aws[a-z-]*:(ssm|secretsmanager|kms):|\/[\w.\-/]+$)/;

/**
 * Why `name=value` looks like a secret, or undefined when it does not. The reason names what
 * was recognised and never repeats the value.
 */
export function secretLikeReason(name: string, value: string): string | undefined {
  for (const { what, pattern } of SECRET_VALUES) if (pattern.test(value)) return `its value looks like ${what}`;
  if (value !== "" && SECRET_NAME.test(name) && !POINTER_NAME.test(name) && !REFERENCE.test(value)) return `its name says it holds a secret`;
  return undefined;
}
