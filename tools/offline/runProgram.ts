/**
 * Runs a Pulumi TypeScript program offline: loads its stack config file, sets the config and
 * the mocks on the program's own @pulumi/pulumi instance, runs the program inside a stack as
 * the engine would, waits for every registration, and returns what it declared, both as the
 * mocks saw it and as the engine would hand it to the policy analyzer (engine.ts).
 *
 * Several programs can run in one process, one after another: each runs in a Pulumi state store
 * of its own (the runtime's `withLocalStorage`, as the Automation API runs inline programs), so
 * config, mocks and the root stack of one run never reach the next; and the program's own modules
 * are evaluated afresh each run (a CommonJS program's files leave the require cache after it).
 * Runs never overlap: the host's working directory and its failure handlers are the process's, so
 * a run asked for while another is under way waits for it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { declaredProperties, EngineRecorder, type DeclaredProperties, type EngineResource } from "./engine";
import { RecordingMocks, type PlannedResource } from "./mocks";
import { loadAndRun, programEntry } from "./programEntry";
import { ProgramSetupError } from "./programError";

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
  /** Invokes the mocks could not answer (answered with their own arguments): token and calls. */
  unansweredInvokes: { token: string; calls: number }[];
  /** What the plan assumed that a user should know (no stack file, no region). */
  notes: string[];
  /** What the program warned about (pulumi.log.warn writes to console.warn outside an engine), when `captureWarnings` asked for it. */
  warnings: string[];
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
  /** Called with each note as it is made (before the program runs, so a failure still shows it). */
  onNote?: (note: string) => void;
  /** Keep the program's warnings in the run's `warnings` instead of printing them (tests). */
  captureWarnings?: boolean;
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
export function loadStackConfig(programDir: string, stack: string): { project: string; values: Record<string, string>; secretKeys: string[]; notes: string[] } {
  const projectFile = path.join(programDir, "Pulumi.yaml");
  if (!fs.existsSync(projectFile)) throw new StackFileError("Pulumi.yaml", [`does not exist in ${programDir}: --program must name a Pulumi project directory`]);
  const projectDoc = loadYaml(projectFile) as { name?: unknown; config?: Record<string, Declared | string | number | boolean | unknown[]> } | null;
  if (!projectDoc || typeof projectDoc.name !== "string" || !projectDoc.name) throw new StackFileError("Pulumi.yaml", ["is missing a non-empty string 'name' attribute"]);
  const project = projectDoc.name;
  const stackFile = path.join(programDir, `Pulumi.${stack}.yaml`);
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  const notes: string[] = [];
  const hasStackFile = fs.existsSync(stackFile);
  if (!hasStackFile) {
    // As `pulumi preview` on a stack just created: no values yet, Pulumi.yaml's defaults apply.
    const known = fs.readdirSync(programDir).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5));
    notes.push(`no stack config ${path.basename(stackFile)} in ${programDir} (stacks here: ${known.join(", ") || "none"}): planned with empty config, as \`pulumi preview\` does on a new stack (\`pulumi stack init ${stack}\`); pass --stack to plan another`);
  }
  const doc = (hasStackFile ? loadYaml(stackFile) : {}) ?? {};
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
    const decl: Declared = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? (raw as Declared) : { default: raw };
    if (!key.startsWith(`${project}:`)) {
      // Other namespaces carry a project-wide value (e.g. `aws:region`), not a type: it applies
      // to every stack that does not set the key itself.
      const isDeclaration = raw !== null && typeof raw === "object" && !Array.isArray(raw) && ["type", "description", "default", "value", "secret", "items"].some((k) => k in raw);
      const v = isDeclaration ? (decl.value !== undefined ? decl.value : decl.default) : raw;
      if (!(key in values) && v !== undefined && v !== null) values[key] = typeof v === "object" ? JSON.stringify(v) : String(v);
      continue;
    }
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
  return { project, values, secretKeys, notes };
}

function parseDefaultTags(value: string | undefined): Record<string, string> | undefined {
  if (!value) return undefined;
  try {
    return (JSON.parse(value) as { tags?: Record<string, string> }).tags;
  } catch {
    return undefined;
  }
}

/** The ES module entries this process has run: Node cannot evaluate an ES module twice. */
const esmEntriesRun = new Set<string>();
let previous: Promise<unknown> = Promise.resolve();

export function runProgram(opts: RunOptions): Promise<ProgramRun> {
  const run = previous.then(
    () => runProgramOnce(opts),
    () => runProgramOnce(opts),
  );
  previous = run.catch(() => undefined);
  return run;
}

