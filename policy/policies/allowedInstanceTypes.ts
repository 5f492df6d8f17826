/**
 * Instance, node and class allow-lists per environment: EC2 instances, launch
 * templates, Auto Scaling groups (mixed-instances overrides), EKS node groups, RDS instances
 * and clusters, ElastiCache. Lists take patterns such as `t4g.*`.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asObject, environmentConfig, environmentOf, matchesPattern, withDefaults, type Props } from "./common";

export interface AllowList {
  /** EC2 instance types (instances, launch templates, ASGs, node groups). */
  instances: string[];
  /** RDS instance classes. */
  databases: string[];
  /** ElastiCache node types. */
  caches: string[];
}

export interface AllowedInstanceTypesConfig {
  environment?: string;
  /** Environment used when a resource has no Environment tag and no `environment` is configured. */
  defaultEnvironment: string;
  allowed: Record<string, AllowList>;
}

export const ALLOWED_TYPES_DEFAULTS: AllowedInstanceTypesConfig = {
  defaultEnvironment: "dev",
  allowed: {
    dev: {
      instances: ["t3.nano", "t3.micro", "t3.small", "t3.medium", "t4g.nano", "t4g.micro", "t4g.small", "t4g.medium"],
      databases: ["db.t3.micro", "db.t3.small", "db.t4g.micro", "db.t4g.small"],
      caches: ["cache.t3.micro", "cache.t4g.micro"],
    },
    staging: {
      instances: ["t3.*", "t4g.*", "m6i.large", "m7g.large", "c6i.large", "c7g.large"],
      databases: ["db.t3.*", "db.t4g.*"],
      caches: ["cache.t3.*", "cache.t4g.*"],
    },
    prod: {
      instances: ["t3.*", "t4g.*", "m5.*", "m6i.*", "m7g.*", "c5.*", "c6i.*", "c7g.*", "r5.*", "r6i.*", "r7g.*"],
      databases: ["db.t3.*", "db.t4g.*", "db.m5.*", "db.m6g.*", "db.m6i.*", "db.r5.*", "db.r6g.*"],
      caches: ["cache.t3.*", "cache.t4g.*", "cache.m6g.*", "cache.r6g.*"],
    },
  },
};

/** What a resource asks for: [kind, value, where]. */
function requested(type: string, p: Props): [keyof AllowList, string, string][] {
  const out: [keyof AllowList, string, string][] = [];
  const add = (kind: keyof AllowList, v: unknown, where: string) => {
    if (typeof v === "string" && v) out.push([kind, v, where]);
  };
  switch (type) {
    case "aws:ec2/instance:Instance":
    case "aws:ec2/launchTemplate:LaunchTemplate":
      add("instances", p.instanceType, "instanceType");
      break;
    case "aws:autoscaling/group:Group":
      for (const o of asArray(asObject(asObject(p.mixedInstancesPolicy).launchTemplate).overrides)) add("instances", asObject(o).instanceType, "mixedInstancesPolicy override");
      break;
    case "aws:eks/nodeGroup:NodeGroup":
      for (const t of asArray(p.instanceTypes)) add("instances", t, "instanceTypes");
      break;
    case "eks:index:Cluster":
      add("instances", p.instanceType, "instanceType");
      break;
    case "aws:rds/instance:Instance":
    case "aws:rds/clusterInstance:ClusterInstance":
      add("databases", p.instanceClass, "instanceClass");
      break;
    case "aws:rds/cluster:Cluster":
      add("databases", p.dbClusterInstanceClass, "dbClusterInstanceClass");
      break;
    case "aws:elasticache/cluster:Cluster":
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      add("caches", p.nodeType, "nodeType");
      break;
  }
  return out;
}

export const allowedInstanceTypes: ResourceValidationPolicy = {
  name: "allowed-instance-types",
  description: "EC2 instance types, node types and RDS/ElastiCache classes must be on the allow-list of the resource's environment.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      environment: environmentConfig,
      defaultEnvironment: { type: "string", default: ALLOWED_TYPES_DEFAULTS.defaultEnvironment, description: "Environment assumed when nothing says (the strictest list by default)" },
      allowed: { type: "object", default: ALLOWED_TYPES_DEFAULTS.allowed, description: "Per environment: { instances, databases, caches } lists of types or patterns" },
    },
  },
  validateResource: (args, report) => {
    const wanted = requested(args.type, args.props);
    if (!wanted.length) return;
    const cfg = withDefaults(ALLOWED_TYPES_DEFAULTS, args.getConfig<Partial<AllowedInstanceTypesConfig>>());
    const env = environmentOf(args.props, args.provider, cfg.environment) ?? cfg.defaultEnvironment;
    const list = cfg.allowed[env];
    if (!list) {
      report(`${args.type} "${args.name}" is in environment "${env}", which has no allow-list: add one under allowed-instance-types.allowed.${env}.`);
      return;
    }
    for (const [kind, value, where] of wanted) {
      const patterns = list[kind] ?? [];
      if (!patterns.some((pattern) => matchesPattern(value, pattern))) {
        report(`${args.type} "${args.name}" uses ${value} (${where}), not allowed in ${env}: use one of ${patterns.join(", ") || "(none)"}, or extend allowed-instance-types.allowed.${env}.${kind}.`);
      }
    }
  },
};
