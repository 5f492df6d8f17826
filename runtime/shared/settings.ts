/**
 * How every capability's settings are checked, the same way on both sides: a component calls its
 * capability's `parse…Settings` at preview (so settings the function would refuse never deploy)
 * and serialises the result into the function's environment; the handler reads it back with
 * `…SettingsFromEnv`. Both go through `checkSettings`, so the two cannot disagree.
 */
import { ENV } from "../contract";
import { describeIssues } from "./invocation";
import * as z from "./zod";

/** The settings `value` as `schema` reads them; throws one error naming every problem, after `what`. */
export function checkSettings<T extends z.ZodMiniType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export interface FromEnvOptions {
  /** The variable that holds the settings as JSON (default COSTGUARD_SETTINGS). */
  variable?: string;
  /** What an unset variable means (the schema's defaults, say); without it, an unset variable is an error. */
  whenUnset?: unknown;
}

/** The settings a component put, as JSON, into a function's environment variable. */
export function settingsFromEnv<T extends z.ZodMiniType>(schema: T, env: Record<string, string | undefined>, opts: FromEnvOptions = {}): z.output<T> {
  const variable = opts.variable ?? ENV.settings;
  const text = env[variable];
  if (text === undefined || text === "") {
    if ("whenUnset" in opts) return checkSettings(schema, opts.whenUnset, `${variable} is invalid`);
    throw new Error(`${variable} is not set: the function's component sets it from stack config`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${variable} must be JSON (got ${text.length > 60 ? `${text.slice(0, 60)}…` : text})`);
  }
  return checkSettings(schema, json, `${variable} is invalid`);
}
