/** S3 buckets block public access and declare their encryption. */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { asObject, withDefaults } from "./common";

export interface S3BucketSecurityConfig {
  requireEncryptionConfiguration: boolean;
}
export const S3_DEFAULTS: S3BucketSecurityConfig = { requireEncryptionConfiguration: true };

const BUCKETS = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const BLOCK_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

function bucketNames(r: PolicyResource): string[] {
  return [r.props.bucket, r.props.id, r.name].filter((v): v is string => typeof v === "string");
}

export const s3BucketSecurity: StackValidationPolicy = {
  name: "s3-bucket-security",
  description: "Every S3 bucket has a public access block with all four settings on, and a server-side encryption configuration.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      requireEncryptionConfiguration: { type: "boolean", default: S3_DEFAULTS.requireEncryptionConfiguration, description: "Require an explicit encryption configuration (S3 applies SSE-S3 by default since 2023)" },
    },
  },
  validateStack: (args, report) => {
    const cfg = withDefaults(S3_DEFAULTS, args.getConfig<Partial<S3BucketSecurityConfig>>());
    const accountBlock = args.resources.some((r) => r.type === "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock" && BLOCK_FLAGS.every((f) => r.props[f] === true));
    const blocked = new Set<string>();
    const partial = new Map<string, string[]>();
    const encrypted = new Set<string>();
    for (const r of args.resources) {
      if (r.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") {
        const off = BLOCK_FLAGS.filter((f) => r.props[f] !== true);
        if (off.length) partial.set(String(r.props.bucket), off);
        else blocked.add(String(r.props.bucket));
      }
      if (/^aws:s3\/bucketServerSideEncryptionConfiguration(V2)?:/.test(r.type)) encrypted.add(String(r.props.bucket));
    }
    for (const b of args.resources.filter((r) => BUCKETS.includes(r.type))) {
      const names = bucketNames(b);
      if (!accountBlock && !names.some((n) => blocked.has(n))) {
        const off = names.map((n) => partial.get(n)).find(Boolean);
        report(
          off
            ? `S3 bucket "${b.name}" has a public access block with ${off.join(", ")} off: turn all four on.`
            : `S3 bucket "${b.name}" has no public access block: add an aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets true.`,
          b.urn,
        );
      }
      const inline = Object.keys(asObject(b.props.serverSideEncryptionConfiguration)).length > 0;
      if (cfg.requireEncryptionConfiguration && !inline && !names.some((n) => encrypted.has(n))) {
        report(`S3 bucket "${b.name}" declares no encryption: add an aws.s3.BucketServerSideEncryptionConfiguration (SSE-S3 "AES256" is free; aws:kms adds request costs).`, b.urn);
      }
    }
  },
};
