/** Production uses SSM Session Manager, not SSH: no port 22 ingress, no key pairs. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { environmentConfig, environmentOf, stringList, withDefaults } from "./common";
import { coversPort, ingressRules } from "./noOpenAdminPorts";

export interface SsmInsteadOfSshConfig {
  environment?: string;
  productionEnvironments: string[];
}
export const SSM_DEFAULTS: SsmInsteadOfSshConfig = { productionEnvironments: ["prod", "production"] };

export const ssmInsteadOfSshInProd: ResourceValidationPolicy = {
  name: "ssm-instead-of-ssh-in-prod",
  description: "In production, no SSH ingress from anywhere and no EC2 key pairs, and instances have an instance profile so SSM Session Manager reaches them.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      environment: environmentConfig,
      productionEnvironments: stringList("Environments that count as production", SSM_DEFAULTS.productionEnvironments),
    },
  },
  validateResource: (args, report) => {
    const cfg = withDefaults(SSM_DEFAULTS, args.getConfig<Partial<SsmInsteadOfSshConfig>>());
    const env = environmentOf(args.props, args.provider, cfg.environment);
    if (env === undefined || !cfg.productionEnvironments.includes(env)) return;
    for (const r of ingressRules(args.type, args.props)) {
      if (coversPort(r, 22)) report(`${args.type} "${args.name}" ${r.where} allows SSH (port 22) in ${env}: remove it and connect with SSM Session Manager (instance profile with AmazonSSMManagedInstanceCore).`);
    }
    const keyName = args.type === "aws:ec2/instance:Instance" || args.type === "aws:ec2/launchTemplate:LaunchTemplate" ? args.props.keyName : undefined;
    if (typeof keyName === "string" && keyName) report(`${args.type} "${args.name}" uses the SSH key pair "${keyName}" in ${env}: drop keyName and use SSM Session Manager.`);
    // Session Manager needs the instance to have a role (AmazonSSMManagedInstanceCore).
    if (args.type === "aws:ec2/instance:Instance" && !args.props.iamInstanceProfile) {
      report(`${args.type} "${args.name}" has no instance profile in ${env}, so SSM Session Manager cannot reach it: attach one whose role has AmazonSSMManagedInstanceCore.`);
    }
  },
};
