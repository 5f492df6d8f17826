/**
 * Stack config → typed, validated GuardConfig.
 *
 * `parseGuardConfig` is pure (raw key/value map in, config or every problem out) so tests and
 * tools can call it without a Pulumi engine; `readGuardConfig` reads the running stack's
 * config and throws one ConfigError listing every problem, before any resource is declared,
 * so nothing is half-deployed.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { UNTAGGED } from "../runtime/contract";
import type { AnomalyMonitorChoice } from "../components/budgets";
import { DEFAULT_ENVIRONMENTS, EnvironmentSettings, GuardConfigSchema, type GuardConfigParsed } from "./schema";
import { databaseIdentifier, databaseVariables, MAX_IDENTIFIER_LENGTH } from "../components/databaseNames";
import { CONFIG_NAMESPACE, decode, describeIssue } from "./problems";
import { checkStackConfigKeys } from "./stackConfigKeys";

export { CONFIG_NAMESPACE } from "./problems";
/** Keys that hold secrets: read with getSecret, never parsed into plain values. */
export const SECRET_KEYS = ["slackWebhookUrl"] as const;

export interface GuardConfig extends Omit<GuardConfigParsed, "environments" | "environment" | "createAnomalyMonitor" | "anomalyMonitorArn"> {
  /** Stack name (dev, prod, ...). */
  stack: string;
  /** Environment tag of costguard's own resources. */
  environment: string;
  /** True when this stack guards production: stricter defaults and checks apply. */
  isProduction: boolean;
  /** Every environment's settings, defaults merged with the stack's overrides. */
  environments: Record<string, EnvironmentSettings>;
  /** The Slack webhook URL as a Pulumi secret, when configured. */
  slackWebhookUrl?: pulumi.Output<string>;
  /** Anomaly alerts: create the account's monitor, subscribe to an existing one, or none. */
  anomalyMonitor: AnomalyMonitorChoice;
}

