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

/** Placeholder for `secure:` values, which cannot be decrypted without the stack's secrets provider. */
export const OFFLINE_SECRET_PLACEHOLDER = "https://offline-plan.invalid/secret";

export function resourceKey(type: string, name: string): string {
  return `${type}::${name}`;
}

/** Reads Pulumi.<stack>.yaml and converts values the way the engine passes them (strings, JSON). */
export function loadStackConfig(programDir: string, stack: string): { project: string; values: Record<string, string>; secretKeys: string[] } {
  const projectFile = path.join(programDir, "Pulumi.yaml");
  if (!fs.existsSync(projectFile)) throw new Error(`no Pulumi.yaml in ${programDir}: --program must name a Pulumi project directory`);
  const project = (yaml.load(fs.readFileSync(projectFile, "utf8")) as { name: string }).name;
  const stackFile = path.join(programDir, `Pulumi.${stack}.yaml`);
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  if (!fs.existsSync(stackFile)) {
    const known = fs.readdirSync(programDir).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5));
    throw new Error(`no stack config ${path.basename(stackFile)} in ${programDir} (stacks here: ${known.join(", ") || "none"})`);
  }
  const doc = (yaml.load(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> } | null) ?? {};
  for (const [rawKey, value] of Object.entries(doc.config ?? {})) {
    const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
    if (value && typeof value === "object" && "secure" in (value as object)) {
      values[key] = OFFLINE_SECRET_PLACEHOLDER;
      secretKeys.push(key);
    } else {
      values[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
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
