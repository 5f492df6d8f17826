/** A small fixed PriceBook for the spot tests (the real catalog lives in runtime/pricing). */
import type { Architecture, InstanceSpec, PriceBook } from "../../runtime/pricing/types";

const SPECS: [string, number, number, Architecture, number, number][] = [
  // type, vCPU, GiB, arch, on-demand $/h, spot $/h
  ["t3.medium", 2, 4, "x86_64", 0.0416, 0.0125],
  ["m5.large", 2, 8, "x86_64", 0.096, 0.035],
  ["m5a.large", 2, 8, "x86_64", 0.086, 0.03],
  ["m6i.large", 2, 8, "x86_64", 0.096, 0.033],
  ["c5.large", 2, 4, "x86_64", 0.085, 0.031],
  ["r5.large", 2, 16, "x86_64", 0.126, 0.04],
  ["m5.xlarge", 4, 16, "x86_64", 0.192, 0.07],
  ["m5.2xlarge", 8, 32, "x86_64", 0.384, 0.14],
  ["m6g.large", 2, 8, "arm64", 0.077, 0.028],
  ["m5.metal", 96, 384, "x86_64", 4.608, 1.5],
];

export function smallPriceBook(specs = SPECS): PriceBook {
  const byType = new Map(specs.map(([t, vcpu, mem, arch, od, spot]) => [t, { spec: { instanceType: t, vcpu, memoryGiB: mem, architecture: arch } as InstanceSpec, od, spot }]));
  const unsupported = () => {
    throw new Error("not used by the spot tests");
  };
  return {
    ec2OnDemandHourly: (_r, t) => byType.get(t)?.od,
    ec2SpotHourly: (_r, t) => byType.get(t)?.spot,
    instanceSpec: (t) => byType.get(t)?.spec,
    instanceTypes: () => [...byType.keys()],
    ebsGbMonth: unsupported,
    snapshotGbMonth: unsupported,
    publicIpv4Hourly: unsupported,
    natGatewayHourly: unsupported,
    natGatewayPerGb: unsupported,
    loadBalancerHourly: unsupported,
    rdsHourly: unsupported,
    rdsStorageGbMonth: unsupported,
    fargateHourly: unsupported,
  };
}
