/**
 * Runs a CrossGuard pack's rules over planned resources exactly as `pulumi preview --policy-pack`
 * does, for tests and the offline plan (the SDK exports no runner). It mirrors the engine
 * (pulumi/pulumi step_generator.go) and @pulumi/policy's analyzer server (server.js):
 *
 * - resources arrive as the engine marshals them (engine.ts): unknowns as the sentinel string,
 *   secrets as `{sig, value}` envelopes, resource references as ids; plain JSON is valid too;
 * - properties are deserialized with @pulumi/policy's own deserializer: secrets unwrapped for
 *   validations, kept (and preserved on writes) for remediations; then wrapped with
 *   `unknownCheckingProxy`, so a rule that reads an unknown value throws `UnknownValueError`;
 * - config: the pack config file (`{ "<policy>": level | { enforcementLevel, ...props } }`,
 *   `"all"` sets every level) merged over each policy's configSchema defaults;
 * - per resource: remediations of policies at level `remediate` run first, each on the previous
 *   one's result, and their serialized result replaces the inputs; one that reads an unknown
 *   value changes nothing and reports "can't run remediation ... during preview" (advisory);
 * - then every enabled resource validation sees the (remediated) inputs; a violation at
 *   `remediate` is reported as mandatory; one that reads an unknown value reports "can't run
 *   policy ... during preview" (advisory) after whatever it reported before the read;
 * - then stack validations see every resource's outputs (with what remediation changed),
 *   linked to their parents; a stack violation keeps the URN the rule gave, if any;
 * - `args.notApplicable()` throws, and is caught and recorded.
 *
 * Messages are the rules' own; the analyzer prefixes each with the rule's description.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import type { EnforcementLevel, Policies, PolicyProviderResource, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { loadPolicyConfig, parsePolicyConfigFile, type PackConfigFile } from "./policyConfig";

export type { PackConfigFile } from "./policyConfig";

// @pulumi/policy's (internal) marshalling, the very functions its analyzer server uses, and the
// protobuf Struct its requests carry (from the google-protobuf it loads).
type Struct = { toJavaScript(): Record<string, unknown> };
const policyWire = require("@pulumi/policy/deserialize") as {
  deserializeProperties(struct: Struct, proxySecrets: boolean): Record<string, unknown>;
  serializeProperties(obj: unknown): Promise<Record<string, unknown>>;
};
const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [path.dirname(require.resolve("@pulumi/policy"))] })) as {
  Struct: { fromJavaScript(v: Record<string, unknown>): Struct };
};
/** A violation reported as an object (the server accepts it, though ReportViolation's type says string). */
type ViolationObject = { message?: string; urn?: string; enforcementLevel?: EnforcementLevel };

export interface RunnerResource {
  type: string;
  name: string;
  urn?: string;
  /** Inputs, as the engine's Analyze call carries them (wire form, see engine.ts). */
  inputs: Record<string, unknown>;
  /** Outputs, as AnalyzeStack carries them (defaults to the inputs). */
  state?: Record<string, unknown>;
  /** The provider resource, its props in wire form (the engine passes the provider's inputs). */
  provider?: PolicyProviderResource;
  /** The parent resource: its URN, or `type::name`. */
  parent?: string;
  /** URNs it depends on, overall and per input property (AnalyzeStack links them to resources). */
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
}

export interface Violation {
  policy: string;
  level: EnforcementLevel;
  message: string;
  /** `type::name` of the resource, when the violation is about one. */
  resource?: string;
  urn?: string;
  /** Which call of the engine produced it. */
  phase: "remediate" | "analyze" | "analyzeStack";
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
  /** Every remediation that returned properties, in order, with the top-level keys it changed. */
  remediations: { policy: string; resource: string; urn: string; changed: string[] }[];
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

/** A value as JSON the protobuf Struct accepts (the gRPC message the engine sends). */
function jsonOnly(v: unknown): unknown {
  if (v === undefined || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((e) => (e === undefined ? null : jsonOnly(e)));
  const out: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(v)) if (e !== undefined) out[k] = jsonOnly(e);
  return out;
}

/** Properties as a policy sees them: deserialized by @pulumi/policy, behind the unknown-checking proxy. */
function policyProps(wire: Record<string, unknown>, forRemediation: boolean): Record<string, unknown> {
  return unknownCheckingProxy(policyWire.deserializeProperties(Struct.fromJavaScript(jsonOnly(wire) as Record<string, unknown>), forRemediation));
}

let defaultPack: { name: string; version: string } | undefined;
/** costguard's pack, named as the analyzer names it in "can't run" messages (`name@v<package.json version>`). */
function costguardPack(): { name: string; version: string } {
  defaultPack ??= { name: "costguard", version: (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "policy", "package.json"), "utf8")) as { version: string }).version };
  return defaultPack;
}