/**
 * Every problem of the stack config. A RunError, so that `pulumi preview` prints the message
 * without the program's source and stack trace.
 */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: string[]) {
    super(`costguard stack config is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export type ParseResult = { ok: true; config: GuardConfig; warnings: string[] } | { ok: false; problems: string[] };

/** Why a Slack webhook URL has the wrong shape (never repeating it: it is a secret), or undefined. */
export function webhookUrlProblem(value: string, allowedHosts: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an https:// incoming-webhook URL such as https://hooks.slack.com/services/T…/B…/… (got text that is not a valid URL; it is not shown because it is secret)";
  }
  const host = url.hostname;
  if (url.protocol !== "https:") return `must be an https:// URL (got a ${url.protocol.replace(/:$/, "")}:// URL; the rest is not shown because it is secret)`;
  if (url.username || url.password) return `must not carry a user name or password (got a URL for ${host}; the rest is not shown because it is secret)`;
  if (!allowedHosts.includes(host)) {
    return `must point at one of ${allowedHosts.join(", ")} (got a URL for ${host || "no host"}; the rest is not shown because it is secret): add the host to ${CONFIG_NAMESPACE}:slackWebhookHosts if it is a relay you trust`;
  }
  if (host === "hooks.slack.com" && (url.port !== "" || !/^\/(services|workflows|triggers)\/[^/]+\/.+/.test(url.pathname))) {
    return "must be a Slack incoming-webhook URL: https://hooks.slack.com/services/T…/B…/… with no port (got another URL on hooks.slack.com; it is not shown because it is secret)";
  }
  return undefined;
}

/**
 * Validates raw stack config (keys without the namespace, values as Pulumi stores them:
 * strings, JSON for structured values). Returns every problem, each naming key, value and
 * what is expected.
 */
export function parseGuardConfig(
  rawValues: Record<string, string>,
  stack: string,
  opts: { secretKeys?: string[]; slackWebhookUrl?: pulumi.Output<string> } = {},
): ParseResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rawValues)) {
    if ((SECRET_KEYS as readonly string[]).includes(k)) {
      if (!opts.secretKeys?.includes(k)) {
        problems.push(`${CONFIG_NAMESPACE}:${k} must be stored as a secret: run \`pulumi config set --secret ${CONFIG_NAMESPACE}:${k} <value>\``);
      }
      continue; // its shape is checked below, against the configured hosts
    }
    // A string-typed key whose text happens to parse as JSON ("123", "true") stays a string.
    const decoded = decode(v);
    const field = (GuardConfigSchema.shape as Record<string, z.ZodType | undefined>)[k];
    raw[k] = field && typeof decoded !== "string" && !field.safeParse(decoded).success && field.safeParse(v).success ? v : decoded;
  }

  const parsed = GuardConfigSchema.safeParse(raw);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => describeIssue(i, raw)));

  // Merge each environment's overrides over the defaults (a new one must give every field).
  // Done even when other keys are wrong, so one run reports every problem.
  const environments: Record<string, EnvironmentSettings> = { ...DEFAULT_ENVIRONMENTS };
  const overrides = raw.environments && typeof raw.environments === "object" ? (raw.environments as Record<string, unknown>) : {};
  for (const [name, override] of Object.entries(overrides)) {
    if (!override || typeof override !== "object") continue; // already reported by the schema
    const merged = EnvironmentSettings.safeParse({ ...DEFAULT_ENVIRONMENTS[name], ...override });
    if (merged.success) environments[name] = merged.data;
    else problems.push(...merged.error.issues.map((i) => describeIssue({ ...i, path: ["environments", name, ...i.path] }, raw)));
  }
  if (!parsed.success) return { ok: false, problems };

  const c = parsed.data;
  const environment = c.environment ?? stack;
  const isProduction = environment === "prod" || environment === "production";

  // Cross-field rules the schema alone cannot say.
  const webhook = rawValues.slackWebhookUrl;
  const webhookProblem = webhook !== undefined && opts.secretKeys?.includes("slackWebhookUrl") ? webhookUrlProblem(webhook, c.slackWebhookHosts) : undefined;
  if (webhookProblem) problems.push(`${CONFIG_NAMESPACE}:slackWebhookUrl ${webhookProblem}`);
  // Production reaches instances through SSM Session Manager only: the prod policy pack
  // (ssm-instead-of-ssh-in-prod) refuses any port-22 ingress, so config says the same.
  if (isProduction && c.sshAllowedCidr !== undefined) {
    problems.push(
      `${CONFIG_NAMESPACE}:sshAllowedCidr must not be set in production (got "${c.sshAllowedCidr}"): production has no SSH at all (the policy pack's ssm-instead-of-ssh-in-prod refuses port 22): use SSM Session Manager (aws ssm start-session) instead`,
    );
  }
  if (isProduction && c.enforcer.enabled && c.enforcer.mode === "terminate" && c.enforcer.graceHours < 1) {
    problems.push(
      `${CONFIG_NAMESPACE}:enforcer.graceHours must be at least 1 with mode "terminate" in production (got ${c.enforcer.graceHours}): an instance would be terminated the first time it is seen, before anyone can tag or explain it`,
    );
  }
  for (const name of c.spot.poisoningEnvironments) {
    if (!environments[name]) problems.push(`${CONFIG_NAMESPACE}:spot.poisoningEnvironments names "${name}", which is not a configured environment (known: ${Object.keys(environments).join(", ")})`);
  }
  const serviceNames = c.services.map((s) => s.name);
  const dup = serviceNames.find((n, i) => serviceNames.indexOf(n) !== i);
  if (dup) problems.push(`${CONFIG_NAMESPACE}:services has two services named "${dup}": names must be unique`);
  c.services.forEach((svc, i) => {
    if (isProduction && svc.scaleToZero.enabled) {
      problems.push(`${CONFIG_NAMESPACE}:services.${i}.scaleToZero.enabled must not be true in prod (service "${svc.name}"): scale-to-zero outside working hours is for non-production stacks`);
    }
  });
  problems.push(...databaseProblems(c, stack, isProduction));
  problems.push(...scopeProblems(c, environments));

  // Budgets: 4 notifications per budget (AWS allows 10), at most 10 e-mail subscribers (schema),
  // each address once (Budgets rejects duplicate subscribers); per-environment budgets filter on
  // a configured Environment tag value, or "untagged".
  const emails = c.alertEmails.map((e) => e.toLowerCase());
  const dupEmail = emails.find((e, i) => emails.indexOf(e) !== i);
  if (dupEmail) problems.push(`${CONFIG_NAMESPACE}:alertEmails lists "${dupEmail}" twice: AWS Budgets refuses duplicate subscribers`);
  for (const name of Object.keys(c.environmentBudgetsUsd)) {
    if (!environments[name] && name !== UNTAGGED) {
      problems.push(`${CONFIG_NAMESPACE}:environmentBudgetsUsd names "${name}", which is not a configured environment (known: ${[...Object.keys(environments), UNTAGGED].join(", ")})`);
    }
  }
  if (c.createAnomalyMonitor === true && c.anomalyMonitorArn) {
    problems.push(
      `${CONFIG_NAMESPACE}:createAnomalyMonitor is true and ${CONFIG_NAMESPACE}:anomalyMonitorArn is set: choose one (AWS allows one AWS-services anomaly monitor per account; subscribe to the existing one, or create it)`,
    );
  }
  if (problems.length) return { ok: false, problems };

  const { createAnomalyMonitor, anomalyMonitorArn, ...rest } = c;
  const anomalyMonitor: AnomalyMonitorChoice = anomalyMonitorArn ? { arn: anomalyMonitorArn } : createAnomalyMonitor === false ? "none" : "create";
  return {
    ok: true,
    config: { ...rest, stack, environment, isProduction, environments, slackWebhookUrl: opts.slackWebhookUrl, anomalyMonitor },
    warnings,
  };
}

