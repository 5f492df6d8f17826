/** No ingress from 0.0.0.0/0 (or ::/0) on SSH (22) or RDP (3389). */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asObject, withDefaults, type Props } from "./common";

export interface NoOpenAdminPortsConfig {
  ports: number[];
}
export const OPEN_PORTS_DEFAULTS: NoOpenAdminPortsConfig = { ports: [22, 3389] };

const OPEN = ["0.0.0.0/0", "::/0"];

export interface IngressRule {
  fromPort: number;
  toPort: number;
  protocol: string;
  cidrs: string[];
  where: string;
}

/** Every ingress rule a resource declares, normalised (security groups, rules, vpc ingress rules). */
export function ingressRules(type: string, p: Props): IngressRule[] {
  const rule = (r: Props, where: string): IngressRule => ({
    fromPort: Number(r.fromPort ?? 0),
    toPort: Number(r.toPort ?? r.fromPort ?? 65535),
    protocol: String(r.protocol ?? r.ipProtocol ?? "-1"),
    cidrs: [...asArray(r.cidrBlocks), ...asArray(r.ipv6CidrBlocks), ...asArray(r.cidrIpv4), ...asArray(r.cidrIpv6)].map(String),
    where,
  });
  switch (type) {
    case "aws:ec2/securityGroup:SecurityGroup":
    case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
      return asArray(p.ingress).map((r, i) => rule(asObject(r), `ingress[${i}]`));
    case "aws:ec2/securityGroupRule:SecurityGroupRule":
      return p.type === "ingress" ? [rule(p, "rule")] : [];
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      return [rule(p, "rule")];
    default:
      return [];
  }
}

export function coversPort(r: IngressRule, port: number): boolean {
  const anyProtocol = r.protocol === "-1" || r.protocol.toLowerCase() === "all";
  if (!anyProtocol && !["tcp", "6"].includes(r.protocol.toLowerCase())) return false;
  if (anyProtocol && r.fromPort === 0 && r.toPort === 0) return true; // "all traffic"
  return r.fromPort <= port && port <= r.toPort;
}

export const noOpenAdminPorts: ResourceValidationPolicy = {
  name: "no-open-admin-ports",
  description: "No security group ingress from 0.0.0.0/0 or ::/0 on SSH (22) or RDP (3389).",
  enforcementLevel: "mandatory",
  configSchema: { properties: { ports: { type: "array", items: { type: "integer" }, default: OPEN_PORTS_DEFAULTS.ports, description: "Ports never open to the internet" } } },
  validateResource: (args, report) => {
    const rules = ingressRules(args.type, args.props);
    if (!rules.length) return;
    const cfg = withDefaults(OPEN_PORTS_DEFAULTS, args.getConfig<Partial<NoOpenAdminPortsConfig>>());
    for (const r of rules) {
      const open = r.cidrs.filter((c) => OPEN.includes(c));
      const ports = cfg.ports.filter((port) => coversPort(r, port));
      if (open.length && ports.length) {
        report(`${args.type} "${args.name}" ${r.where} opens port ${ports.join(" and ")} to ${open.join(" and ")}: restrict it to a known CIDR, or use SSM Session Manager instead of SSH/RDP.`);
      }
    }
  },
};
