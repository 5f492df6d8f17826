/**
 * CrossRegionSpotEvents: spot interruption warnings and rebalance recommendations happen in the
 * region of the instance, and EventBridge delivers them only there. In every other covered
 * region a rule (through a provider for that region) forwards them to the home region's default
 * bus, where the spot events handler's rule already matches them (a forwarded event keeps its
 * `region` and `account`). The forwarding role may put events on the home bus and nowhere else.
 *
 * With `organizationId`, the home bus also accepts events from the organisation's accounts
 * (aws:PrincipalOrgID) so that member accounts' forwarding rules can reach it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_ENABLED_REGIONS } from "../runtime/shared/units";
import { accountScope, arn } from "./iam";

/** The EC2 events the spot handler acts on. */
export const SPOT_DETAIL_TYPES = ["EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation"] as const;
export const SPOT_EVENT_PATTERN = { source: ["aws.ec2"], "detail-type": [...SPOT_DETAIL_TYPES] };

/**
 * `regions: "all"` forwards from the regions enabled in every account by default
 * (DEFAULT_ENABLED_REGIONS): a rule cannot be created at preview in a region whose enablement
 * only the account knows; an opt-in region is covered by listing it in `regions`.
 */
export { DEFAULT_ENABLED_REGIONS };

/** The regions other than home to forward from: the list, or the default-enabled ones for "all". */
export function forwardingRegions(regions: "all" | string[] | undefined, homeRegion: string): string[] {
  const covered = regions === undefined ? [] : regions === "all" ? [...DEFAULT_ENABLED_REGIONS] : regions;
  return [...new Set(covered)].filter((r) => r !== homeRegion).sort();
}

export interface CrossRegionSpotEventsArgs {
  /** Regions to forward from (never the home region). */
  regions: string[];
  /** Args of each region's provider, as the stack's own (default tags); the region is set per provider. */
  providerArgs?: Omit<aws.ProviderArgs, "region">;
  /** The organisation whose accounts may put events on the home bus, when in organisation mode. */
  organizationId?: pulumi.Input<string>;
}

export class CrossRegionSpotEvents extends pulumi.ComponentResource {
  public readonly homeBusArn: pulumi.Output<string>;
  public readonly rules: aws.cloudwatch.EventRule[];

  constructor(name: string, args: CrossRegionSpotEventsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:spot:CrossRegionSpotEvents", name, {}, opts);
    const parent = { parent: this };
    const scope = accountScope(this);
    this.homeBusArn = arn(scope, "events", "event-bus/default");
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: "costguard: forwards spot events of other regions to the home bus",
        assumeRolePolicy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": scope.accountId } } }],
        }),
        inlinePolicies: [{ name: "put-on-home-bus", policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "events:PutEvents", Resource: this.homeBusArn }] }) }],
      },
      parent,
    );
    this.rules = args.regions.map((region) => {
      const provider = new aws.Provider(`${name}-${region}`, { ...args.providerArgs, region: region as aws.Region }, parent);
      const inRegion = { parent: this, provider };
      const rule = new aws.cloudwatch.EventRule(`${name}-${region}`, { description: "costguard: spot events of this region, to the home region", eventPattern: JSON.stringify(SPOT_EVENT_PATTERN) }, inRegion);
      new aws.cloudwatch.EventTarget(`${name}-${region}`, { rule: rule.name, arn: this.homeBusArn, roleArn: role.arn }, inRegion);
      return rule;
    });
    if (args.organizationId !== undefined) {
      new aws.cloudwatch.EventBusPolicy(
        name,
        {
          eventBusName: "default",
          policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "OrganisationAccountsForwardSpotEvents",
                Effect: "Allow",
                // Any principal of the organisation, and only of it: accounts join and leave without a change here.
                Principal: { AWS: "*" },
                Action: "events:PutEvents",
                Resource: this.homeBusArn,
                Condition: { StringEquals: { "aws:PrincipalOrgID": args.organizationId } },
              },
            ],
          }),
        },
        parent,
      );
    }
    this.registerOutputs({ homeBusArn: this.homeBusArn });
  }
}
