/**
 * Derives, from config/schema.ts, the `config:` declarations of Pulumi.yaml and the
 * config table of docs/configuration.md, so the schema stays the one source of truth.
 *
 *   npm run config-docs            print both
 *   npm run config-docs -- --write rewrite Pulumi.yaml's config block and the table in place
 *
 * Tests fail when Pulumi.yaml or docs/configuration.md is out of step with the schema. A key
 * the schema gives no description reads "(no description)", so the gap shows where readers look.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { DEFAULT_ENVIRONMENTS, EnvironmentSettings, GuardConfigSchema, LOG_RETENTION_DAYS } from "../config/schema";

export interface KeyDoc {
  key: string;
  /** Pulumi project-config type, when Pulumi can express it (it has no float type). */
  pulumiType?: "string" | "integer" | "boolean" | "array" | "object";
  /** Item type of an array key. */
  itemsType?: "string" | "object";
  typeText: string;
  defaultValue: unknown;
  description: string;
  secret?: boolean;
}

/** What the docs say for a key the schema does not describe: visible, so it gets filled. */
export const NO_DESCRIPTION = "(no description)";
/**
 * A description as the docs print it. Descriptions once cited the spec's sections ("(SPEC S2)"),
 * and the spec is not in the repository: the citation is dropped, the rule itself stays.
 */
export function described(description: string | undefined): string {
  return description?.replace(/\s*\(SPEC S\d+(?:,\s*S\d+)*\)/g, "").trim() || NO_DESCRIPTION;
}

type AnyZod = z.ZodType & { def: { type: string; innerType?: AnyZod; defaultValue?: unknown; element?: AnyZod; checks?: { _zod: { def: { check: string } } }[] } };

function unwrap(schema: AnyZod): { inner: AnyZod; defaultValue: unknown; description?: string } {
  let s = schema;
  let defaultValue: unknown;
  let description = s.description;
  while (["default", "optional", "prefault", "nullable"].includes(s.def.type)) {
    if (s.def.type === "default" || s.def.type === "prefault") {
      const d = s.def.defaultValue;
      defaultValue = typeof d === "function" ? (d as () => unknown)() : d;
    }
    s = s.def.innerType!;
    description ??= s.description;
  }
  return { inner: s, defaultValue, description };
}

function isInt(s: AnyZod): boolean {
  return (s.def.checks ?? []).some((c) => (c._zod.def as { format?: string }).format === "safeint");
}

export function describeKeys(): KeyDoc[] {
  const docs: KeyDoc[] = [];
  for (const [key, field] of Object.entries(GuardConfigSchema.shape)) {
    const { inner, defaultValue, description } = unwrap(field as unknown as AnyZod);
    const t = inner.def.type;
    let pulumiType: KeyDoc["pulumiType"];
    let typeText: string = t;
    if (t === "string") pulumiType = "string";
    else if (t === "boolean") pulumiType = "boolean";
    else if (t === "number") {
      pulumiType = isInt(inner) ? "integer" : undefined;
      typeText = pulumiType ?? "number";
    } else if (t === "enum") {
      pulumiType = "string";
      typeText = (inner as unknown as z.ZodEnum).options.map((o) => `"${String(o)}"`).join(" \\| ");
    } else if (t === "array") {
      const el = unwrap(inner.def.element!).inner.def.type;
      const itemsType = el === "string" ? "string" : el === "object" ? "object" : undefined;
      pulumiType = itemsType ? "array" : undefined;
      typeText = `array of ${el}`;
      docs.push({ key, pulumiType, itemsType, typeText, defaultValue, description: description ?? "" });
      continue;
    } else if (t === "record" || t === "object") {
      pulumiType = "object";
      typeText = "object";
    }
    docs.push({ key, pulumiType, typeText, defaultValue, description: description ?? "" });
  }
  docs.push({ key: "slackWebhookUrl", pulumiType: "string", typeText: "secret string", defaultValue: undefined, description: "Slack incoming-webhook URL, set with `pulumi config set --secret`", secret: true });
  return docs;
}

function yamlScalar(v: unknown): string {
  return JSON.stringify(v);
}

/**
 * The `config:` block of Pulumi.yaml, two-space indented under `config:`.
 *
 * The Pulumi CLI (3.248, workspace/config.go) treats a key declared without `default` (or
 * `value`) as required and stops `preview`/`up` before the program runs when a stack lacks it.
 * So only keys with a default are declared: typed where Pulumi has the type (objects as
 * `type: object`, which the CLI checks against the stack value), untyped for numbers (Pulumi has
 * no float type). Optional keys without a default (and the secret webhook URL: a `secret: true`
 * key cannot have a plain default) are left out, listed in a comment; the schema still
 * validates them.
 */
export function pulumiYamlConfigBlock(): string {
  const lines: string[] = [];
  const undeclared: string[] = [];
  for (const d of describeKeys()) {
    if (d.defaultValue === undefined || d.secret) {
      undeclared.push(d.key);
      continue;
    }
    lines.push(`  ${d.key}:`);
    if (d.pulumiType) lines.push(`    type: ${d.pulumiType}`);
    if (d.pulumiType === "array") lines.push(`    items:\n      type: ${d.itemsType}`);
    const text = described(d.description);
    lines.push(`    description: ${yamlScalar(text === NO_DESCRIPTION ? `${NO_DESCRIPTION} (${d.typeText})` : text)}`);
    lines.push(`    default: ${yamlScalar(d.defaultValue)}`);
  }
  lines.push(`  # Optional, no default, so not declared (a declared key without default is required): ${undeclared.join(", ")}.`);
  return lines.join("\n") + "\n";
}

