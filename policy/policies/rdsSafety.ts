/** RDS: not public, encrypted, backups ≥ 7 days, no multi-AZ in dev. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { environmentConfig, environmentOf, stringList, withDefaults } from "./common";

export interface RdsSafetyConfig {
  environment?: string;
  minBackupRetentionDays: number;
  noMultiAzEnvironments: string[];
}

export const RDS_DEFAULTS: RdsSafetyConfig = { minBackupRetentionDays: 7, noMultiAzEnvironments: ["dev"] };
const INSTANCE = "aws:rds/instance:Instance";
const CLUSTER = "aws:rds/cluster:Cluster";
const CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance";

export const rdsSafety: ResourceValidationPolicy = {
  name: "rds-safety",
  description: "RDS instances and clusters are not publicly accessible, are encrypted, keep backups at least 7 days, and are not multi-AZ in dev.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      environment: environmentConfig,
      minBackupRetentionDays: { type: "integer", default: RDS_DEFAULTS.minBackupRetentionDays, description: "Minimum backupRetentionPeriod, days" },
      noMultiAzEnvironments: stringList("Environments where multi-AZ is not allowed (it doubles the price)", RDS_DEFAULTS.noMultiAzEnvironments),
    },
  },
  validateResource: (args, report) => {
    if (![INSTANCE, CLUSTER, CLUSTER_INSTANCE].includes(args.type)) return;
    const cfg = withDefaults(RDS_DEFAULTS, args.getConfig<Partial<RdsSafetyConfig>>());
    const p = args.props;
    const what = `${args.type} "${args.name}"`;
    if (args.type !== CLUSTER && p.publiclyAccessible === true) report(`${what} is publicly accessible: set publiclyAccessible: false and reach it from inside the VPC (or through SSM port forwarding).`);
    if (args.type === CLUSTER_INSTANCE) return; // encryption, backups and AZs are the cluster's
    if (p.storageEncrypted !== true) report(`${what} is not encrypted: set storageEncrypted: true (encryption cannot be added after creation).`);
    const backup = (p.backupRetentionPeriod as number | undefined) ?? 1; // RDS's default is 1 day
    if (backup < cfg.minBackupRetentionDays) report(`${what} keeps backups ${backup} day(s): set backupRetentionPeriod to at least ${cfg.minBackupRetentionDays}.`);
    const env = environmentOf(p, args.provider, cfg.environment);
    const multiAz = p.multiAz === true || (args.type === CLUSTER && Array.isArray(p.availabilityZones) && p.availabilityZones.length > 1 && p.dbClusterInstanceClass);
    if (multiAz && env !== undefined && cfg.noMultiAzEnvironments.includes(env)) report(`${what} is multi-AZ in ${env}, which doubles its price: set multiAz: false outside production.`);
  },
};
