/**
 * Checks on the stack's config keys as a whole, beyond the `costguard:` schema: a key in no
 * known namespace (`costgaurd:failsafe`) or an unknown `aws:` key is a typo that would be
 * silently ignored, so it is reported with the closest known key; `aws:region` must be a real
 * AWS region, and one the pricing catalog has prices for (else a warning says what follows).
 * Pure: no @pulumi imports.
 */
import { REGIONS as CATALOG_REGIONS } from "../runtime/pricing/data/sources";
import { editDistance } from "../runtime/shared/editDistance";

/**
 * AWS regions the AWS provider knows (@pulumi/aws `Region`; a test keeps this list in step).
 * A static list so that validation needs no network and no provider plugin.
 */
export const AWS_REGIONS = [
  "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
  "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
  "ca-central-1", "ca-west-1", "cn-north-1", "cn-northwest-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1",
  "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
  "us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2",
] as const;

/** The AWS provider's config keys (@pulumi/aws config/vars; a test keeps this list in step). */
export const AWS_PROVIDER_KEYS = [
  "accessKey", "allowedAccountIds", "assumeRoleWithWebIdentity", "assumeRoles", "customCaBundle", "defaultTags",
  "ec2MetadataServiceEndpoint", "ec2MetadataServiceEndpointMode", "endpoints", "forbiddenAccountIds", "httpProxy", "httpsProxy",
  "ignoreTags", "insecure", "maxRetries", "noProxy", "profile", "region", "retryMode", "s3UsEast1RegionalEndpoint", "s3UsePathStyle",
  "secretKey", "sharedConfigFiles", "sharedCredentialsFiles", "skipCredentialsValidation", "skipMetadataApiCheck",
  "skipRegionValidation", "skipRequestingAccountId", "stsRegion", "tagPolicyCompliance", "token", "tokenBucketRateLimiterCapacity",
  "useDualstackEndpoint", "useFipsEndpoint", "userAgents",
] as const;

/** Namespaces whose keys are read by someone: the engine, or a provider this program may use. */
export const OTHER_NAMESPACES = ["pulumi", "aws", "awsx", "kubernetes", "eks", "docker", "docker-build", "random", "tls", "command"] as const;

/** Edit distance ignoring letter case, for "did you mean". */
const distance = (a: string, b: string): number => editDistance(a.toLowerCase(), b.toLowerCase());

/** The closest of `known` to `given`, when it is close enough to be a typo. */
export function closest(given: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(given, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(given.length / 3)) ? best : undefined;
}

export interface KeyCheck {
  problems: string[];
  warnings: string[];
}

/**
 * Checks every stack config key (`ns:key` → value as Pulumi passes it). `projectKeys` are the
 * project namespace's known keys (for suggestions); `region` falls back to the environment the
 * AWS provider also reads (AWS_REGION, AWS_DEFAULT_REGION).
 */
export function checkStackConfigKeys(all: Record<string, string>, opts: { project: string; projectKeys: readonly string[]; envRegion?: string }): KeyCheck {
  const problems: string[] = [];
  const warnings: string[] = [];
  const known = [...opts.projectKeys.map((k) => `${opts.project}:${k}`), ...AWS_PROVIDER_KEYS.map((k) => `aws:${k}`)];
  for (const key of Object.keys(all)) {
    const at = key.indexOf(":");
    const ns = at < 0 ? "" : key.slice(0, at);
    const name = key.slice(at + 1);
    if (ns === opts.project) continue; // the schema reports unknown keys of its own namespace
    if (ns === "aws") {
      if (!(AWS_PROVIDER_KEYS as readonly string[]).includes(name)) {
        const near = closest(key, known);
        problems.push(`${key} is not an AWS provider setting${near ? `: did you mean ${near}?` : ""} (known: see the @pulumi/aws provider's configuration reference)`);
      }
      continue;
    }
    if ((OTHER_NAMESPACES as readonly string[]).includes(ns)) continue;
    const near = closest(key, known) ?? closest(ns, [opts.project, ...OTHER_NAMESPACES]);
    problems.push(
      `${key} is in namespace "${ns}", which nothing reads${near ? `: did you mean ${near.includes(":") ? near : `${near}:${name}`}?` : ""} (known namespaces: ${opts.project}, ${OTHER_NAMESPACES.join(", ")})`,
    );
  }

  const region = all["aws:region"] ?? opts.envRegion;
  if (region === undefined || region === "") {
    problems.push("aws:region is not set: run `pulumi config set aws:region <region>` (e.g. us-east-1), the region costguard deploys into");
  } else if (!(AWS_REGIONS as readonly string[]).includes(region)) {
    const near = closest(region, AWS_REGIONS);
    problems.push(`aws:region must be an AWS region such as us-east-1 (got "${region}")${near ? `: did you mean ${near}?` : ""}`);
  } else if (!(CATALOG_REGIONS as readonly string[]).includes(region)) {
    warnings.push(
      `aws:region ${region} is an AWS region the pricing catalog has no prices for (it has ${CATALOG_REGIONS.join(", ")}): burn rates and estimates use us-east-1 list prices there, refreshed for EC2 from the Price List API at run time; set thresholds with that margin in mind`,
    );
  }
  return { problems, warnings };
}
