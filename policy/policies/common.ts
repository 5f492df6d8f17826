/**
 * Helpers every rule shares: reading tags the way AWS will apply them (resource tags over the
 * provider's default tags), the environment a resource belongs to, config with defaults, and
 * JSON-or-object inputs.
 */
import type { PolicyProviderResource } from "@pulumi/policy";

// Props come through the engine's unknown-checking proxy: plain JSON shapes of any depth.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Props = Record<string, any>;

export const ENVIRONMENT_TAG = "Environment";

/** Inputs that may arrive as JSON text (policies, container definitions) or as objects. */
export function parseJsonMaybe(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export function asObject(v: unknown): Props {
  const parsed = parseJsonMaybe(v);
  return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Props) : {};
}

export function asArray(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  return v === undefined || v === null ? [] : [v];
}

/**
 * The tags AWS will put on the resource: the provider's default tags, then `tagsAll` (what the
 * provider computed, as the offline mocks report it), then the resource's own `tags`.
 */
export function effectiveTags(props: Props, provider?: PolicyProviderResource): Record<string, string> {
  const defaults = asObject(asObject(provider?.props?.defaultTags).tags);
  return { ...defaults, ...asObject(props.tagsAll), ...asObject(props.tags) };
}

/** The resource's Environment tag, else the stack's environment from the policy config. */
export function environmentOf(props: Props, provider: PolicyProviderResource | undefined, fallback: string | undefined): string | undefined {
  return effectiveTags(props, provider)[ENVIRONMENT_TAG] ?? fallback;
}

/** Config from the pack's config file over the rule's defaults (the engine passes only what the file sets). */
export function withDefaults<T extends object>(defaults: T, given: Partial<T>): T {
  return { ...defaults, ...given };
}

/** Shell-style pattern (`t3.*`, `db.t4g.*`) match. */
export function matchesPattern(value: string, pattern: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return re.test(value);
}

export const stringList = (description: string, def: string[]) => ({ type: "array" as const, items: { type: "string" as const }, default: def, description });
export const environmentConfig = {
  type: "string" as const,
  description: "Environment of resources that carry no Environment tag (usually the stack's)",
};
