/**
 * MemberAccess: the role every member account of the organisation holds for costguard's hub,
 * rolled out by a CloudFormation StackSet in service-managed mode. Automatic deployment covers
 * an account that joins a target OU without anyone running anything, and removes the role from
 * an account that leaves.
 *
 * The role grants in the member account what the hub's functions hold in their own account
 * today, built by the same statement builders (failsafeStatements, wasteScannerStatements,
 * enforcerStatements) so the tag conditions and the protect Deny are the very same; only the
 * hub's own tables are left out. It trusts only the hub functions' roles, and only with the
 * external id and from inside the organisation (sts:ExternalId, aws:PrincipalOrgID).
 *
 * Service-managed StackSets never deploy to the management account: a hub running there reads
 * its own account with its own credentials (runtime/shared/units.ts does).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "./iam";
import { transformed, type Transform } from "./transform";

export interface MemberAccessTransform {
  stackSet?: Transform<aws.cloudformation.StackSetArgs>;
  /** One per deployment target (`<name>-<target id>`). */
  instance?: Transform<aws.cloudformation.StackSetInstanceArgs>;
}

export interface MemberAccessArgs {
  stack: string;
  /** The member role's name (every account gets the same). */
  roleName: string;
  /** sts:ExternalId the hub's functions must give. */
  externalId: pulumi.Input<string>;
  /** o-…: only principals of this organisation may assume the role. */
  organizationId: pulumi.Input<string>;
  /** The organisation root (r-…) or OUs (ou-…) the StackSet deploys to. */
  deploymentTargets: string[];
  /** SELF from the management account, DELEGATED_ADMIN from a delegated StackSets administrator. */
  callAs: "SELF" | "DELEGATED_ADMIN";
  /** The region the role's stack instances are created in (IAM is global: one region is enough). */
  region: pulumi.Input<string>;
  /** The hub functions' roles the member role trusts, and nothing else. */
  trustedRoleArns: pulumi.Input<string>[];
  /** One inline policy per capability: its statements over the member account (see memberStatements). */
  policies: Record<string, PolicyStatement[]>;
  transform?: MemberAccessTransform;
}

/** The member account and any region, as the statement builders take an account scope. */
export const MEMBER_SCOPE = (partition: pulumi.Input<string>) => ({ partition, region: "*", accountId: "${AWS::AccountId}" });

/**
 * A hub capability's statements made fit for the member role: its own tables' statements go
 * (they name hub resources), ARNs naming the member account become `Fn::Sub` (CloudFormation
 * fills in the account), and a `kms:ViaService` of `ec2.*.amazonaws.com` (every region: the
 * role is global) is compared with StringLike, which is what matches a wildcard.
 */
export function memberStatements(statements: PolicyStatement[]): PolicyStatement[] {
  return statements
    .filter((s) => !(Array.isArray(s.Action) ? s.Action : [s.Action]).every((a) => a.startsWith("dynamodb:")))
    .map((s) => {
      const viaService = s.Condition?.StringEquals?.["kms:ViaService"];
      if (viaService === undefined) return s;
      const { ["kms:ViaService"]: _, ...rest } = s.Condition!.StringEquals!;
      const condition: NonNullable<PolicyStatement["Condition"]> = { ...s.Condition, StringLike: { ...s.Condition!.StringLike, "kms:ViaService": viaService } };
      if (Object.keys(rest).length) condition.StringEquals = rest;
      else delete condition.StringEquals;
      return { ...s, Condition: condition };
    });
}

/** `${AWS::…}` in a string needs Fn::Sub in a CloudFormation template; other strings stay. */
function subIfNeeded(value: unknown): unknown {
  if (typeof value === "string") return value.includes("${AWS::") ? { "Fn::Sub": value } : value;
  if (Array.isArray(value)) return value.map(subIfNeeded);
  return value;
}

