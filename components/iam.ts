/**
 * IAM as plain data, shared by every component: the statement shape (tests and the policy pack
 * read it), the condition helpers the destructive roles are built from, and the account scope
 * every ARN is written in. ARNs take their partition from the provider (aws, aws-cn,
 * aws-us-gov), never a literal `arn:aws:`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TAGS } from "../runtime/contract";

/** One IAM statement, as plain data so tests and the policy pack can read it. */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: pulumi.Input<string> | pulumi.Input<string>[];
  Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

export type Conditions = Record<string, Record<string, string | string[]>>;

/** Partition, region and account of the stack's provider: what every ARN is written in. */
export interface AccountScope {
  partition: pulumi.Input<string>;
  region: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
}

/** The scope of `parent`'s provider (invokes inherit the parent's provider). */
export function accountScope(parent: pulumi.Resource): { partition: pulumi.Output<string>; region: pulumi.Output<string>; accountId: pulumi.Output<string> } {
  const opts = { parent };
  return {
    partition: aws.getPartitionOutput({}, opts).partition,
    region: aws.getRegionOutput({}, opts).region,
    accountId: aws.getCallerIdentityOutput({}, opts).accountId,
  };
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>` of this account and region. */
export function arn(scope: AccountScope, service: string, resource: string): pulumi.Output<string> {
  return pulumi.interpolate`arn:${scope.partition}:${service}:${scope.region}:${scope.accountId}:${resource}`;
}

export const resourceTag = (key: string) => `aws:ResourceTag/${key}`;

/** Merges condition blocks: IAM ANDs every key of every operator. */
export function all(...blocks: Conditions[]): Conditions {
  const out: Conditions = {};
  for (const block of blocks) for (const [op, keys] of Object.entries(block)) out[op] = { ...out[op], ...keys };
  return out;
}

/** Only these tag keys, and at least one (DeleteTags without keys would remove every tag). */
export function onlyTagKeys(...keys: string[]): Conditions {
  return { "ForAllValues:StringEquals": { "aws:TagKeys": keys }, Null: { "aws:TagKeys": "false" } };
}

/** The resource carries the tag (any value). */
export const carrying = (tag: string): Conditions => ({ Null: { [resourceTag(tag)]: "false" } });

/**
 * The explicit Deny every costguard role that changes instances or groups carries: nothing
 * tagged costguard:protect=true (in any letter case: IAM compares the value ignoring case, and
 * the key always does) is changed, whatever an Allow says.
 */
export function neverTouchProtected(actions: string[], sid = "NeverTouchProtectedResources"): PolicyStatement {
  return { Sid: sid, Effect: "Deny", Action: actions, Resource: "*", Condition: { StringEqualsIgnoreCase: { [resourceTag(TAGS.protect)]: "true" } } };
}
