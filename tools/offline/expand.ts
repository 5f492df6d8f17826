/**
 * Remote components (awsx, eks, aws-apigateway) are one resource under the mocks, with no
 * children; a real preview sees what they create. This expands them by rule, from their inputs,
 * into the children the engine would register (expandRules.ts): engine-shaped URNs under the
 * component (parent types chained), the inputs the component would pass, unknown where a first
 * preview would not know them (ids, ARNs of resources being created), property dependencies, the
 * default AWS provider. The policy runner and the estimator both see the expanded set, and the
 * plan marks every expanded resource as such.
 *
 * A component whose deciding inputs are unknown at preview (e.g. its NAT strategy) is not
 * expanded: the estimator then prices it from its own inputs, and the plan says why.
 */
import { MOCK_ACCOUNT } from "./mocks";
import { arnAndId, shortHash } from "./arns";
import { defaultProviderName, engineUrn, knownValues, UNKNOWN, type EngineResource, type Wire, type WireMap } from "./engine";
import { declaredAwsProperties, EXPANSION_RULES } from "./expandRules";

export interface ExpandOptions {
  stack: string;
  project: string;
  region: string;
  /** Stack config (`ns:key` → string): the default AWS provider's inputs. */
  config: Record<string, string>;
  /** Resolve as a first preview does (computed outputs unknown). */
  firstPreview: boolean;
}

export interface ExpandedInfo {
  /** Name and URN of the component the resource was expanded from. */
  component: string;
  componentUrn: string;
}

export interface Expansion {
  /** Every resource, with each component's expanded children right after it (registration order). */
  engine: EngineResource[];
  /** URN of every expanded resource → where it came from. */
  expanded: Map<string, ExpandedInfo>;
  /** Components that could not be expanded, and why. */
  notes: string[];
}

/** Registers expanded children the way the engine would have recorded them. */
export class ChildBuilder {
  readonly added: EngineResource[] = [];
  private providerUrn?: string;

  constructor(
    private readonly opts: ExpandOptions,
    private readonly provider: () => EngineResource,
  ) {}

  get region(): string {
    return this.opts.region;
  }

  /** A component (no provider, no outputs of its own). */
  component(type: string, name: string, parent: EngineResource, inputs: WireMap = {}): EngineResource {
    const r: EngineResource = { urn: engineUrn(this.opts.stack, this.opts.project, parent.urn, type, name), type, name, custom: false, parent: parent.urn, inputs, outputs: {}, dependencies: [], propertyDependencies: {} };
    this.added.push(r);
    return r;
  }

  /** An AWS resource: auto-named and tagged as the provider plans it; outputs unknown at a first preview. */
  resource(type: string, name: string, parent: EngineResource, given: Record<string, unknown>, deps: Record<string, EngineResource[]> = {}): EngineResource {
    const declared = declaredAwsProperties(type);
    const inputs: WireMap = {};
    for (const [k, v] of Object.entries(given)) if (v !== undefined && v !== null && (!declared || declared.inputs.has(k))) inputs[k] = wire(v);
    if (declared?.inputs.has("name") && inputs.name === undefined) inputs.name = `${name}-${shortHash(name)}`;
    this.providerUrn ??= this.provider().urn;
    const urn = engineUrn(this.opts.stack, this.opts.project, parent.urn, type, name);
    const outputs: WireMap = { ...inputs };
    if (declared?.outputs.has("tagsAll")) outputs.tagsAll = this.tagsAll(inputs.tags);
    if (this.opts.firstPreview) {
      for (const key of declared?.outputs ?? []) if (!(key in outputs)) outputs[key] = UNKNOWN;
      outputs.id = UNKNOWN;
    } else {
      const physical = String(inputs.name ?? name);
      const computed = arnAndId({ type, name, physical, inputs: knownValues(inputs) as Record<string, unknown>, region: this.opts.region, account: MOCK_ACCOUNT });
      for (const [k, v] of Object.entries(computed.state)) if (outputs[k] === undefined && (!declared || declared.outputs.has(k))) outputs[k] = v as Wire;
      outputs.id = computed.id;
    }
    const propertyDependencies: Record<string, string[]> = {};
    for (const [k, rs] of Object.entries(deps)) if (rs.length) propertyDependencies[k] = rs.map((d) => d.urn);
    const dependencies = [...new Set([parent, ...Object.values(deps).flat()].filter((d) => d.custom).map((d) => d.urn))];
    const r: EngineResource = { urn, type, name, custom: true, parent: parent.urn, provider: this.providerUrn, inputs, outputs, dependencies, propertyDependencies };
    this.added.push(r);
    return r;
  }

