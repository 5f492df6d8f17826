/**
 * MemberSpotForwarding: a member account's spot interruption warnings and rebalance
 * recommendations happen on its own default bus, in the instance's region. A service-managed
 * StackSet (automatic deployment: accounts that join the target OUs are covered without anyone
 * running anything) puts in every covered region of every member account a rule forwarding them
 * to the hub's default bus, which accepts them from the organisation (CrossRegionSpotEvents'
 * bus policy). There the spot events handler reads the instance through the member role and
 * records the interruption against its pool's AZ ID, for every account ("herd immunity").
 *
 * The hub account itself is left out (accountFilterType DIFFERENCE): its other regions forward
 * through CrossRegionSpotEvents, and a rule in its home region would send the bus its own events.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SPOT_EVENT_PATTERN } from "./crossRegionEvents";
import { serviceManagedStackSet } from "./memberAccess";
import { transformed, type Transform } from "./transform";

export interface MemberSpotForwardingArgs {
  stack: string;
  /** The hub's default bus (home region), where the spot events handler's rules listen. */
  hubBusArn: pulumi.Input<string>;
  /** The hub's own account, left out of the StackSet's targets. */
  hubAccountId: pulumi.Input<string>;
  /** Organisation root or OUs to deploy to. */
  deploymentTargets: string[];
  /** Every covered region, the home region included (a member's instances there are elsewhere than the hub's bus). */
  regions: string[];
  callAs: "SELF" | "DELEGATED_ADMIN";
  transform?: { stackSet?: Transform<aws.cloudformation.StackSetArgs>; instance?: Transform<aws.cloudformation.StackSetInstanceArgs> };
}

/**
 * The template each (account, region) gets: the rule, and a role EventBridge assumes to put the
 * events on the hub's bus and nowhere else (a cross-account bus target takes a role). The role
 * name is CloudFormation's (one per region: IAM names are global).
 */
export function memberForwardingTemplate(hubBusArn: string): object {
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: "costguard: spot interruption warnings and rebalance recommendations of this account and region, to the hub's bus",
    Resources: {
      ForwardRole: {
        Type: "AWS::IAM::Role",
        Properties: {
          AssumeRolePolicyDocument: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } } }],
          },
          Policies: [{ PolicyName: "put-on-hub-bus", PolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "events:PutEvents", Resource: hubBusArn }] } }],
        },
      },
      ForwardRule: {
        Type: "AWS::Events::Rule",
        Properties: {
          Description: "costguard: spot events to the hub",
          EventPattern: SPOT_EVENT_PATTERN,
          State: "ENABLED",
          Targets: [{ Id: "costguard-hub", Arn: hubBusArn, RoleArn: { "Fn::GetAtt": ["ForwardRole", "Arn"] } }],
        },
      },
    },
  };
}

export class MemberSpotForwarding extends pulumi.ComponentResource {
  public readonly stackSet: aws.cloudformation.StackSet;
  public readonly instances: aws.cloudformation.StackSetInstance[];

  constructor(name: string, args: MemberSpotForwardingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:organization:MemberSpotForwarding", name, {}, opts);
    this.stackSet = serviceManagedStackSet(
      `${name}-stackset`,
      {
        name: `costguard-${args.stack}-spot-forwarding`,
        description: "costguard: spot events of every account and covered region, to the hub's bus",
        callAs: args.callAs,
        capabilities: ["CAPABILITY_IAM"],
        templateBody: pulumi.output(args.hubBusArn).apply((bus) => JSON.stringify(memberForwardingTemplate(bus))),
      },
      args.transform?.stackSet,
      this,
    );
    this.instances = args.deploymentTargets.flatMap((target) =>
      args.regions.map(
        (region) =>
          new aws.cloudformation.StackSetInstance(
            ...transformed(
              args.transform?.instance,
              `${name}-${target}-${region}`,
              {
                stackSetName: this.stackSet.name,
                callAs: args.callAs,
                deploymentTargets: { organizationalUnitIds: [target], accounts: [args.hubAccountId], accountFilterType: "DIFFERENCE" },
                stackSetInstanceRegion: region,
                retainStack: false,
                operationPreferences: { failureTolerancePercentage: 100, maxConcurrentPercentage: 100 },
              },
              { parent: this },
            ),
          ),
      ),
    );
    this.registerOutputs({ stackSetName: this.stackSet.name });
  }
}
