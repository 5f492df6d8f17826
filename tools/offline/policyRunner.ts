/**
 * Runs a CrossGuard pack's rules over planned resources the way the Pulumi engine does, for
 * tests and the offline plan (the SDK exports no runner):
 *
 * - config: the pack config file (`{ "<policy>": level | { enforcementLevel, ...props } }`,
 *   `"all"` sets every level) merged over each policy's configSchema defaults;
 * - per resource: remediations of policies at level `remediate` run first and their result
 *   replaces the inputs; then every enabled resource validation sees the (remediated) inputs
 *   wrapped with `unknownCheckingProxy`; a violation at `remediate` is reported as mandatory;
 * - then stack validations see every resource's outputs (state), also proxied;
 * - `args.notApplicable()` throws, and is caught and recorded; reading an unknown value throws
 *   `UnknownValueError`, reported as an advisory "can't run during preview", as the engine does.
 */
import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import type { EnforcementLevel, Policies, PolicyProviderResource, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { loadPolicyConfig, parsePolicyConfigFile, type PackConfigFile } from "./policyConfig";

export type { PackConfigFile } from "./policyConfig";

export interface RunnerResource {
  type: string;
  name: string;
  urn?: string;
  /** Inputs, as the engine's Analyze call sees them. */
  inputs: Record<string, unknown>;
  /** Outputs, as AnalyzeStack sees them (defaults to the inputs). */
  state?: Record<string, unknown>;
  provider?: PolicyProviderResource;
  /** `type::name` of the parent resource, when it has one (components). */
  parent?: string;
}

export interface Violation {
  policy: string;
  level: EnforcementLevel;
  message: string;
  /** `type::name` of the resource, when the violation is about one. */
  resource?: string;
  urn?: string;
}

export interface PolicyOutcome {
  name: string;
  description: string;
  level: EnforcementLevel;
  violations: Violation[];
}

export interface PolicyRunResult {
  outcomes: PolicyOutcome[];
  violations: Violation[];
  remediations: { policy: string; resource: string; changed: string[] }[];
  notApplicable: { policy: string; resource?: string; reason?: string }[];
  mandatoryViolations: number;
}

class NotApplicableError extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? "Policy does not apply");
  }
}
const notApplicable = (reason?: string): never => {
  throw new NotApplicableError(reason);
};

/**
 * Reads a policy config file with the engine's rules (policyConfig.ts): an invalid level, a
 * value of the wrong shape and, given the pack's policies, an unknown policy or setting or a
 * wrong type throw a PolicyConfigError naming the file and the key.
 */
export function readPackConfig(file: string, policies?: Policies): PackConfigFile {
  return policies ? loadPolicyConfig(file, policies) : parsePolicyConfigFile(file);
}

/** Level and config of a policy: file over schema defaults (`all` sets the level of every policy). */
export function effectivePolicyConfig(policy: Policies[number], file: PackConfigFile, packLevel: EnforcementLevel = "advisory"): { level: EnforcementLevel; config: Record<string, unknown> } {
  const defaults: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
    if (schema && typeof schema === "object" && "default" in schema) defaults[key] = structuredClone((schema as { default: unknown }).default);
  }
  const entry = file[policy.name];
  const all = typeof file.all === "string" ? file.all : (file.all as { enforcementLevel?: EnforcementLevel } | undefined)?.enforcementLevel;
  const given = typeof entry === "string" ? { enforcementLevel: entry } : (entry ?? {});
  const { enforcementLevel, ...props } = given as { enforcementLevel?: EnforcementLevel } & Record<string, unknown>;
  return { level: enforcementLevel ?? all ?? policy.enforcementLevel ?? packLevel, config: { ...defaults, ...props } };
}

const isStackPolicy = (p: Policies[number]): p is StackValidationPolicy => typeof (p as StackValidationPolicy).validateStack === "function";
const keyOf = (r: RunnerResource) => `${r.type}::${r.name}`;

function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

