/**
 * Stack-config problems in words: each names the key (`costguard:failsafe.maxActionsPerRun`),
 * what was given (never a value that may be secret) and what is expected, with "did you mean"
 * for a misspelt key. No @pulumi imports.
 */
import type { z } from "zod";
import { GuardConfigSchema } from "./schema";
import { closest } from "./stackConfigKeys";

export const CONFIG_NAMESPACE = "costguard";

/** Pulumi config values arrive as strings; objects, arrays, numbers and booleans as JSON text. */
export function decode(value: string): unknown {
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

type AnyDef = { def: { type: string; innerType?: AnyDef; element?: AnyDef; in?: AnyDef; shape?: Record<string, AnyDef> } };

/** The field names of the schema's object at `path` (for "did you mean"), when it is one. */
function knownKeysAt(path: PropertyKey[]): string[] {
  let s = GuardConfigSchema as unknown as AnyDef;
  const unwrap = () => {
    while (s.def.innerType || s.def.in) s = (s.def.innerType ?? s.def.in)!;
  };
  for (const key of path) {
    unwrap();
    if (s.def.type === "array" && s.def.element) s = s.def.element;
    else if (s.def.type === "object" && s.def.shape?.[String(key)]) s = s.def.shape[String(key)]!;
    else return [];
  }
  unwrap();
  return s.def.type === "object" && s.def.shape ? Object.keys(s.def.shape) : [];
}

const typeName = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : `a ${typeof v}`);

/**
 * A service's environment and secrets may hold a secret by mistake: nothing under them is ever
 * echoed, nor the service (or service list) around them; only the type of what was given.
 */
function hiddenValue(path: PropertyKey[]): boolean {
  // A database entry holds no secret, but one given whole (or as text) may carry a password by mistake.
  if (path[0] === "databases") return path.length <= 2;
  if (path[0] !== "services") return false;
  return path.length <= 2 || path[2] === "environment" || path[2] === "secrets";
}

/** Keys someone adds to a database to give it a password; RDS keeps the password itself. */
const PASSWORD_KEY = /pass(word)?|pwd|secret/i;

/** One problem of the stack config as a sentence: the key, what was given (never a secret), and what is expected. */
export function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const key = `${CONFIG_NAMESPACE}:${issue.path.map(String).join(".")}`;
  const got = valueAt(raw, issue.path);
  const gotText =
    got === undefined ? "nothing" : hiddenValue(issue.path) ? `${typeName(got)}, not shown in case it is secret` : JSON.stringify(got);
  switch (issue.code) {
    case "unrecognized_keys": {
      const where = issue.path.length ? key : `the ${CONFIG_NAMESPACE} namespace`;
      if (issue.path[0] === "databases" && issue.path.length === 2 && issue.keys.every((k) => PASSWORD_KEY.test(k))) {
        return `${where} has unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}: RDS generates the master password and keeps it in Secrets Manager (manageMasterUserPassword); remove it`;
      }
      const known = knownKeysAt(issue.path);
      const hints = issue.keys.map((k) => closest(k, known)).map((near, i) => (near ? ` ("${issue.keys[i]}": did you mean "${near}"?)` : "")).join("");
      return `${where} has unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}${hints}: check the spelling against docs/configuration.md`;
    }
    case "invalid_type":
      // A message written in the schema for an absent key says why it is needed.
      if (/^is required: /.test(issue.message)) return `${key} ${issue.message}`;
      return `${key} must be ${article(issue.expected === "record" ? "object" : issue.expected)} (got ${gotText})`;
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
