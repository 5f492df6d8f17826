/** Forbidden expensive resource types, with a per-stack allow-list. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { withDefaults, stringList, matchesPattern, asObject } from "./common";

export interface ForbiddenResourceTypesConfig {
  forbiddenTypes: string[];
  allowedTypes: string[];
}

export const FORBIDDEN_DEFAULTS: ForbiddenResourceTypesConfig = {
  forbiddenTypes: [
    "aws:ec2/natGateway:NatGateway",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:alb/loadBalancer:LoadBalancer",
    "aws:elb/loadBalancer:LoadBalancer",
    "awsx:lb:ApplicationLoadBalancer",
    "awsx:lb:NetworkLoadBalancer",
    "aws:ec2/eip:Eip",
    // The ElastiCache types that bill; subnet and parameter groups, users and user groups are free.
    "aws:elasticache/cluster:Cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:elasticache/serverlessCache:ServerlessCache",
    "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup",
    "aws:rds/cluster:Cluster",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:route53/zone:Zone",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
    "aws:directconnect/*",
  ],
  allowedTypes: [],
};

const WHY: Record<string, string> = {
  "aws:ec2/natGateway:NatGateway": "$32.85/month each plus $0.045/GB: use public subnets, VPC endpoints or IPv6 egress",
  "aws:ec2/eip:Eip": "$3.65/month each, idle or in use",
  "aws:route53/zone:Zone": "$0.50/month per zone plus queries",
};

/** awsx:ec2:Vpc creates NAT gateways (one per AZ) unless its natGateways strategy is None. */
function awsxNatGateways(props: Record<string, unknown>): string | undefined {
  const strategy = asObject(props.natGateways).strategy as string | undefined;
  if (strategy === "None") return undefined;
  const specs = Array.isArray(props.subnetSpecs) ? (props.subnetSpecs as { type?: string }[]).map((s) => String(s.type).toLowerCase()) : [];
  if (strategy === undefined && specs.length > 0 && !(specs.includes("private") && specs.includes("public"))) return undefined;
  return strategy ?? "OnePerAz (the awsx default)";
}

export const forbiddenResourceTypes: ResourceValidationPolicy = {
  name: "forbidden-resource-types",
  description: "Expensive resource types (NAT gateways, load balancers, Elastic IPs, ElastiCache, Aurora/RDS clusters, Route 53 zones, VPC peering, Direct Connect) need the stack's explicit allowance.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      forbiddenTypes: stringList("Type tokens (or patterns such as aws:elasticache/*) that are forbidden", FORBIDDEN_DEFAULTS.forbiddenTypes),
      allowedTypes: stringList("Type tokens this stack may use even though they are forbidden", FORBIDDEN_DEFAULTS.allowedTypes),
    },
  },
  validateResource: (args, report) => {
    const cfg = withDefaults(FORBIDDEN_DEFAULTS, args.getConfig<Partial<ForbiddenResourceTypesConfig>>());
    const allowed = (type: string) => cfg.allowedTypes.some((p) => matchesPattern(type, p));
    if (args.type === "awsx:ec2:Vpc") {
      const strategy = awsxNatGateways(args.props);
      if (strategy && !allowed("aws:ec2/natGateway:NatGateway")) {
        report(`awsx:ec2:Vpc "${args.name}" creates NAT gateways (natGateways strategy ${strategy}; $32.85/month each plus $0.045/GB). Set natGateways: { strategy: "None" } and use public subnets, or add aws:ec2/natGateway:NatGateway to allowedTypes.`);
      }
      return;
    }
    if (!cfg.forbiddenTypes.some((p) => matchesPattern(args.type, p)) || allowed(args.type)) return;
    const why = WHY[args.type] ? ` (${WHY[args.type]})` : "";
    report(`${args.type} "${args.name}" is a forbidden expensive resource type${why}. Remove it, or add "${args.type}" to this stack's forbidden-resource-types allowedTypes.`);
  },
};