/** The StackSet's template: the role, its trust and one inline policy per capability. */
export function memberRoleTemplate(opts: { roleName: string; externalId: string; organizationId: string; trustedRoleArns: string[]; policies: Record<string, unknown[]> }): object {
  const policies = Object.entries(opts.policies)
    .filter(([, statements]) => statements.length)
    .map(([name, statements]) => ({
      PolicyName: `costguard-${name}`,
      PolicyDocument: {
        Version: "2012-10-17",
        Statement: statements.map((s) => ({ ...(s as object), Resource: subIfNeeded((s as { Resource: unknown }).Resource) })),
      },
    }));
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: "costguard member role: inventory reads and the hub's tag-conditioned stop/tag permissions in this account",
    Resources: {
      MemberRole: {
        Type: "AWS::IAM::Role",
        Properties: {
          RoleName: opts.roleName,
          Description: "costguard: assumed by the hub's functions (external id, same organisation)",
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "HubFunctionsOnly",
                Effect: "Allow",
                Principal: { AWS: [...opts.trustedRoleArns].sort() },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "sts:ExternalId": opts.externalId, "aws:PrincipalOrgID": opts.organizationId } },
              },
            ],
          },
          Policies: policies,
          Tags: [{ Key: "ManagedBy", Value: "costguard" }],
        },
      },
    },
    Outputs: { MemberRoleArn: { Value: { "Fn::GetAtt": ["MemberRole", "Arn"] } } },
  };
}

/**
 * A StackSet in service-managed mode with automatic deployment: an account that joins a target
 * OU gets the stacks without anyone running anything, and loses them when it leaves.
 */
export function serviceManagedStackSet(
  resourceName: string,
  args: Pick<aws.cloudformation.StackSetArgs, "name" | "description" | "callAs" | "capabilities" | "templateBody">,
  transform: Transform<aws.cloudformation.StackSetArgs> | undefined,
  parent: pulumi.Resource,
): aws.cloudformation.StackSet {
  return new aws.cloudformation.StackSet(
    ...transformed(
      transform,
      resourceName,
      {
        ...args,
        permissionModel: "SERVICE_MANAGED",
        autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
        // Accounts are independent: one failing account does not stop the others.
        operationPreferences: { failureTolerancePercentage: 100, maxConcurrentPercentage: 100, regionConcurrencyType: "PARALLEL" },
      },
      // AWS fills in the service-linked administration role of a service-managed StackSet with
      // automatic deployment; providers before the fix read it back as drift on every preview
      // (hashicorp/terraform-provider-aws#23464).
      { parent, ignoreChanges: ["administrationRoleArn"] },
    ),
  );
}

export class MemberAccess extends pulumi.ComponentResource {
  public readonly stackSet: aws.cloudformation.StackSet;
  public readonly instances: aws.cloudformation.StackSetInstance[];
  public readonly stackSetName: pulumi.Output<string>;

  constructor(name: string, args: MemberAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:organization:MemberAccess", name, {}, opts);
    if (!args.trustedRoleArns.length) throw new Error("MemberAccess: trustedRoleArns is empty: the member role must trust the hub's function roles");
    const templateBody = pulumi
      .all([args.externalId, args.organizationId, pulumi.all(args.trustedRoleArns), pulumi.output(args.policies)])
      .apply(([externalId, organizationId, trustedRoleArns, policies]) =>
        JSON.stringify(memberRoleTemplate({ roleName: args.roleName, externalId, organizationId, trustedRoleArns, policies: policies as Record<string, unknown[]> })),
      );
    this.stackSet = serviceManagedStackSet(
      `${name}-stackset`,
      { name: `costguard-${args.stack}-member-access`, description: "costguard: the member role of every account in the target OUs", callAs: args.callAs, capabilities: ["CAPABILITY_NAMED_IAM"], templateBody },
      args.transform?.stackSet,
      this,
    );
    this.stackSetName = this.stackSet.name;
    this.instances = args.deploymentTargets.map(
      (target) =>
        new aws.cloudformation.StackSetInstance(
          ...transformed(
            args.transform?.instance,
            `${name}-${target}`,
            {
              stackSetName: this.stackSet.name,
              callAs: args.callAs,
              deploymentTargets: { organizationalUnitIds: [target] },
              stackSetInstanceRegion: args.region,
              retainStack: false,
              operationPreferences: { failureTolerancePercentage: 100, maxConcurrentPercentage: 100 },
            },
            { parent: this },
          ),
        ),
    );
    this.registerOutputs({ stackSetName: this.stackSetName });
  }
}