const NO_OPTIONS = { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };
const NO_STACK_TAGS: ReadonlyMap<string, string> = new Map();

export async function runPolicies(
  resources: RunnerResource[],
  opts: { policies: Policies; config?: PackConfigFile; stack?: string; project?: string; pack?: { name: string; version: string } },
): Promise<PolicyRunResult> {
  const file = opts.config ?? {};
  const stack = opts.stack ?? "dev";
  const project = opts.project ?? "project";
  const pack = opts.pack ?? costguardPack();
  const packRef = `'${pack.name}@v${pack.version}'`;
  const settings = new Map(opts.policies.map((p) => [p.name, effectivePolicyConfig(p, file)]));
  const outcomes: PolicyOutcome[] = opts.policies.map((p) => ({ name: p.name, description: p.description, level: settings.get(p.name)!.level, violations: [] }));
  const outcomeOf = new Map(outcomes.map((o) => [o.name, o]));
  const result: PolicyRunResult = { outcomes, violations: [], remediations: [], notApplicable: [], mandatoryViolations: 0 };
  const urnOf = (r: RunnerResource) => r.urn ?? `urn:pulumi:${stack}::${project}::${r.type}::${r.name}`;
  const byKeyOrUrn = new Map<string, RunnerResource>();
  for (const r of resources) byKeyOrUrn.set(keyOf(r), r).set(urnOf(r), r);
  const parentUrnOf = (r: RunnerResource) => (r.parent ? urnOf(byKeyOrUrn.get(r.parent) ?? ({ urn: r.parent } as RunnerResource)) : undefined);
  const providerOf = (r: RunnerResource): PolicyProviderResource | undefined =>
    r.provider && { type: r.provider.type, name: r.provider.name, urn: r.provider.urn, props: policyProps(r.provider.props as Record<string, unknown>, false) };

  const push = (v: Violation) => {
    outcomeOf.get(v.policy)!.violations.push(v);
    result.violations.push(v);
  };
  /** The reportViolation function the server hands a rule. */
  const reporter = (policy: Policies[number], level: EnforcementLevel, phase: Violation["phase"], resource?: RunnerResource) => (message: string | ViolationObject, urn?: string) => {
    // In Analyze the engine always uses the resource's URN; in AnalyzeStack, the one the rule gave.
    const at = (given?: string) => ({ resource: resource ? keyOf(resource) : undefined, urn: resource ? urnOf(resource) : given || undefined });
    if (typeof message === "object") {
      push({ policy: policy.name, level: message.enforcementLevel ?? level, message: message.message ?? policy.description, phase, ...at(message.urn) });
    } else push({ policy: policy.name, level, message, phase, ...at(urn) });
  };
  const handle = (policy: Policies[number], what: "policy" | "remediation", phase: Violation["phase"], resource: RunnerResource | undefined, e: unknown) => {
    if (e instanceof NotApplicableError) result.notApplicable.push({ policy: policy.name, resource: resource && keyOf(resource), reason: e.reason });
    else if (e instanceof UnknownValueError) reporter(policy, "advisory", phase, resource)(`can't run ${what} '${policy.name}' from policy pack ${packRef} during preview: ${(e as Error).message}`);
    else throw new Error(`${what} '${policy.name}' failed on ${resource ? keyOf(resource) : "the stack"}: ${(e as Error).stack ?? String(e)}`);
  };
  const levelOf = (p: Policies[number]) => settings.get(p.name)!.level;
  const configOf = <T extends object>(p: Policies[number]) => () => settings.get(p.name)!.config as T;

  const finalInputs = new Map<RunnerResource, Record<string, unknown>>();
  for (const r of resources) {
    const base = (props: Record<string, unknown>) => {
      const parent = parentUrnOf(r);
      const provider = providerOf(r);
      return {
        type: r.type,
        urn: urnOf(r),
        name: r.name,
        props,
        opts: parent ? { ...NO_OPTIONS, parent } : NO_OPTIONS,
        ...(provider ? { provider } : {}),
        stackTags: NO_STACK_TAGS,
        isType: () => false,
        asType: () => undefined,
        notApplicable,
      };
    };
    // Remediate: every remediation sees the previous one's result; the engine takes each result as the inputs.
    let inputs = r.inputs;
    let props = policyProps(inputs, true);
    for (const p of opts.policies) {
      const remediate = (p as ResourceValidationPolicy).remediateResource;
      if (levelOf(p) !== "remediate" || isStackPolicy(p) || !remediate) continue;
      try {
        const out = await remediate({ ...base(props), getConfig: configOf(p) });
        if (out) {
          props = out;
          const next = await policyWire.serializeProperties(out);
          result.remediations.push({ policy: p.name, resource: keyOf(r), urn: urnOf(r), changed: changedKeys(inputs, next) });
          inputs = next;
        }
      } catch (e) {
        handle(p, "remediation", "remediate", r, e);
      }
    }
    finalInputs.set(r, inputs);
    // Analyze: each validation gets freshly deserialized inputs.
    for (const p of opts.policies) {
      const level = levelOf(p);
      if (level === "disabled" || isStackPolicy(p)) continue;
      const validations = (p as ResourceValidationPolicy).validateResource;
      for (const validate of Array.isArray(validations) ? validations : validations ? [validations] : []) {
        try {
          await validate({ ...base(policyProps(inputs, false)), getConfig: configOf(p) }, reporter(p, level === "remediate" ? "mandatory" : level, "analyze", r));
        } catch (e) {
          handle(p, "policy", "analyze", r, e);
        }
      }
    }
  }

  // AnalyzeStack: every resource's outputs, with what remediation changed.
  for (const p of opts.policies) {
    const level = levelOf(p);
    if (level === "disabled" || !isStackPolicy(p)) continue;
    try {
      // Fresh resources per policy, as the server deserializes them per policy.
      const stackResources: PolicyResource[] = resources.map((r) => {
        const remediated = finalInputs.get(r);
        const outputs = remediated && remediated !== r.inputs ? { ...(r.state ?? r.inputs), ...remediated } : (r.state ?? r.inputs);
        const parent = parentUrnOf(r);
        const provider = providerOf(r);
        return { type: r.type, name: r.name, urn: urnOf(r), props: policyProps(outputs, false), ...(provider ? { provider } : {}), opts: parent ? { ...NO_OPTIONS, parent } : NO_OPTIONS, dependencies: [], propertyDependencies: {}, isType: () => false, asType: () => undefined };
      });
      // Parents and dependencies as resource objects, as the server links them (unknown URNs dropped).
      const byUrn = new Map(stackResources.map((x) => [x.urn, x]));
      const linked = (urns: string[] | undefined) => (urns ?? []).map((u) => byUrn.get(u)).filter((x): x is PolicyResource => !!x);
      resources.forEach((r, i) => {
        const parent = parentUrnOf(r);
        const x = stackResources[i]!;
        if (parent && byUrn.has(parent)) x.parent = byUrn.get(parent);
        x.dependencies = linked(r.dependencies);
        x.propertyDependencies = Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, urns]) => [k, linked(urns)]));
      });
      await p.validateStack({ resources: stackResources, stackTags: NO_STACK_TAGS, getConfig: configOf(p), notApplicable }, reporter(p, level === "remediate" ? "mandatory" : level, "analyzeStack"));
    } catch (e) {
      handle(p, "policy", "analyzeStack", undefined, e);
    }
  }
  result.mandatoryViolations = result.violations.filter((v) => v.level === "mandatory").length;
  return result;
}
