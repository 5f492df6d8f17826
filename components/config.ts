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
import type { AnomalyMonitorChoice } from "./budgets";
import { DEFAULT_ENVIRONMENTS, EnvironmentSettings, GuardConfigSchema, type GuardConfigParsed } from "./configSchema";

export const CONFIG_NAMESPACE = "costguard";
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

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`costguard stack config is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Pulumi config values arrive as strings; objects, arrays, numbers and booleans as JSON text. */
function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const key = `${CONFIG_NAMESPACE}:${issue.path.map(String).join(".")}`;
  const got = valueAt(raw, issue.path);
  // A service's environment and secrets may hold a secret by mistake: never echo them.
  const hidden = issue.path[0] === "services" && (issue.path[2] === "environment" || issue.path[2] === "secrets") && issue.path.length > 3;
  const gotText = hidden ? "a value not shown here in case it is secret" : got === undefined ? "nothing" : JSON.stringify(got);
  switch (issue.code) {
    case "unrecognized_keys": {
      const where = issue.path.length ? key : `the ${CONFIG_NAMESPACE} namespace`;
      return `${where} has unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}: check the spelling against the README's config table`;
    }
    case "invalid_type":
      return `${key} must be ${article(issue.expected)} (got ${gotText})`;
    case "invalid_value":
      return `${key} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")} (got ${gotText})`;
    case "too_small":
    case "too_big": {
      // Keep messages written in the schema; replace zod's generic "Too small: …" wording.
      if (!/^Too (small|big)/.test(issue.message)) return `${key} ${issue.message} (got ${gotText})`;
      const small = issue.code === "too_small";
      const bound = small ? issue.minimum : issue.maximum;
      const word = small ? (issue.inclusive ? "at least" : "more than") : issue.inclusive ? "at most" : "less than";
      const unit = issue.origin === "array" ? " entries" : issue.origin === "string" ? " characters" : "";
      return `${key} must be ${word} ${String(bound)}${unit} (got ${gotText})`;
    }
    default:
      return `${key} ${issue.message} (got ${gotText})`;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

export type ParseResult = { ok: true; config: GuardConfig } | { ok: false; problems: string[] };

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
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rawValues)) {
    if ((SECRET_KEYS as readonly string[]).includes(k)) {
      if (!opts.secretKeys?.includes(k)) {
        problems.push(`${CONFIG_NAMESPACE}:${k} must be stored as a secret: run \`pulumi config set --secret ${CONFIG_NAMESPACE}:${k} <value>\``);
      } else if (!/^https:\/\/hooks\.slack\.com\/|^https:\/\//.test(v)) {
        problems.push(`${CONFIG_NAMESPACE}:${k} must be an https:// incoming-webhook URL (got a value that is not; it is not shown because it is secret)`);
      }
      continue;
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
  if (isProduction && c.sshAllowedCidr?.endsWith("/0")) {
    problems.push(`${CONFIG_NAMESPACE}:sshAllowedCidr must not open SSH to the whole internet in prod (got "${c.sshAllowedCidr}"): use SSM Session Manager, or a narrow CIDR`);
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
  };
}

/** Reads and validates the running stack's config; throws ConfigError listing every problem. */
export function readGuardConfig(): GuardConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const all = pulumi.runtime.allConfig();
  const rawValues: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (k.startsWith(prefix)) rawValues[k.slice(prefix.length)] = v;

  // isConfigSecret is exported by the SDK's runtime/config module but not typed.
  const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(k: string): boolean };
  const secretKeys = SECRET_KEYS.filter((k) => isConfigSecret(prefix + k));
  const cfg = new pulumi.Config(CONFIG_NAMESPACE);
  const slackWebhookUrl = rawValues.slackWebhookUrl !== undefined ? cfg.requireSecret("slackWebhookUrl") : undefined;

  const result = parseGuardConfig(rawValues, pulumi.getStack(), { secretKeys, slackWebhookUrl });
  if (!result.ok) throw new ConfigError(result.problems);
  return result.config;
}
