/**
 * Reading and validating a policy pack config file (`--policy-pack-config`), as the Pulumi
 * engine does before any rule runs (pkg/resource/analyzer/config.go, v3.248):
 *
 * - an empty file is no config; otherwise a JSON object of policy name → enforcement level
 *   (string) or `{ enforcementLevel?, ...properties }`; `"all"` sets every policy's level;
 *   `"environments"` (ESC environments) must be an array of strings;
 * - an enforcement level other than advisory, mandatory, remediate, disabled is an error (never
 *   a silent downgrade of mandatory rules);
 * - each policy's properties, merged over its configSchema defaults, are validated against that
 *   schema as JSON schema (type, items, enum, required, bounds).
 *
 * Stricter than the engine, on purpose: the engine silently ignores a policy name the pack does
 * not have and a property its schema does not declare (no additionalProperties), so a typo
 * there turns a setting off without a word. Both are errors here, with the closest known name.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { closest } from "../../config/stackConfigKeys";

export const ENFORCEMENT_LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export type PackConfigFile = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

/** A policy config file the engine (or this stricter check) would refuse: one line per problem, exit 2. */
export class PolicyConfigError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`policy config ${file} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const levelProblem = (policy: string, level: unknown): string | undefined => {
  if (typeof level === "string" && (ENFORCEMENT_LEVELS as string[]).includes(level)) return undefined;
  const near = typeof level === "string" ? closest(level, ENFORCEMENT_LEVELS) : undefined;
  return `"${policy}" has enforcement level ${JSON.stringify(level)}, which is not one of ${ENFORCEMENT_LEVELS.join(", ")}${near ? ` (did you mean "${near}"?)` : ""}`;
};

/** Parses the file with the engine's own rules; throws PolicyConfigError listing every problem. */
export function parsePolicyConfigFile(file: string): PackConfigFile {
  const name = path.relative(process.cwd(), file) || file;
  const text = fs.readFileSync(file, "utf8");
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new PolicyConfigError(name, [`is not valid JSON: ${(err as Error).message.split("\n")[0]}`]);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new PolicyConfigError(name, ["must be a JSON object of policy name → enforcement level or { enforcementLevel, ...settings }"]);
  const problems: string[] = [];
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (key === "environments") {
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) problems.push(`"environments" must be an array of ESC environment names (strings)`);
      continue;
    }
    if (typeof value === "string") {
      const p = levelProblem(key, value);
      if (p) problems.push(p);
    } else if (value && typeof value === "object" && !Array.isArray(value)) {
      if ("enforcementLevel" in value) {
        const p = levelProblem(key, (value as { enforcementLevel: unknown }).enforcementLevel);
        if (p) problems.push(p);
      }
    } else {
      problems.push(`"${key}" must be an enforcement level (string) or an object of settings (got ${JSON.stringify(value)})`);
    }
  }
  if (problems.length) throw new PolicyConfigError(name, problems);
  const { environments: _esc, ...config } = parsed as Record<string, unknown>;
  return config as PackConfigFile;
}

type JsonSchema = { type?: string | string[]; items?: JsonSchema; enum?: unknown[]; minimum?: number; maximum?: number; minItems?: number; maxItems?: number; pattern?: string };

const TYPE_OK: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number" && Number.isFinite(v),
  integer: (v) => typeof v === "number" && Number.isInteger(v),
  boolean: (v) => typeof v === "boolean",
  array: (v) => Array.isArray(v),
  object: (v) => v !== null && typeof v === "object" && !Array.isArray(v),
  null: (v) => v === null,
};

/** JSON-schema problems of one value (the keywords @pulumi/policy config schemas use). */
function schemaProblems(where: string, schema: JsonSchema, value: unknown): string[] {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length && !types.some((t) => TYPE_OK[t]?.(value) ?? true)) return [`${where} must be ${types.map((t) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`)).join(" or ")} (got ${JSON.stringify(value)})`];
  const problems: string[] = [];
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) problems.push(`${where} must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")} (got ${JSON.stringify(value)})`);
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${where} must be at least ${schema.minimum} (got ${value})`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${where} must be at most ${schema.maximum} (got ${value})`);
  }
  if (typeof value === "string" && schema.pattern && !new RegExp(schema.pattern).test(value)) problems.push(`${where} must match ${schema.pattern} (got ${JSON.stringify(value)})`);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${where} must have at least ${schema.minItems} entries`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push(`${where} must have at most ${schema.maxItems} entries`);
    if (schema.items) value.forEach((v, i) => problems.push(...schemaProblems(`${where}[${i}]`, schema.items!, v)));
  }
  return problems;
}

/** Every problem of a parsed file against the pack's policies (names, properties, types). */
export function policyConfigProblems(config: PackConfigFile, policies: Policies): string[] {
  const problems: string[] = [];
  const byName = new Map(policies.map((p) => [p.name, p]));
  const names = [...byName.keys()];
  for (const [key, entry] of Object.entries(config)) {
    if (key === "all") {
      if (typeof entry === "object" && Object.keys(entry).some((k) => k !== "enforcementLevel")) problems.push(`"all" sets only an enforcement level; settings belong to each policy`);
      continue;
    }
    const policy = byName.get(key);
    if (!policy) {
      const near = closest(key, names);
      problems.push(`"${key}" is not a policy of this pack${near ? ` (did you mean "${near}"?)` : ""}: the engine would ignore it silently`);
      continue;
    }
    if (typeof entry !== "object") continue;
    const declared = (policy.configSchema?.properties ?? {}) as Record<string, JsonSchema>;
    for (const prop of Object.keys(entry)) {
      if (prop === "enforcementLevel" || prop in declared) continue;
      const near = closest(prop, Object.keys(declared));
      const has = Object.keys(declared);
      problems.push(`"${key}".${prop} is not a setting of ${key}${near ? ` (did you mean "${near}"?)` : ""}; it has ${has.length ? has.join(", ") : "no settings"}`);
    }
  }
  // The engine's check: each policy's merged properties against its schema.
  for (const policy of policies) {
    const schema = policy.configSchema;
    if (!schema) continue;
    const entry = config[policy.name];
    const given = typeof entry === "object" ? entry : {};
    const merged: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(schema.properties ?? {})) if (s && typeof s === "object" && "default" in s) merged[k] = (s as { default: unknown }).default;
    for (const [k, v] of Object.entries(given)) if (k !== "enforcementLevel") merged[k] = v;
    for (const r of schema.required ?? []) if (!(r in merged)) problems.push(`"${policy.name}".${r} is required`);
    for (const [k, v] of Object.entries(merged)) {
      const s = (schema.properties as Record<string, JsonSchema> | undefined)?.[k];
      if (s) problems.push(...schemaProblems(`"${policy.name}".${k}`, s, v));
    }
  }
  return problems;
}

/** Reads and validates a policy config file against the pack; throws PolicyConfigError. */
export function loadPolicyConfig(file: string, policies: Policies): PackConfigFile {
  const config = parsePolicyConfigFile(file);
  const problems = policyConfigProblems(config, policies);
  if (problems.length) throw new PolicyConfigError(path.relative(process.cwd(), file) || file, problems);
  return config;
}
