/** Small helpers to run one rule over a few resources through the engine-mirroring runner. */
import type { Policies, PolicyProviderResource } from "@pulumi/policy";
import { runPolicies, type PackConfigFile, type PolicyRunResult, type RunnerResource } from "../../tools/offline/policyRunner";

export const TAGS = { Environment: "dev", Project: "demo", ManagedBy: "costguard", Stack: "dev" };

export function res(type: string, name: string, inputs: Record<string, unknown> = {}, extra: Partial<RunnerResource> = {}): RunnerResource {
  return { type, name, inputs, ...extra };
}

export function provider(defaultTags: Record<string, string>, region = "us-east-1"): PolicyProviderResource {
  return { type: "pulumi:providers:aws", name: "aws", urn: "urn:pulumi:dev::demo::pulumi:providers:aws::aws", props: { region, defaultTags: JSON.stringify({ tags: defaultTags }) } };
}

export async function run(policy: Policies[number], resources: RunnerResource[], config: PackConfigFile = {}): Promise<PolicyRunResult> {
  return runPolicies(resources, { policies: [policy], config });
}

/** The messages of a run's violations (what a user reads). */
export async function violations(policy: Policies[number], resources: RunnerResource[], config: PackConfigFile = {}): Promise<string[]> {
  return (await run(policy, resources, config)).violations.map((v) => v.message);
}