/** A plain copy of remediated props (they may come back as proxies of the inputs). */
function plainCopy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export async function runPolicies(resources: RunnerResource[], opts: { policies: Policies; config?: PackConfigFile; stack?: string; project?: string }): Promise<PolicyRunResult> {
  const file = opts.config ?? {};
  const stack = opts.stack ?? "dev";
  const project = opts.project ?? "project";
  const settings = new Map(opts.policies.map((p) => [p.name, effectivePolicyConfig(p, file)]));
  const outcomes: PolicyOutcome[] = opts.policies.map((p) => ({ name: p.name, description: p.description, level: settings.get(p.name)!.level, violations: [] }));
  const outcomeOf = new Map(outcomes.map((o) => [o.name, o]));
  const result: PolicyRunResult = { outcomes, violations: [], remediations: [], notApplicable: [], mandatoryViolations: 0 };
  const urnOf = (r: RunnerResource) => r.urn ?? `urn:pulumi:${stack}::${project}::${r.type}::${r.name}`;

  const reporter = (policy: Policies[number], level: EnforcementLevel, resource?: RunnerResource) => (message: string, urn?: string) => {
    const v: Violation = { policy: policy.name, level, message, resource: resource ? keyOf(resource) : undefined, urn: urn ?? (resource ? urnOf(resource) : undefined) };
    outcomeOf.get(policy.name)!.violations.push(v);
    result.violations.push(v);
  };
  const handle = (policy: Policies[number], resource: RunnerResource | undefined, e: unknown) => {
    if (e instanceof NotApplicableError) result.notApplicable.push({ policy: policy.name, resource: resource && keyOf(resource), reason: e.reason });
    else if (e instanceof UnknownValueError) reporter(policy, "advisory", resource)(`can't run policy '${policy.name}' during preview: ${(e as Error).message}`);
    else throw new Error(`policy '${policy.name}' failed on ${resource ? keyOf(resource) : "the stack"}: ${(e as Error).stack ?? String(e)}`);
  };

  const finalInputs = new Map<RunnerResource, Record<string, unknown>>();
  for (const r of resources) {
    if (r.type.startsWith("pulumi:providers:") || r.type === "pulumi:pulumi:Stack") continue;
    const base = {
      type: r.type,
      urn: urnOf(r),
      name: r.name,
      opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
      provider: r.provider,
      stackTags: new Map<string, string>(),
      isType: () => false,
      asType: () => undefined,
      notApplicable,
    };
    // Remediations first, each seeing the previous one's result.
    let inputs = r.inputs;
    for (const p of opts.policies) {
      const { level, config } = settings.get(p.name)!;
      const remediate = (p as ResourceValidationPolicy).remediateResource;
      if (level !== "remediate" || isStackPolicy(p) || !remediate) continue;
      try {
        const out = await remediate({ ...base, props: unknownCheckingProxy(inputs), getConfig: <T extends object>() => config as T });
        if (out) {
          const next = plainCopy(out) as Record<string, unknown>;
          const changed = changedKeys(inputs, next);
          if (changed.length) result.remediations.push({ policy: p.name, resource: keyOf(r), changed });
          inputs = next;
        }
      } catch (e) {
        handle(p, r, e);
      }
    }
    finalInputs.set(r, inputs);
    for (const p of opts.policies) {
      const { level, config } = settings.get(p.name)!;
      if (level === "disabled" || isStackPolicy(p)) continue;
      const validations = (p as ResourceValidationPolicy).validateResource;
      for (const validate of Array.isArray(validations) ? validations : validations ? [validations] : []) {
        try {
          await validate({ ...base, props: unknownCheckingProxy(inputs), getConfig: <T extends object>() => config as T }, reporter(p, level === "remediate" ? "mandatory" : level, r));
        } catch (e) {
          handle(p, r, e);
        }
      }
    }
  }

  // Stack validations over outputs (with what remediation changed).
  const stackResources: PolicyResource[] = resources.map((r) => {
    const remediated = finalInputs.get(r);
    const props = unknownCheckingProxy({ ...(r.state ?? r.inputs), ...(remediated && remediated !== r.inputs ? remediated : {}) });
    return { type: r.type, name: r.name, urn: urnOf(r), props, provider: r.provider, opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] }, dependencies: [], propertyDependencies: {}, isType: () => false, asType: () => undefined };
  });
  // Parents as resource objects, as the engine links them.
  const byKey = new Map(resources.map((r, i) => [keyOf(r), stackResources[i]!]));
  resources.forEach((r, i) => {
    const parent = r.parent ? byKey.get(r.parent) : undefined;
    if (parent) stackResources[i]!.parent = parent;
  });
  for (const p of opts.policies) {
    const { level, config } = settings.get(p.name)!;
    if (level === "disabled" || !isStackPolicy(p)) continue;
    try {
      await p.validateStack({ resources: stackResources, stackTags: new Map(), getConfig: <T extends object>() => config as T, notApplicable }, reporter(p, level === "remediate" ? "mandatory" : level));
    } catch (e) {
      handle(p, undefined, e);
    }
  }
  result.mandatoryViolations = result.violations.filter((v) => v.level === "mandatory").length;
  return result;
}
