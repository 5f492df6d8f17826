/**
 * Runs a Pulumi TypeScript program offline: loads its stack config file, sets the config and
 * the mocks on the program's own @pulumi/pulumi instance, runs the program inside a stack as
 * the engine would, waits for every registration, and returns what it declared, both as the
 * mocks saw it and as the engine would hand it to the policy analyzer (engine.ts).
 *
 * One program per process: Pulumi's runtime state is process-global (tests run one stack per
 * test file; the plan runs one stack per invocation).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { declaredProperties, EngineRecorder, type DeclaredProperties, type EngineResource } from "./engine";
import { RecordingMocks, type PlannedResource } from "./mocks";

export interface ProgramRun {
  project: string;
  stack: string;
  region: string;
  /** Resolved as a first `pulumi preview` resolves them (see mocks.ts), or as after a deployment. */
  firstPreview: boolean;
  resources: PlannedResource[];
  /** Parent (by `type::name`) of each resource, for the tree. */
  parents: Map<string, string | undefined>;
  outputs: Record<string, unknown>;
  /**
   * Every resource as the engine hands it to the policy analyzer, in registration order: the
   * root stack, default providers (just before their first user), components and custom resources.
   */
  engine: EngineResource[];
}

export interface RunOptions {
  /** Directory holding Pulumi.yaml (default: this repository). */
  programDir?: string;
  stack: string;
  /** Extra or overriding config values (`ns:key` → string), applied after the stack file. */
  config?: Record<string, string>;
  /** Keys (`ns:key`) to treat as secrets in `config`. */
  secretKeys?: string[];
  /**
   * Resolve outputs as a first `pulumi preview` does: ids, ARNs and every other computed output
   * of a resource being created are unknown (the plan). Default: resolved, as after `pulumi up`.
   */
  firstPreview?: boolean;
}

/**
 * Placeholder for `secure:` values, which cannot be decrypted without the stack's secrets
 * provider. Shaped like a Slack incoming-webhook URL so that config validation, which checks the
 * webhook's shape, accepts it; no real webhook has this path.
 */
export const OFFLINE_SECRET_PLACEHOLDER = "https://hooks.slack.com/services/T00000000/B00000000/offline-plan-placeholder";

export function resourceKey(type: string, name: string): string {
  return `${type}::${name}`;
}

/**
 * A problem with the project or stack file itself (YAML, missing file, a required key absent),
 * reported like the program's ConfigError: one line per problem, exit 2, no stack trace.
 */
export class StackFileError extends Error {
  /** `file` names the file in a heading over the problems; without it, the one problem is the message. */
  constructor(readonly file: string | undefined, readonly problems: string[]) {
    super(file ? `${file} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}` : problems.join("\n"));
    this.name = "ConfigError";
  }
}

/** Parses YAML strictly (duplicate keys refused, as the Pulumi CLI does); one-line errors. */
function loadYaml(file: string): unknown {
  try {
    return yaml.load(fs.readFileSync(file, "utf8"), { filename: path.basename(file) });
  } catch (err) {
    const e = err as yaml.YAMLException;
    const where = e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : "";
    throw new StackFileError(path.basename(file), [`is not valid YAML${where}: ${e.reason ?? e.message.split("\n")[0]}`]);
  }
}

/** A project config declaration (Pulumi.yaml `config:` entry), as the CLI reads it. */
interface Declared {
  type?: string;
  items?: { type: string; items?: Declared["items"] };
  default?: unknown;
  value?: unknown;
  secret?: boolean;
}

/** The CLI's ValidateConfigValue (sdk/go/common/workspace/project.go): scalars arrive as text. */
export function matchesDeclaredType(type: string, items: Declared["items"], value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^[+-]?\d+$/.test(value));
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return Array.isArray(value) && items !== undefined && value.every((v) => matchesDeclaredType(items.type, items.items, v));
  }
}
const fullTypeName = (type: string, items: Declared["items"]): string => (items ? `array<${fullTypeName(items.type, items.items)}>` : type);

