/**
 * What the Pulumi engine hands the policy analyzer, rebuilt from what a program registers under
 * mocks (pulumi/pulumi 3.248: pkg/resource/deploy/step_generator.go, deployment.go generateURN,
 * sdk/go/common/resource/plugin/analyzer_plugin.go and rpc.go):
 *
 * - URNs chain every parent's type (`outer$inner$aws:sns/topic:Topic`), except the root stack's;
 *   the SDK's MockMonitor keeps only the nearest parent's, so `EngineRecorder` replaces its newUrn.
 * - Properties are marshalled with KeepUnknowns and KeepSecrets: an unknown is the sentinel string,
 *   a secret the `{sig, value}` envelope wherever the program put it; internal `__` keys are
 *   skipped; a resource reference is downgraded to its id (unknown while the id is) or, for a
 *   component, its URN.
 * - Analyze sees the inputs after the provider's Check, which fills in auto-names; AnalyzeStack
 *   sees the outputs.
 * - Resources that name no provider use the engine's default provider for their package, named
 *   `default_<version>`, whose inputs are the package's stack config (strings) plus `version`.
 */
import type { PlannedResource } from "./mocks";

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const STACK_TYPE = "pulumi:pulumi:Stack";

export type Wire = null | boolean | number | string | Wire[] | { [k: string]: Wire };
export type WireMap = { [k: string]: Wire };

/** A resource as the engine describes it to the analyzer. */
export interface EngineResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  /** Parent URN: the root stack for top-level resources; none for the root stack and default providers. */
  parent?: string;
  /** URN of the provider resource (explicit or default), for custom resources and remote components. */
  provider?: string;
  /** A component's providers by package (its own and inherited), which its children use: what a remote component's children get. */
  providers?: Record<string, string>;
  /** What Analyze and Remediate receive: the checked inputs, in wire form. */
  inputs: WireMap;
  /** What AnalyzeStack receives: the outputs, in wire form. */
  outputs: WireMap;
  /** URNs of the resources it depends on, and per input property (AnalyzeStack passes both). */
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
}

/** The properties a generated resource class declares: its inputs and its output-only properties. */
export interface DeclaredProperties {
  inputs: Set<string>;
  outputs: Set<string>;
}

const declaredCache = new Map<string, DeclaredProperties | undefined>();

/**
 * Reads the properties a generated SDK class declares from its constructor: `resourceInputs["x"] =
 * args?.x` for inputs and `resourceInputs["x"] = undefined /*out*\/` for output-only properties
 * (pulumi-aws and awsx are generated this way). Undefined for hand-written classes.
 */