type Check = { check: string; value?: number; inclusive?: boolean; minimum?: number; maximum?: number };
const checksOf = (s: AnyZod): Check[] => (s.def.checks ?? []).map((c) => c._zod.def as unknown as Check);
const num = (n: number) => n.toLocaleString("en-US");

/** The bounds the schema enforces on a field, as text (numbers, list lengths, special sets). */
export function boundsText(key: string, schema: AnyZod): string {
  if (key.endsWith("logRetentionDays")) return `one of ${LOG_RETENTION_DAYS.join(", ")}`;
  if (/[sS]chedule$/.test(key)) return "EventBridge rate() or cron()";
  const parts: string[] = [];
  for (const c of checksOf(schema)) {
    if (c.check === "greater_than") parts.push(`${c.inclusive ? "≥" : ">"} ${num(c.value!)}`);
    if (c.check === "less_than") parts.push(`${c.inclusive ? "≤" : "<"} ${num(c.value!)}`);
    if (c.check === "min_length" && schema.def.type === "array") parts.push(`≥ ${c.minimum} entries`);
    if (c.check === "max_length" && schema.def.type === "array") parts.push(`≤ ${c.maximum} entries`);
  }
  return parts.join(", ");
}

/** One table row per field of a structured key. */
export function fieldRows(prefix: string, shape: Record<string, z.ZodType>): string[] {
  return Object.entries(shape).map(([k, field]) => {
    const { inner, defaultValue, description } = unwrap(field as unknown as AnyZod);
    let typeText: string = inner.def.type;
    if (typeText === "enum") typeText = (inner as unknown as z.ZodEnum).options.map((o) => `"${String(o)}"`).join(" \\| ");
    if (typeText === "array") typeText = `array of ${unwrap(inner.def.element!).inner.def.type}`;
    if (typeText === "number" && isInt(inner)) typeText = "integer";
    const def = defaultValue === undefined ? "—" : `\`${JSON.stringify(defaultValue)}\``;
    return `| \`${prefix}.${k}\` | ${typeText} | ${def} | ${boundsText(k, inner)} | ${described(description)} |`;
  });
}

/** The config table: top-level keys, and the fields of every structured key. */
export function configTable(): string {
  const rows: string[] = [];
  for (const d of describeKeys()) {
    const field = (GuardConfigSchema.shape as Record<string, z.ZodType>)[d.key];
    const inner = field ? unwrap(field as unknown as AnyZod).inner : undefined;
    const nested = inner?.def.type === "object" ? (inner as unknown as z.ZodObject).shape : undefined;
    const def = nested ? "see fields" : d.defaultValue === undefined ? "—" : `\`${JSON.stringify(d.defaultValue)}\``;
    const recordValue = inner?.def.type === "record" ? unwrap((inner.def as unknown as { valueType: AnyZod }).valueType).inner : undefined;
    const bounds = inner ? (recordValue ? boundsText(d.key, recordValue) : boundsText(d.key, inner)) : "";
    rows.push(`| \`costguard:${d.key}\` | ${d.typeText} | ${def} | ${recordValue && bounds ? `each ${bounds}` : bounds} | ${described(d.description)} |`);
    if (nested) rows.push(...fieldRows(`costguard:${d.key}`, nested as Record<string, z.ZodType>));
    if (d.key === "environments") {
      for (const [env, settings] of Object.entries(DEFAULT_ENVIRONMENTS)) {
        rows.push(`| \`costguard:environments.${env}\` | object | \`${JSON.stringify(settings)}\` |  | Default thresholds and response of ${env}; a stack's fields are merged over them |`);
      }
      rows.push(...fieldRows("costguard:environments.<name>", EnvironmentSettings.shape as unknown as Record<string, z.ZodType>));
    }
  }
  return ["| key | type | default | bounds | what it does |", "|---|---|---|---|---|", ...rows].join("\n") + "\n";
}

const TABLE_START = "<!-- config-table:start (generated by npm run config-docs -- --write) -->\n";
const TABLE_END = "<!-- config-table:end -->";

/** Replaces docs/configuration.md's generated config table between its markers. */
export function renderConfigDoc(current: string): string {
  const a = current.indexOf(TABLE_START);
  const b = current.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error("docs/configuration.md has no config-table markers: put the two marker lines back where the table goes");
  return current.slice(0, a + TABLE_START.length) + configTable() + current.slice(b);
}

const CONFIG_DOC = path.join(__dirname, "..", "docs", "configuration.md");
const PULUMI_YAML = path.join(__dirname, "..", "Pulumi.yaml");

/** Replaces everything after the `config:` line of Pulumi.yaml with the generated block. */
export function renderPulumiYaml(current: string): string {
  const idx = current.indexOf("\nconfig:\n");
  if (idx < 0) throw new Error("Pulumi.yaml has no top-level `config:` line to fill");
  return current.slice(0, idx) + "\nconfig:\n" + pulumiYamlConfigBlock();
}

if (require.main === module) {
  const current = fs.readFileSync(PULUMI_YAML, "utf8");
  if (process.argv.includes("--write")) {
    fs.writeFileSync(PULUMI_YAML, renderPulumiYaml(current));
    fs.writeFileSync(CONFIG_DOC, renderConfigDoc(fs.readFileSync(CONFIG_DOC, "utf8")));
    console.log(`wrote ${PULUMI_YAML} and the config table of ${CONFIG_DOC}`);
  } else {
    process.stdout.write(pulumiYamlConfigBlock() + "\n" + configTable());
  }
}
