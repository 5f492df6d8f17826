/**
 * DebugAccess: how people get onto instances the guard launches. SSM Session
 * Manager through an instance profile with AmazonSSMManagedInstanceCore (no open port, no
 * key pair, every session logged by SSM); SSH only outside production, when a CIDR is
 * configured. Production has no SSH at all, as the prod policy pack (ssm-instead-of-ssh-in-prod)
 * requires: refused by config validation, and again here.
 *
 * The spot optimizer and the node optimizer launch instances with `instanceProfileName` (and
 * `securityGroupId` when SSH is on).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountScope } from "./iam";
import { transformed, type Transform } from "./transform";

/** AWS-managed policy that lets the SSM agent register the instance for Session Manager (its ARN in the stack's partition). */
export const SSM_MANAGED_INSTANCE_CORE = "AmazonSSMManagedInstanceCore";

export interface DebugAccessArgs {
  /** Stack name, used in names. */
  stack: string;
  /** True in production: SSH is refused (SSM Session Manager only). */
  isProduction: boolean;
  /** CIDR allowed SSH (port 22); no SSH security group when unset. */
  sshAllowedCidr?: string;
  /** VPC of the SSH security group (default: the account's default VPC). */
  vpcId?: pulumi.Input<string>;
  transform?: DebugAccessTransform;
}

export interface DebugAccessTransform {
  role?: Transform<aws.iam.RoleArgs>;
  rolePolicyAttachment?: Transform<aws.iam.RolePolicyAttachmentArgs>;
  instanceProfile?: Transform<aws.iam.InstanceProfileArgs>;
  /** The SSH security group (when `sshAllowedCidr` is set). */
  securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
}

export class DebugAccess extends pulumi.ComponentResource {
  public readonly role: aws.iam.Role;
  public readonly instanceProfile: aws.iam.InstanceProfile;
  public readonly instanceProfileName: pulumi.Output<string>;
  public readonly instanceProfileArn: pulumi.Output<string>;
  /** Security group allowing SSH from `sshAllowedCidr`, when it is set. */
  public readonly sshSecurityGroup?: aws.ec2.SecurityGroup;
  public readonly sshSecurityGroupId?: pulumi.Output<string>;

  constructor(name: string, args: DebugAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:debug:DebugAccess", name, {}, opts);
    const parent = { parent: this };
    if (args.sshAllowedCidr && args.isProduction) {
      throw new Error(`DebugAccess: SSH (from ${args.sshAllowedCidr}) is refused in prod, as the prod policy pack refuses port 22: use SSM Session Manager`);
    }

    const t = args.transform;
    this.role = new aws.iam.Role(
      ...transformed(t?.role, `${name}-role`, {
        description: `costguard ${args.stack}: instances reachable through SSM Session Manager`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      }, parent),
    );
    const policyArn = pulumi.interpolate`arn:${accountScope(this).partition}:iam::aws:policy/${SSM_MANAGED_INSTANCE_CORE}`;
    new aws.iam.RolePolicyAttachment(...transformed(t?.rolePolicyAttachment, `${name}-ssm-core`, { role: this.role.name, policyArn }, parent));
    this.instanceProfile = new aws.iam.InstanceProfile(...transformed(t?.instanceProfile, `${name}-profile`, { name: `costguard-${args.stack}-debug`, role: this.role.name }, parent));
    this.instanceProfileName = this.instanceProfile.name;
    this.instanceProfileArn = this.instanceProfile.arn;

    if (args.sshAllowedCidr) {
      this.sshSecurityGroup = new aws.ec2.SecurityGroup(
        ...transformed(t?.securityGroup, `${name}-ssh`, {
          description: `costguard ${args.stack}: SSH from ${args.sshAllowedCidr} only`,
          vpcId: args.vpcId,
          ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [args.sshAllowedCidr], description: "SSH from the configured CIDR" }],
          egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "outbound (SSM agent, updates)" }],
        }, parent),
      );
      this.sshSecurityGroupId = this.sshSecurityGroup.id;
    }
    this.registerOutputs({ instanceProfileName: this.instanceProfileName, instanceProfileArn: this.instanceProfileArn, sshSecurityGroupId: this.sshSecurityGroupId });
  }
}