/**
 * Reads Pulumi.<stack>.yaml and converts values the way the engine passes them (strings, JSON),
 * after applying Pulumi.yaml's `config:` declarations as the CLI does before the program runs
 * (workspace/config.go): a project key declared without `default`/`value` and absent from the
 * stack file is an error; a declared default fills an absent key; an explicitly typed key's
 * stack value must have that type; a `secret: true` key must be stored encrypted.
 */
export function loadStackConfig(programDir: string, stack: string): { project: string; values: Record<string, string>; secretKeys: string[] } {
  const projectFile = path.join(programDir, "Pulumi.yaml");
  if (!fs.existsSync(projectFile)) throw new StackFileError("Pulumi.yaml", [`does not exist in ${programDir}: --program must name a Pulumi project directory`]);
  const projectDoc = loadYaml(projectFile) as { name?: unknown; config?: Record<string, Declared | string | number | boolean | unknown[]> } | null;
  if (!projectDoc || typeof projectDoc.name !== "string" || !projectDoc.name) throw new StackFileError("Pulumi.yaml", ["is missing a non-empty string 'name' attribute"]);
  const project = projectDoc.name;
  const stackFile = path.join(programDir, `Pulumi.${stack}.yaml`);
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  if (!fs.existsSync(stackFile)) {
    const known = fs.readdirSync(programDir).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5));
    throw new StackFileError(undefined, [
      `no stack config ${path.basename(stackFile)} in ${programDir} (stacks here: ${known.join(", ") || "none"}): pass --stack with one of them, or create the file (pulumi stack init ${stack})`,
    ]);
  }
  const doc = loadYaml(stackFile) ?? {};
  const name = path.basename(stackFile);
  if (typeof doc !== "object" || Array.isArray(doc)) throw new StackFileError(name, ["must be a YAML mapping with a `config:` section"]);
  const config = (doc as { config?: unknown }).config ?? {};
  if (typeof config !== "object" || Array.isArray(config) || config === null) throw new StackFileError(name, ["config: must be a mapping of `namespace:key` to values"]);
  /** What the CLI would hand the type check: text for scalars, the structure for objects. */
  const content: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(config as Record<string, unknown>)) {
    const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
    if (value && typeof value === "object" && "secure" in (value as object)) {
      values[key] = OFFLINE_SECRET_PLACEHOLDER;
      content[key] = OFFLINE_SECRET_PLACEHOLDER;
      secretKeys.push(key);
    } else {
      values[key] = typeof value === "string" ? value : value === null ? "" : JSON.stringify(value);
      content[key] = value !== null && typeof value === "object" ? value : values[key];
    }
  }

  const problems: string[] = [];
  const missing: string[] = [];
  for (const [declaredKey, raw] of Object.entries(projectDoc.config ?? {})) {
    const key = declaredKey.includes(":") ? declaredKey : `${project}:${declaredKey}`;
    if (!key.startsWith(`${project}:`)) continue; // other namespaces carry a value, not a type
    const decl: Declared = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? (raw as Declared) : { default: raw };
    const hasDefault = decl.default !== undefined && decl.default !== null;
    const hasValue = decl.value !== undefined && decl.value !== null;
    if (!(key in values)) {
      if (!hasDefault && !hasValue) missing.push(declaredKey);
      else {
        const v = hasDefault ? decl.default : decl.value;
        values[key] = v !== null && typeof v === "object" ? JSON.stringify(v) : String(v);
        content[key] = v !== null && typeof v === "object" ? v : values[key];
      }
      continue;
    }
    if (decl.type === undefined) continue;
    if (decl.secret && !secretKeys.includes(key)) {
      problems.push(`Stack '${stack}' with configuration key '${declaredKey}' must be encrypted as it's secret: run \`pulumi config set --secret ${key} <value>\``);
    } else if (!matchesDeclaredType(decl.type, decl.items, content[key])) {
      problems.push(`Stack '${stack}' with configuration key '${declaredKey}' must be of type '${fullTypeName(decl.type, decl.items)}' (Pulumi.yaml declares it so)`);
    }
  }
  if (missing.length) {
    const list = missing.sort().map((k) => `'${k}'`);
    problems.unshift(
      `Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${list.length > 1 ? `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}` : list[0]}: Pulumi.yaml declares ${missing.length > 1 ? "them" : "it"} without a default, so \`pulumi preview\` stops before the program runs; set ${missing.length > 1 ? "them" : "it"} in ${name} or give ${missing.length > 1 ? "them" : "it"} a default`,
    );
  }
  if (problems.length) throw new StackFileError(name, problems);
  return { project, values, secretKeys };
}

