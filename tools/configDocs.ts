/**
 * Derives, from components/configSchema.ts, the `config:` declarations of Pulumi.yaml and the
 * README's config table, so the schema stays the one source of truth.
 *
 *   npm run config-docs            print both
 *   npm run config-docs -- --write rewrite Pulumi.yaml's config block in place
 *
 * A test fails when Pulumi.yaml is out of step with the schema.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { GuardConfigSchema } from "../components/configSchema";

export interface KeyDoc {
  key: string;
  /** Pulumi project-config type, when Pulumi can express it (it has no float or object types). */
  pulumiType?: "string" | "integer" | "boolean" | "array";
  typeText: string;
  defaultValue: unknown;
  description: string;
  secret?: boolean;
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
      pulumiType = el === "string" ? "array" : undefined;
      typeText = `array of ${el}`;
    } else if (t === "record" || t === "object") typeText = "object";
    docs.push({ key, pulumiType, typeText, defaultValue, description: description ?? "" });
  }
  docs.push({ key: "slackWebhookUrl", pulumiType: "string", typeText: "secret string", defaultValue: undefined, description: "Slack incoming-webhook URL, set with `pulumi config set --secret`", secret: true });
  return docs;
}

function yamlScalar(v: unknown): string {
  return JSON.stringify(v);
}

/** The `config:` block of Pulumi.yaml, two-space indented under `config:`. */
export function pulumiYamlConfigBlock(): string {
  const lines: string[] = [];
  for (const d of describeKeys()) {
    lines.push(`  ${d.key}:`);
    if (d.pulumiType) lines.push(`    type: ${d.pulumiType}`);
    if (d.pulumiType === "array") lines.push(`    items:\n      type: string`);
    lines.push(`    description: ${yamlScalar(d.description || `see the README (${d.typeText})`)}`);
    if (d.secret) lines.push(`    secret: true`);
    if (d.pulumiType && d.defaultValue !== undefined) lines.push(`    default: ${yamlScalar(d.defaultValue)}`);
  }
  return lines.join("\n") + "\n";
}

export function readmeConfigTable(): string {
  const rows = describeKeys().map((d) => {
    const def = d.defaultValue === undefined ? "—" : `\`${JSON.stringify(d.defaultValue)}\``;
    return `| \`costguard:${d.key}\` | ${d.typeText} | ${def.length > 160 ? "see schema" : def} | ${d.description} |`;
  });
  return ["| key | type | default | what it does |", "|---|---|---|---|", ...rows].join("\n") + "\n";
}

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
    console.log(`wrote ${PULUMI_YAML}`);
  } else {
    process.stdout.write(pulumiYamlConfigBlock() + "\n" + readmeConfigTable());
  }
}
