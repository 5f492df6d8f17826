/**
 * The one definition of "this plain value looks like a secret", shared by the stack config
 * (a service's plain `environment` is refused when it holds one: secrets go by reference) and
 * the policy pack's `no-plain-secrets` rule (Lambda, ECS and awsx container environments).
 * Pure and free of @pulumi imports, so the pack's bundle and tools can import it.
 */

/**
 * Name parts that announce a secret wherever they stand (DB_PASSWORD, GITHUB_TOKEN_VALUE,
 * STRIPE_API_KEY, OAUTH_CLIENT_SECRET, SLACK_WEBHOOK_URL).
 */
const SECRET_PART = /(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|SECRET_?KEY|SESSION_?KEY|SIGNING_?KEY|CREDENTIALS?|WEBHOOK)(_|$)/i;
/**
 * Short or generic parts that announce a secret only as the name's last part: DB_PASS,
 * MYSQL_PWD, ENCRYPTION_KEY, CREDS. (PASS_THROUGH or KEY_PREFIX are not secrets.)
 */
const SECRET_SUFFIX = /(^|_)(PASS|PWD|KEY|CREDS)$/i;
/** `*_KEY` names that are not secrets: data-model and addressing keys. */
const NOT_SECRET_KEY = /(^|_)(PUBLIC|PARTITION|SORT|HASH|RANGE|PRIMARY|CACHE|OBJECT|S3|BUCKET|ROUTING|IDEMPOTENCY|LOOKUP|DEDUP(LICATION)?|GROUP|MESSAGE_GROUP|KMS)_KEY$/i;
/**
 * Names that point at a secret or describe it (DB_PASSWORD_PARAMETER, TOKEN_TTL, API_KEY_ID)
 * rather than hold it. A webhook URL is the exception: the URL is the credential.
 */
const POINTER_SUFFIX =
  /_(URL|URI|ENDPOINT|HOST|PORT|ARN|NAME|PATH|FILE|ID|REGION|TTL|TIMEOUT|LENGTH|HEADER|PARAMETER|PARAM|SSM|EXPIRY|EXPIRES|LIFETIME|SECONDS|MINUTES|HOURS|DAYS|SIZE|COUNT|ENABLED|VERSION|TYPE|ALGORITHM|FORMAT|ISSUER|AUDIENCE|PREFIX|FIELD)$/i;
const WEBHOOK_URL_NAME = /(^|_)WEBHOOK_?URL$/i;

/** Values that are secrets whatever their name. */
const SECRET_VALUES: { what: string; pattern: RegExp }[] = [
  { what: "an AWS access key id", pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { what: "a Slack webhook URL", pattern: /hooks\.slack\.com\/(services|workflows|triggers)\// },
  { what: "a Slack token", pattern: /\bxox[abposre]-[0-9A-Za-z-]{10,}/ },
  { what: "a GitHub token", pattern: /\b(ghp|gho|ghu|ghs|ghr)_[0-9A-Za-z]{20,}|\bgithub_pat_[0-9A-Za-z_]{20,}/ },
  { what: "a Stripe secret key", pattern: /\b(sk|rk)_live_[0-9A-Za-z]{10,}/ },
  // postgres://user:pass@host, redis://:pass@host, https://user:pass@host/...
  { what: "a URL with a password in it", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i },
  { what: "a JSON web token", pattern: /\beyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]+/ },
];

/**
 * A value that only points at a secret is not one: an ARN (SSM, Secrets Manager, KMS), an SSM
 * parameter path or file path, a CloudFormation dynamic reference.
 */
const REFERENCE = /^(arn:aws[a-z-]*:(ssm|secretsmanager|kms):|\/[\w.\-/]+$|\{\{resolve:)/;

/** True when the variable's name says it holds a secret. */
export function isSecretName(name: string): boolean {
  if (WEBHOOK_URL_NAME.test(name)) return true;
  if (POINTER_SUFFIX.test(name)) return false;
  if (SECRET_PART.test(name)) return true;
  return SECRET_SUFFIX.test(name) && !NOT_SECRET_KEY.test(name);
}

/**
 * Why `name=value` looks like a plain secret, or undefined when it does not. The reason names
 * what was recognised and never repeats the value. Non-string and empty values are not secrets.
 */
export function secretLikeReason(name: string, value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  for (const { what, pattern } of SECRET_VALUES) if (pattern.test(value)) return `its value looks like ${what}`;
  if (isSecretName(name) && !REFERENCE.test(value)) return "its name says it holds a secret and its value is not a reference";
  return undefined;
}