export function declaredProperties(type: string, ctor: unknown): DeclaredProperties | undefined {
  if (declaredCache.has(type)) return declaredCache.get(type);
  let found: DeclaredProperties | undefined;
  if (typeof ctor === "function") {
    const source = Function.prototype.toString.call(ctor);
    const outputs = new Set([...source.matchAll(/resourceInputs\["(\w+)"\] = undefined \/\*out\*\//g)].map((m) => m[1]!));
    const inputs = new Set([...source.matchAll(/resourceInputs\["(\w+)"\] = args(?:\?\.| \? args\.)(\w+)/g)].map((m) => m[1]!));
    if (outputs.size || inputs.size) found = { inputs, outputs };
  }
  declaredCache.set(type, found);
  return found;
}

/** URN the engine gives a resource (generateURN): the parent's qualified type chained, but not the root stack's. */
export function engineUrn(stack: string, project: string, parentUrn: string | undefined, type: string, name: string): string {
  const parentType = parentUrn ? (parentUrn.split("::")[2] ?? "") : "";
  const qualified = parentType && parentType !== STACK_TYPE ? `${parentType}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** `urn::id` provider reference → the provider's URN. */
export function providerUrnOfReference(reference: string): string {
  const at = reference.lastIndexOf("::");
  return at > 0 ? reference.slice(0, at) : reference;
}

/** The SDK's wire form → what the engine marshals for the analyzer (SkipInternalKeys, no resource references). */
export function toAnalyzerWire(value: unknown, skipInternalKeys = true): Wire {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map((e) => toAnalyzerWire(e, skipInternalKeys));
  if (typeof value !== "object") return value as Wire;
  const obj = value as Record<string, unknown>;
  if (obj[SIG_KEY] === RESOURCE_SIG) {
    // A CustomResource carries its id (unknown at preview); a component has none: its URN.
    if (typeof obj.id === "string") return obj.id === "" ? UNKNOWN : obj.id;
    return String(obj.urn);
  }
  const out: { [k: string]: Wire } = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || (skipInternalKeys && k.startsWith("__"))) continue;
    out[k] = toAnalyzerWire(v, skipInternalKeys);
  }
  return out;
}

export function isUnknownWire(v: unknown): boolean {
  return v === UNKNOWN;
}

/** Does a wire value hold an unknown anywhere? */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

/**
 * A wire value as a reader sees it in `pulumi preview --json`: secrets as "[secret]", unknowns as the
 * sentinel the engine serializes, assets and archives by what they hold (not their content).
 */
export function displayWire(v: Wire): Wire {
  if (Array.isArray(v)) return v.map(displayWire);
  if (!v || typeof v !== "object") return v;
  const sig = v[SIG_KEY];
  if (sig === SECRET_SIG) return "[secret]";
  if (sig === ASSET_SIG) return { asset: typeof v.path === "string" ? v.path : typeof v.uri === "string" ? v.uri : `${String(v.text ?? "").length} bytes of text` };
  if (sig === ARCHIVE_SIG) return { archive: v.assets && typeof v.assets === "object" ? Object.keys(v.assets) : String(v.path ?? v.uri ?? "") };
  const out: { [k: string]: Wire } = {};
  for (const [k, e] of Object.entries(v)) out[k] = displayWire(e);
  return out;
}

/**
 * A wire value as plain data for the estimator, the way stack-cost-cap reads props: secrets
 * unwrapped, unknown values undefined, assets as they are.
 */
export function knownValues(v: Wire): unknown {
  if (v === UNKNOWN) return undefined;
  if (Array.isArray(v)) return v.map(knownValues);
  if (!v || typeof v !== "object") return v;
  if (v[SIG_KEY] === SECRET_SIG) return knownValues(v.value ?? null);
  const out: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(v)) out[k] = knownValues(e);
  return out;
}

/** The engine's name for the default provider of a package at a version (providers.DefaultName). */
export function defaultProviderName(version: string): string {
  if (!version) return "default";
  const [core, ...rest] = version.split(/(?=[-+])/);
  const [maj, min, pat] = (core ?? "").split(".");
  const suffix = rest.map((s) => s.slice(1).split(".").join("_")).join("_");
  return `default_${maj ?? 0}_${min ?? 0}_${pat ?? 0}${suffix ? `_${suffix}` : ""}`;
}

export interface RecorderOptions {
  project: string;
  stack: string;
  /** Stack config as the engine passes it (`ns:key` → string). */
  config: Record<string, string>;
  /** Resolve outputs as a first preview does (computed outputs unknown). */
  firstPreview: boolean;
  /** Properties the generated class of a registered resource declares, by `type::name`. */
  declared: Map<string, DeclaredProperties | undefined>;
  /** What the mocks recorded (the same registrations, as the program's mocks saw them). */
  planned: PlannedResource[];
}

type Callback = (err: Error | null, resp?: { getUrn(): string; getId(): string; getObject(): { toJavaScript(): WireMap } | undefined }) => void;
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getRemote(): boolean;
  getProvider(): string;
  getVersion(): string;
  getObject(): { toJavaScript(): WireMap } | undefined;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(f: (v: { getUrnsList(): string[] }, k: string) => void): void };
  getProvidersMap?(): { forEach(f: (ref: string, pkg: string) => void): void };
}
interface MockMonitorLike {
  newUrn(parent: string, type: string, name: string): string;
  registerResource(req: RegisterRequest, callback: Callback): Promise<void>;
  registerResourceOutputs(req: { getUrn(): string; getOutputs(): { toJavaScript(): WireMap } | undefined }, callback: (err: Error | null, resp?: unknown) => void): void;
}

/**
 * Listens to the SDK's MockMonitor (the program's side of the engine) and keeps, for every
 * registration, what the engine would hand the analyzer.
 */
export class EngineRecorder {
  readonly resources: EngineResource[] = [];
  private readonly byUrn = new Map<string, EngineResource>();
  private readonly defaults = new Map<string, EngineResource>();
  private readonly remote = new Set<EngineResource>();

  constructor(private readonly opts: RecorderOptions) {}

  attach(monitor: MockMonitorLike): void {
    const { stack, project } = this.opts;
    monitor.newUrn = (parent, type, name) => engineUrn(stack, project, parent || undefined, type, name);
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      const before = this.opts.planned.length;
      const entry = this.begin(req);
      // MockMonitor calls the mocks synchronously, before its first await: this is their record.
      const done = register(req, (err, resp) => {
        if (!err && resp) this.finish(entry, req, resp.getId(), resp.getObject()?.toJavaScript() ?? {});
        callback(err, resp);
      });
      const planned = this.opts.planned[before];
      if (planned && planned.type === entry.type && planned.name === entry.name) {
        planned.urn = entry.urn;
        planned.parentUrn = entry.parent;
      }
      return done;
    };
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, callback) => {
      const r = this.byUrn.get(req.getUrn());
      // A component's outputs are what it registers at the end; the root stack's are the stack outputs.
      if (r && !r.custom) r.outputs = toAnalyzerWire(req.getOutputs()?.toJavaScript() ?? {}) as WireMap;
      return registerOutputs(req, callback);
    };
  }

  private begin(req: RegisterRequest): EngineResource {
    const type = req.getType();
    const name = req.getName();
    const parent = req.getParent() || undefined;
    const custom = req.getCustom();
    const entry: EngineResource = {
      urn: engineUrn(this.opts.stack, this.opts.project, parent, type, name),
      type,
      name,
      custom,
      parent,
      inputs: toAnalyzerWire(req.getObject()?.toJavaScript() ?? {}) as WireMap,
      outputs: {},
      dependencies: [...new Set(req.getDependenciesList())],
      propertyDependencies: {},
    };
    req.getPropertydependenciesMap().forEach((v, k) => {
      const urns = v.getUrnsList();
      if (urns.length) entry.propertyDependencies[k] = [...new Set(urns)];
    });
    const isProvider = type.startsWith("pulumi:providers:");
    if ((custom && !isProvider) || req.getRemote()) {
      entry.provider = req.getProvider() ? providerUrnOfReference(req.getProvider()) : this.defaultProvider(type.split(":")[0]!, req.getVersion()).urn;
    }
    if (!custom) {
      const providers: Record<string, string> = {};
      req.getProvidersMap?.().forEach((ref, pkg) => (providers[pkg] = providerUrnOfReference(ref)));
      if (Object.keys(providers).length) entry.providers = providers;
    }
    if (req.getRemote()) this.remote.add(entry);
    this.resources.push(entry);
    this.byUrn.set(entry.urn, entry);
    return entry;
  }

  private finish(entry: EngineResource, req: RegisterRequest, id: string, state: WireMap): void {
    const declared = this.opts.declared.get(`${entry.type}::${entry.name}`);
    const given = req.getObject()?.toJavaScript() ?? {};
    // Check fills in the auto-name: the mock computed it into the state.
    for (const key of ["name", "bucket"]) {
      if (given[key] === undefined && typeof state[key] === "string" && declared?.inputs.has(key)) entry.inputs[key] = state[key];
    }
    const outputs = toAnalyzerWire(state) as WireMap;
    if (!entry.custom) {
      // A remote component (awsx) previews with the outputs its provider cannot know yet unknown.
      if (this.remote.has(entry) && this.opts.firstPreview) for (const key of declared?.outputs ?? []) if (!(key in outputs)) outputs[key] = UNKNOWN;
      if (!Object.keys(entry.outputs).length) entry.outputs = outputs;
      return;
    }
    if (entry.type.startsWith("pulumi:providers:")) {
      entry.outputs = outputs;
      return;
    }
    if (this.opts.firstPreview) {
      // A create previews as its inputs plus every output-only property unknown (tf-bridge);
      // what the mocks computed at plan time (auto-names, tagsAll) stays known.
      for (const key of declared?.outputs ?? []) if (!(key in outputs)) outputs[key] = UNKNOWN;
    }
    outputs.id = id === "" ? UNKNOWN : id;
    entry.outputs = outputs;
  }

  private defaultProvider(pkg: string, version: string): EngineResource {
    const name = defaultProviderName(version);
    const urn = engineUrn(this.opts.stack, this.opts.project, undefined, `pulumi:providers:${pkg}`, name);
    let p = this.defaults.get(urn);
    if (!p) {
      const inputs: WireMap = {};
      for (const [k, v] of Object.entries(this.opts.config)) if (k.startsWith(`${pkg}:`)) inputs[k.slice(pkg.length + 1)] = v;
      if (version) inputs.version = version;
      p = { urn, type: `pulumi:providers:${pkg}`, name, custom: true, inputs, outputs: { ...inputs }, dependencies: [], propertyDependencies: {} };
      this.defaults.set(urn, p);
      // The engine registers a default provider just before its first user.
      this.resources.push(p);
      this.byUrn.set(urn, p);
    }
    return p;
  }
}