async function runProgramOnce(opts: RunOptions): Promise<ProgramRun> {
  const programDir = path.resolve(opts.programDir ?? path.join(__dirname, "..", ".."));
  const notes: string[] = [];
  const note = (n: string) => {
    notes.push(n);
    opts.onNote?.(n);
  };
  const stackConfig = loadStackConfig(programDir, opts.stack);
  const { project, values, secretKeys } = stackConfig;
  stackConfig.notes.forEach(note);
  Object.assign(values, opts.config);
  secretKeys.push(...(opts.secretKeys ?? []));
  const envRegion = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  // The AWS provider's own order: config, then the environment.
  const region = values["aws:region"] ?? envRegion ?? "us-east-1";
  if (!values["aws:region"]) note(`aws:region is not set in the stack config: planned and priced in ${region} (${envRegion ? "from AWS_REGION/AWS_DEFAULT_REGION" : "the plan's default; a real preview needs the region"})`);
  const firstPreview = opts.firstPreview ?? false;

  // The program's own @pulumi/pulumi: mocks must be set on the instance it will use.
  let pulumiPath: string;
  try {
    pulumiPath = require.resolve("@pulumi/pulumi", { paths: [programDir] });
  } catch {
    throw new ProgramSetupError(`cannot find @pulumi/pulumi from ${programDir}: run \`npm install\` in the program's directory first`);
  }
  const pulumi = require(pulumiPath) as typeof import("@pulumi/pulumi");
  const state = require(path.join(path.dirname(pulumiPath), "runtime", "state")) as { withLocalStorage<T>(run: () => Promise<T>): Promise<T> };
  const entry = programEntry(programDir);
  if (entry.esm) {
    if (esmEntriesRun.has(entry.file)) throw new ProgramSetupError(`${entry.file} is an ES module and has run in this process already: Node.js evaluates an ES module once, so run it in a process of its own`);
    esmEntriesRun.add(entry.file);
  }
  const loadedBefore = new Set(Object.keys(require.cache));
  const warnings: string[] = [];
  const warn = console.warn;
  if (opts.captureWarnings) console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(" "));
  try {
    return { ...(await state.withLocalStorage(() => runInStore(pulumi, pulumiPath, programDir, entry, { opts, project, values, secretKeys, region, firstPreview, notes, note }))), warnings };
  } finally {
    console.warn = warn;
    // The program's own modules (not its packages) leave the cache: the next run evaluates them again.
    for (const file of Object.keys(require.cache)) if (!loadedBefore.has(file) && !file.split(path.sep).includes("node_modules")) delete require.cache[file];
  }
}

interface RunContext {
  opts: RunOptions;
  project: string;
  values: Record<string, string>;
  secretKeys: string[];
  region: string;
  firstPreview: boolean;
  notes: string[];
  note: (n: string) => void;
}

async function runInStore(pulumi: typeof import("@pulumi/pulumi"), pulumiPath: string, programDir: string, entry: { file: string; esm: boolean }, ctx: RunContext): Promise<Omit<ProgramRun, "warnings">> {
  const { opts, project, values, secretKeys, region, firstPreview, notes, note } = ctx;
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

  // The host runs a program in its project directory: relative paths (./www, ../lambda) resolve there.
  const cwd = process.cwd();
  process.chdir(programDir);
  // As the host, a rejection nobody handles or a throw in a callback fails the program: an
  // error in an apply that feeds a resource's input surfaces only this way, after the stack's
  // outputs resolved, and the resource would silently be missing from the plan. The host owns
  // its process: while the program runs, its failures are its own, so the process's other
  // listeners (a test runner's, which would blame whatever test runs next) are set aside.
  const failures: unknown[] = [];
  const onFailure = (err: unknown) => void failures.push(err);
  const FAILURE_EVENTS = ["unhandledRejection", "uncaughtException"] as const;
  const setAside = FAILURE_EVENTS.map((event) => ({ event, listeners: process.rawListeners(event) as ((...args: unknown[]) => void)[] }));
  for (const event of FAILURE_EVENTS) {
    process.removeAllListeners(event);
    process.on(event, onFailure);
  }
  let outputs: unknown;
  let thrown: { error: unknown } | undefined;
  try {
    try {
      outputs = await pulumi.runtime.runInPulumiStack(async () => {
        // Registered inside the stack: the root stack resource must exist first.
        pulumi.runtime.registerStackTransformation(recordParent);
        return loadAndRun(entry, note);
      });
      // Apply callbacks still pending run before this returns: still in the program's directory.
      await pulumi.runtime.disconnect();
    } catch (error) {
      thrown = { error };
    }
    // Rejections are reported on the turns of the event loop after they happen. After a failure
    // the program's other promises often reject with it: they are the program's too, and must not
    // reach whoever runs the program next in this process.
    for (let turn = 0; turn < 3 && (thrown || !failures.length); turn++) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.chdir(cwd);
    for (const { event, listeners } of setAside) {
      process.off(event, onFailure);
      for (const listener of listeners) process.on(event, listener);
    }
  }
  if (thrown) throw thrown.error;
  if (failures.length) throw failures[0];
  const resources = mocks.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
  return {
    project,
    stack: opts.stack,
    region,
    firstPreview,
    resources,
    parents,
    outputs: (outputs ?? {}) as Record<string, unknown>,
    engine: recorder.resources,
    unansweredInvokes: mocks.unansweredInvokes,
    notes,
  };
}
