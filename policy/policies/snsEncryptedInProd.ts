/** SNS topics are encrypted in production. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { environmentConfig, environmentOf, stringList, withDefaults } from "./common";

export interface SnsEncryptedConfig {
  environment?: string;
  productionEnvironments: string[];
}
export const SNS_DEFAULTS: SnsEncryptedConfig = { productionEnvironments: ["prod", "production"] };

export const snsEncryptedInProd: ResourceValidationPolicy = {
  name: "sns-encrypted-in-prod",
  description: "SNS topics in production are encrypted with a KMS key (customer-managed if CloudWatch or Budgets publish to them).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      environment: environmentConfig,
      productionEnvironments: stringList("Environments that count as production", SNS_DEFAULTS.productionEnvironments),
    },
  },
  validateResource: (args, report) => {
    if (args.type !== "aws:sns/topic:Topic") return;
    const cfg = withDefaults(SNS_DEFAULTS, args.getConfig<Partial<SnsEncryptedConfig>>());
    const env = environmentOf(args.props, args.provider, cfg.environment);
    if (env === undefined || !cfg.productionEnvironments.includes(env)) return;
    if (!args.props.kmsMasterKeyId) {
      report(`SNS topic "${args.name}" in ${env} is not encrypted: set kmsMasterKeyId to a customer-managed KMS key whose policy lets the publishing services use it (the AWS-managed aws/sns key blocks CloudWatch and Budgets).`);
    }
  },
};
