/**
 * Pulumi mocks that answer like the AWS provider: physical names from auto-naming, ids and ARNs
 * in each service's own format, the outputs of awsx/eks remote components (single resources
 * under mocks), and `tagsAll` merged from the provider's default tags, as the provider computes
 * it at plan time. Every registered resource is recorded for the plan and the tests.
 *
 * Two ways to answer, because a first `pulumi preview` and a deployed stack differ:
 * - by default every output is resolved with a realistic value, as after `pulumi up`, so tests
 *   can read ARNs, URLs and ids from the program's outputs and inputs;
 * - with `firstPreview`, a resource being created resolves only what the provider knows at plan
 *   time (its inputs, its auto-name, `tagsAll`): its id and every other output are left out, and
 *   the SDK itself then makes them unknown in the program, exactly as in a real preview (an
 *   `apply` over them does not run, an interpolation of them is unknown, an invoke given them is
 *   skipped). The offline plan runs this way, so the policy pack sees what it would see on a
 *   first `pulumi preview`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { arnAndId, shortHash } from "./arns";
import { answerInvoke } from "./invokes";
import type { DeclaredProperties } from "./engine";

export const MOCK_ACCOUNT = "123456789012";

export interface PlannedResource {
  type: string;
  name: string;
  /** The URN the engine gives it (parent types chained). */
  urn?: string;
  /** The parent's URN (the root stack's for top-level resources). */
  parentUrn?: string;
  /** Inputs as the mocks receive them (the SDK lifts a nested secret to the top-level property's `{sig, value}`). */
  inputs: Record<string, unknown>;
  /** Inputs plus what the mock computed (ids, ARNs, tagsAll). */
  state: Record<string, unknown>;
  /** Provider reference (`urn::id`), when the resource used an explicit provider. */
  provider?: string;
  /** The id the provider gives it ("" at a first preview, where it is unknown). */
  id?: string;
  custom: boolean;
}

export interface MockOptions {
  /** Resolve only what a first preview knows (see above). */
  firstPreview?: boolean;
  /** The default provider's default tags (`aws:defaultTags` in stack config). */
  defaultTags?: Record<string, string>;
  /** What the generated class of a resource declares, when runProgram could read it. */
  declared?: (type: string, name: string) => DeclaredProperties | undefined;
  /** The program's `pulumi.isUnknown` (unknown inputs are the SDK's own unknown object). */
  isUnknown?: (v: unknown) => boolean;
}

function parseMaybeJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** `urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>::<id>` → `<type>::<name>`. */
function providerKeyOfReference(reference: string): string {
  const parts = reference.split("::");
  const name = parts[parts.length - 2] ?? "";
  const type = (parts[parts.length - 3] ?? "").split("$").pop() ?? "";
  return `${type}::${name}`;
}