  /** The provider's default tags under the resource's own; unknown when any is. */
  private tagsAll(tags: Wire | undefined): Wire {
    if (tags === UNKNOWN || (tags && typeof tags === "object" && Object.values(tags).includes(UNKNOWN))) return UNKNOWN;
    let defaults: Record<string, Wire> = {};
    const given = this.provider().inputs.defaultTags;
    try {
      // An explicit provider's nested inputs arrive as JSON text, like the stack config's.
      const parsed = (typeof given === "string" ? JSON.parse(given) : given ?? {}) as { tags?: Record<string, Wire> };
      defaults = parsed.tags ?? {};
    } catch {
      // a malformed defaultTags is the provider's problem, reported where it is configured
    }
    return { ...defaults, ...(tags && typeof tags === "object" && !Array.isArray(tags) ? tags : {}) };
  }
}

/** A value as the engine marshals it: undefined properties dropped (null in arrays). */
function wire(v: unknown): Wire {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(wire);
  if (typeof v !== "object") return v as Wire;
  const out: WireMap = {};
  for (const [k, e] of Object.entries(v)) if (e !== undefined) out[k] = wire(e);
  return out;
}

export function expandComponents(engine: EngineResource[], opts: ExpandOptions): Expansion {
  const expanded = new Map<string, ExpandedInfo>();
  const notes: string[] = [];
  const out: EngineResource[] = [];
  const urns = new Set(engine.map((r) => r.urn));
  const parents = new Set(engine.map((r) => r.parent).filter(Boolean));
  let defaultProvider = engine.find((r) => r.type === "pulumi:providers:aws" && r.name.startsWith("default") && !r.parent);
  const provider = (): EngineResource => {
    if (!defaultProvider) {
      // The engine registers the default provider just before its first user.
      const version = (require("@pulumi/aws/package.json") as { version: string }).version;
      const inputs: WireMap = { version };
      for (const [k, v] of Object.entries(opts.config)) if (k.startsWith("aws:")) inputs[k.slice(4)] = v;
      defaultProvider = { urn: engineUrn(opts.stack, opts.project, undefined, "pulumi:providers:aws", defaultProviderName(version)), type: "pulumi:providers:aws", name: defaultProviderName(version), custom: true, inputs, outputs: { ...inputs }, dependencies: [], propertyDependencies: {} };
      out.push(defaultProvider);
    }
    return defaultProvider;
  };
  const byUrn = new Map(engine.map((r) => [r.urn, r]));
  /**
   * The AWS provider a remote component's children use: its own `providers`, else the nearest
   * component parent's (the engine merges a parent's providers map into a remote component's),
   * else the default provider.
   */
  const awsProviderOf = (component: EngineResource): (() => EngineResource) => {
    for (let r: EngineResource | undefined = component; r; r = r.parent ? byUrn.get(r.parent) : undefined) {
      const urn = r.providers?.aws;
      const p = urn ? byUrn.get(urn) : undefined;
      if (p) return () => p;
    }
    return provider;
  };
  for (const r of engine) {
    out.push(r);
    const rule = EXPANSION_RULES[r.type];
    // A component with children of its own (a real engine's record) needs no rule.
    if (!rule || parents.has(r.urn)) continue;
    const builder = new ChildBuilder(opts, awsProviderOf(r));
    const why = rule(builder, r);
    if (typeof why === "string") {
      notes.push(`${r.name} (${r.type}) was not expanded: ${why}; priced from its own inputs`);
      continue;
    }
    for (const child of builder.added) {
      if (urns.has(child.urn)) continue;
      out.push(child);
      expanded.set(child.urn, { component: r.name, componentUrn: r.urn });
    }
  }
  return { engine: out, expanded, notes };
}

/**
 * The expanded resources as nodes of the plan's tree: keyed by URN, under their parent (an
 * expanded resource's URN, or the program resource's `type::name` key the tree uses).
 */
export function expandedTreeNodes(engine: EngineResource[], expanded: Map<string, ExpandedInfo>): { key: string; type: string; name: string; parentKey: string }[] {
  const keyOf = (urn: string) => {
    if (expanded.has(urn)) return urn;
    const parts = urn.split("::");
    return `${(parts[2] ?? "").split("$").pop()}::${parts.slice(3).join("::")}`;
  };
  return engine.filter((r) => expanded.has(r.urn)).map((r) => ({ key: r.urn, type: r.type, name: `${r.name}  (expanded by rule)`, parentKey: keyOf(r.parent ?? "") }));
}