/** Listed twice (the first such entry), compared as written. */
const twice = (xs: readonly string[]) => xs.find((x, i) => xs.indexOf(x) !== i);

/**
 * Regions and organisation mode: no entry twice, no account both covered and excluded, every
 * environment's expected regions covered, and the failsafe there to run the organisation sweep.
 */
function scopeProblems(c: GuardConfigParsed, environments: Record<string, EnvironmentSettings>): string[] {
  const ns = CONFIG_NAMESPACE;
  const problems: string[] = [];
  const regions = c.regions;
  if (Array.isArray(regions)) {
    const dup = twice(regions);
    if (dup) problems.push(`${ns}:regions lists "${dup}" twice`);
    for (const [name, env] of Object.entries(environments)) {
      for (const region of env.expectedRegions ?? []) {
        if (!regions.includes(region)) {
          problems.push(`${ns}:environments.${name}.expectedRegions names "${region}", which ${ns}:regions does not cover (covered: ${regions.join(", ")}): add it to ${ns}:regions or remove it`);
        }
      }
    }
  }
  const org = c.organization;
  if (!org) return problems;
  if (!c.failsafe.enabled) {
    problems.push(`${ns}:organization needs the failsafe (${ns}:failsafe.enabled is false): the organisation sweep runs through the failsafe function; enable it or remove ${ns}:organization`);
  }
  const accounts = org.accounts === "all" ? [] : org.accounts;
  const dupAccount = twice(accounts);
  if (dupAccount) problems.push(`${ns}:organization.accounts lists "${dupAccount}" twice`);
  const dupExcluded = twice(org.excludeAccounts);
  if (dupExcluded) problems.push(`${ns}:organization.excludeAccounts lists "${dupExcluded}" twice`);
  const both = org.excludeAccounts.find((a) => accounts.includes(a));
  if (both) problems.push(`${ns}:organization.excludeAccounts names "${both}", which ${ns}:organization.accounts lists: keep it in one of them`);
  const dupTarget = twice(org.deploymentTargets);
  if (dupTarget) problems.push(`${ns}:organization.deploymentTargets lists "${dupTarget}" twice`);
  return problems;
}

/**
 * Databases and the services that use them: unique names, every name a service gives declared,
 * both in one VPC, no variable set twice, identifiers RDS accepts, no schedule in production.
 */