/** Types auto-named through `name` when runProgram cannot read the class (mocks used on their own). */
const AUTO_NAMED = /Queue|Topic|Function|Table|Role|LogGroup|Cluster|Repository|Dashboard|Budget|EventRule|Schedule/;

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: PlannedResource[] = [];
  /** Invokes the mocks could not answer: token → number of calls. */
  private readonly unanswered = new Map<string, number>();
  private readonly providerTags = new Map<string, Record<string, string>>();
  private readonly options: MockOptions;

  constructor(
    private readonly region: string,
    options: MockOptions = {},
  ) {
    this.options = options;
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const { type, name } = args;
    const inputs = (args.inputs ?? {}) as Record<string, unknown>;
    const declared = this.options.declared?.(type, name);
    const state: Record<string, unknown> = { ...inputs };
    const autoNamed = (key: string) => inputs[key] === undefined && (declared ? declared.inputs.has(key) : key === "name" && AUTO_NAMED.test(type));
    // Auto-naming happens in the provider's Check, so the name is known even at preview.
    const autoName = `${name}-${shortHash(name)}`;
    if (type.startsWith("aws:") && autoNamed("name")) state.name = autoName;
    if (/^aws:s3\/bucket(V2)?:Bucket(V2)?$/.test(type) && autoNamed("bucket")) state.bucket = autoName;
    const physical = String(typeof state.name === "string" ? state.name : typeof state.bucket === "string" ? state.bucket : autoName);

    if (type.startsWith("pulumi:providers:")) {
      const dt = parseMaybeJson(inputs.defaultTags) as { tags?: Record<string, string> } | undefined;
      // The reference later resources carry is `urn::id`, and at preview the id is unknown: key by type and name.
      if (dt?.tags) this.providerTags.set(`${type}::${name}`, dt.tags);
      this.record(args, inputs, state);
      return { id: this.options.firstPreview ? "" : `${name}-provider-id`, state };
    }

    if (type.startsWith("aws:")) {
      const tagsAll = this.tagsAll(args, inputs, declared);
      if (tagsAll) state.tagsAll = tagsAll;
    }
    if (this.options.firstPreview) {
      // Only what the provider knows when planning a create (see the file comment).
      this.record(args, inputs, state, "");
      return { id: "", state };
    }
    const computed = arnAndId({ type, name, physical, inputs: state, region: this.region, account: MOCK_ACCOUNT });
    for (const [key, value] of Object.entries(computed.state)) {
      // What the program set wins (a topic policy's `arn` input), and a class says what it
      // outputs; a remote component's outputs replace its arguments (an ALB's defaultTargetGroup).
      if (type.startsWith("awsx:") || (state[key] === undefined && (!declared || declared.outputs.has(key) || declared.inputs.has(key)))) state[key] = value;
    }
    this.record(args, inputs, state, computed.id);
    return { id: computed.id, state };
  }

  /** tagsAll as the provider plans it: default tags under the resource's own; unknown if any tag is. */
  private tagsAll(args: pulumi.runtime.MockResourceArgs, inputs: Record<string, unknown>, declared: DeclaredProperties | undefined): Record<string, unknown> | undefined {
    if (declared && !declared.outputs.has("tagsAll")) return undefined;
    const defaults = args.provider ? this.providerTags.get(providerKeyOfReference(args.provider)) : this.options.defaultTags;
    const own = inputs.tags;
    const isUnknown = this.options.isUnknown ?? (() => false);
    if (own !== undefined && (isUnknown(own) || (own && typeof own === "object" && Object.values(own).some(isUnknown)))) return undefined;
    if (!defaults && own === undefined) return declared ? {} : undefined;
    return { ...defaults, ...((own as Record<string, string> | undefined) ?? {}) };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const answer = answerInvoke(args.token, args.inputs ?? {}, { region: this.region, account: MOCK_ACCOUNT });
    if (answer) return answer;
    switch (args.token) {
      // --- EKS (node optimizer): a public-endpoint cluster with access entries enabled ---
      case "aws:eks/getCluster:getCluster": {
        const name = String(args.inputs.name);
        return {
          id: name,
          name,
          arn: `arn:aws:eks:${this.region}:${MOCK_ACCOUNT}:cluster/${name}`,
          endpoint: `https://${shortHash(name).toUpperCase()}0OFFLINE.gr7.${this.region}.eks.amazonaws.com`,
          certificateAuthorities: [{ data: Buffer.from(`-----BEGIN CERTIFICATE-----\noffline-plan CA of ${name}\n-----END CERTIFICATE-----\n`).toString("base64") }],
          accessConfigs: [{ authenticationMode: "API_AND_CONFIG_MAP", bootstrapClusterCreatorAdminPermissions: true }],
          vpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ["0.0.0.0/0"], subnetIds: [], securityGroupIds: [], vpcId: "vpc-offline" },
          version: "1.33",
          status: "ACTIVE",
        };
      }
      default: {
        // Answered with its own arguments, as before; named in the plan's output, because any
        // value the program derives from it is a placeholder.
        const seen = this.unanswered.get(args.token) ?? 0;
        this.unanswered.set(args.token, seen + 1);
        return { ...args.inputs };
      }
    }
  }

  /** The invokes answered only with their own arguments, in the order first seen. */
  get unansweredInvokes(): { token: string; calls: number }[] {
    return [...this.unanswered].map(([token, calls]) => ({ token, calls }));
  }

  private record(args: pulumi.runtime.MockResourceArgs, inputs: Record<string, unknown>, state: Record<string, unknown>, id?: string): void {
    this.resources.push({ type: args.type, name: args.name, inputs, state, provider: args.provider, id, custom: args.custom ?? true });
  }
}