function programEntry(programDir: string): string {
  const pkgFile = path.join(programDir, "package.json");
  const main = fs.existsSync(pkgFile) ? (JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { main?: string }).main : undefined;
  for (const candidate of [main, "index.ts", "index.js"].filter(Boolean) as string[]) {
    const p = path.resolve(programDir, candidate);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`no program entry (package.json main, index.ts or index.js) in ${programDir}`);
}

function parseDefaultTags(value: string | undefined): Record<string, string> | undefined {
  if (!value) return undefined;
  try {
    return (JSON.parse(value) as { tags?: Record<string, string> }).tags;
  } catch {
    return undefined;
  }
}

export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
  const programDir = path.resolve(opts.programDir ?? path.join(__dirname, "..", ".."));
  const { project, values, secretKeys } = loadStackConfig(programDir, opts.stack);
  Object.assign(values, opts.config);
  secretKeys.push(...(opts.secretKeys ?? []));
  const region = values["aws:region"] ?? "us-east-1";
  const firstPreview = opts.firstPreview ?? false;

  // The program's own @pulumi/pulumi: mocks must be set on the instance it will use.
  let pulumiPath: string;
  try {
    pulumiPath = require.resolve("@pulumi/pulumi", { paths: [programDir] });
  } catch {
    throw new Error(`cannot find @pulumi/pulumi from ${programDir}: run \`npm install\` in the program's directory first`);
  }
  const pulumi = require(pulumiPath) as typeof import("@pulumi/pulumi");
  pulumi.runtime.setAllConfig(values, secretKeys);
  // What each registered resource's generated class declares (inputs, output-only properties).
  const declared = new Map<string, DeclaredProperties | undefined>();
  const mocks = new RecordingMocks(region, {
    firstPreview,
    defaultTags: parseDefaultTags(values["aws:defaultTags"]),
    declared: (type, name) => declared.get(resourceKey(type, name)),
    isUnknown: (v) => pulumi.isUnknown(v),
  });
  await pulumi.runtime.setMocks(mocks, project, opts.stack, true);
  const recorder = new EngineRecorder({ project, stack: opts.stack, config: values, firstPreview, declared, planned: mocks.resources });
  const settings = require(path.join(path.dirname(pulumiPath), "runtime", "settings")) as { getMonitor(): Parameters<EngineRecorder["attach"]>[0] };
  recorder.attach(settings.getMonitor());

  const parents = new Map<string, string | undefined>();
  const recordParent: import("@pulumi/pulumi").ResourceTransformation = (args) => {
    const parent = args.opts.parent as unknown as { __pulumiType?: string; __name?: string } | undefined;
    const parentKey = parent?.__pulumiType && parent.__pulumiType !== "pulumi:pulumi:Stack" ? resourceKey(parent.__pulumiType, parent.__name ?? "") : undefined;
    const key = resourceKey(args.type, args.name);
    parents.set(key, parentKey);
    declared.set(key, declaredProperties(args.type, (args.resource as object).constructor));
    return undefined;
  };

  const entry = programEntry(programDir);
  const outputs =
    (await pulumi.runtime.runInPulumiStack(async () => {
      // Registered inside the stack: the root stack resource must exist first.
      pulumi.runtime.registerStackTransformation(recordParent);
      return require(entry);
    })) ?? {};
  await pulumi.runtime.disconnect();
  const resources = mocks.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
  return { project, stack: opts.stack, region, firstPreview, resources, parents, outputs: outputs as Record<string, unknown>, engine: recorder.resources };
}