function databaseProblems(c: GuardConfigParsed, stack: string, isProduction: boolean): string[] {
  const ns = CONFIG_NAMESPACE;
  const problems: string[] = [];
  const names = c.databases.map((d) => d.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) problems.push(`${ns}:databases has two databases named "${dup}": names must be unique`);
  c.databases.forEach((d, i) => {
    const id = databaseIdentifier(stack, d.name);
    if (id.length > MAX_IDENTIFIER_LENGTH) problems.push(`${ns}:databases.${i}.name gives the RDS identifier "${id}" (${id.length} characters): RDS allows ${MAX_IDENTIFIER_LENGTH}, use a shorter name`);
    if (isProduction && d.scaleToZero.enabled) {
      problems.push(`${ns}:databases.${i}.scaleToZero.enabled must not be true in prod (database "${d.name}"): stopping outside working hours is for non-production stacks`);
    }
  });
  const network = (vpc: { vpcId: string } | undefined) => vpc?.vpcId ?? "costguard's service network";
  c.services.forEach((svc, i) => {
    const used = svc.databases;
    used.forEach((name, j) => {
      if (used.indexOf(name) !== j) return problems.push(`${ns}:services.${i}.databases names "${name}" twice`);
      const db = c.databases.find((d) => d.name === name);
      if (!db) return problems.push(`${ns}:services.${i}.databases names "${name}", which is not a database of ${ns}:databases (service "${svc.name}"; known: ${names.join(", ") || "none"})`);
      if (network(db.vpc) !== network(svc.vpc)) {
        problems.push(`${ns}:services.${i}.databases names "${name}", which runs in ${network(db.vpc)} while service "${svc.name}" runs in ${network(svc.vpc)}: a database is reachable from its own VPC only`);
      }
    });
    for (const v of databaseVariables([...new Set(used)])) {
      for (const variable of [v.host, v.port, v.name, v.sslMode, v.user, v.password]) {
        const where = variable in svc.environment ? "environment" : variable in svc.secrets ? "secrets" : undefined;
        if (where) problems.push(`${ns}:services.${i}.${where}.${variable} is also set by database "${v.database}": give it in one place only`);
      }
    }
  });
  return problems;
}

/**
 * Validates a whole stack config (`ns:key` → value, every namespace): the keys themselves
 * (namespace typos, unknown `aws:` keys, `aws:region`) and the `costguard:` values. Problems of
 * both kinds are reported together.
 */
export function validateStackConfig(
  all: Record<string, string>,
  stack: string,
  opts: { secretKeys?: string[]; slackWebhookUrl?: pulumi.Output<string>; envRegion?: string } = {},
): ParseResult {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const rawValues: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (k.startsWith(prefix)) rawValues[k.slice(prefix.length)] = v;
  const keys = checkStackConfigKeys(all, { project: CONFIG_NAMESPACE, projectKeys: [...Object.keys(GuardConfigSchema.shape), ...SECRET_KEYS], envRegion: opts.envRegion });
  const result = parseGuardConfig(rawValues, stack, { ...opts, secretKeys: opts.secretKeys?.map((k) => (k.startsWith(prefix) ? k.slice(prefix.length) : k)) });
  if (!result.ok || keys.problems.length) return { ok: false, problems: [...keys.problems, ...(result.ok ? [] : result.problems)] };
  return { ...result, warnings: [...keys.warnings, ...result.warnings] };
}

/** Reads and validates the running stack's config; throws ConfigError listing every problem. */
export function readGuardConfig(): GuardConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const all = pulumi.runtime.allConfig();

  // isConfigSecret is exported by the SDK's runtime/config module but not typed.
  const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(k: string): boolean };
  const secretKeys = SECRET_KEYS.filter((k) => isConfigSecret(prefix + k));
  const cfg = new pulumi.Config(CONFIG_NAMESPACE);
  const slackWebhookUrl = all[`${prefix}slackWebhookUrl`] !== undefined ? cfg.requireSecret("slackWebhookUrl") : undefined;

  // The AWS provider also takes its region from the environment.
  const envRegion = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined;
  const result = validateStackConfig(all, pulumi.getStack(), { secretKeys, slackWebhookUrl, envRegion });
  if (!result.ok) throw new ConfigError(result.problems);
  for (const w of result.warnings) void pulumi.log.warn(w);
  return result.config;
}
