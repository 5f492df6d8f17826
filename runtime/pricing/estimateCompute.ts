/**
 * Pricing rules for capacity resources: EC2 instances and Auto Scaling groups (through their
 * launch templates), EBS, public IPv4 (asked for, or mapped on launch by the subnet or the
 * default VPC), NAT gateways (also inside awsx:ec2:Vpc), load balancers, EKS clusters and node
 * groups. Databases are in estimateDatabases.ts, ECS/Fargate in estimateContainers.ts.
 */
import { HOURS_PER_MONTH, type LoadBalancerKind } from "./types";
import { arr, fmt, num, obj, str, type PricingContext } from "./estimateContext";
import type { Item, PriceResult, ResourceToPrice } from "./estimateTypes";

export const money = (v: number) => `$${v < 0.01 ? v.toFixed(5) : v.toFixed(4)}`;

export function hoursOf(r: ResourceToPrice, ctx: PricingContext): { hours: number; note: string } {
  const declared = ctx.hint(r).runningHoursPerMonth;
  const hours = declared ?? ctx.usage.runningHoursPerMonth;
  return { hours, note: hours === HOURS_PER_MONTH ? `${HOURS_PER_MONTH} h` : `${fmt(hours)} h${declared !== undefined ? " (declared)" : " (assumed)"}` };
}

export function volumeItems(r: ResourceToPrice, ctx: PricingContext, what: string, sizeGb: number, type: string, count = 1, iops?: number, throughput?: number): Item[] {
  const rate = ctx.book.ebsGbMonth(ctx.region, type);
  if (rate === undefined) return [];
  let monthly = sizeGb * rate * count;
  let basis = `${count > 1 ? `${count} × ` : ""}${sizeGb} GB ${type} × ${money(rate)}/GB-month`;
  if (type === "gp3" && (iops || throughput)) {
    const extra = ctx.book.ebsGp3ExtrasMonth(ctx.region, iops ?? 3000, throughput ?? 125);
    if (extra > 0) [monthly, basis] = [monthly + extra * count, `${basis} + IOPS/throughput above 3000/125`];
  } else if ((type === "io1" || type === "io2") && iops) {
    monthly += ctx.book.ebsProvisionedIopsMonth(ctx.region, iops) * count;
    basis += ` + ${iops} provisioned IOPS`;
  }
  return [{ resource: r.name, type: r.type, what, monthlyUsd: monthly, basis }];
}

function instanceItems(r: ResourceToPrice, ctx: PricingContext, instanceType: string, count: number, spot: boolean, what: string): Item[] | string {
  const quote = ctx.book.ec2OnDemandQuote(ctx.region, instanceType);
  const hourly = spot ? ctx.book.ec2SpotHourly(ctx.region, instanceType) : quote?.hourly;
  if (hourly === undefined) return `instance type ${instanceType} is not in the price catalog`;
  const { hours, note } = hoursOf(r, ctx);
  const derived = quote?.derived ? `; ${quote.derived}` : "";
  const basis = `${count > 1 ? `${fmt(count)} × ` : ""}${money(hourly)}/h × ${note}${spot ? " (spot estimate)" : ""}${derived}`;
  return [{ resource: r.name, type: r.type, what: `${count > 1 ? `${fmt(count)} × ` : ""}${instanceType} ${spot ? "spot" : "on-demand"}${what}`, monthlyUsd: count * hourly * hours, basis }];
}

function launchTemplateVolumes(r: ResourceToPrice, ctx: PricingContext, lt: ResourceToPrice | undefined, count: number): Item[] {
  const mappings = arr(lt?.inputs.blockDeviceMappings);
  if (!mappings.length) return volumeItems(r, ctx, "root volumes (AMI default size assumed)", ctx.usage.defaultRootVolumeGb, "gp3", count);
  return mappings.flatMap((m) => {
    const ebs = obj(obj(m).ebs);
    return volumeItems(r, ctx, `volumes ${str(obj(m).deviceName) ?? ""}`.trim(), num(ebs.volumeSize) ?? ctx.usage.defaultRootVolumeGb, str(ebs.volumeType) ?? "gp3", count, num(ebs.iops), num(ebs.throughput));
  });
}

const LT_TYPES = ["aws:ec2/launchTemplate:LaunchTemplate"];
const SUBNET_TYPES = ["aws:ec2/subnet:Subnet", "aws:ec2/defaultSubnet:DefaultSubnet"];
const bool = (v: unknown): boolean | undefined => (v === true || v === "true" ? true : v === false || v === "false" ? false : undefined);

/**
 * Why an instance gets a public IPv4 address (AWS bills it, in use or not), or undefined: asked
 * for, its subnet maps public IPs on launch, or no subnet at all (the default VPC's subnets do).
 */
function publicIpReason(r: ResourceToPrice, ctx: PricingContext, lt: ResourceToPrice | undefined, subnetRef: unknown, subnetProperty: string): string | undefined {
  const i = r.inputs;
  const nic = obj(arr(lt?.inputs.networkInterfaces)[0]);
  const asked = bool(i.associatePublicIpAddress) ?? bool(nic.associatePublicIpAddress);
  if (asked !== undefined) return asked ? "associatePublicIpAddress" : undefined;
  if (arr(i.networkInterfaces).length) return undefined; // an ENI of its own: priced (or not) there
  const subnet = ctx.find(SUBNET_TYPES, subnetRef ?? nic.subnetId, r, subnetProperty);
  if (subnet) {
    const maps = bool(subnet.inputs.mapPublicIpOnLaunch) ?? subnet.type === "aws:ec2/defaultSubnet:DefaultSubnet";
    return maps ? `subnet ${subnet.name} maps public IPs on launch` : undefined;
  }
  const named = str(subnetRef) ?? str(nic.subnetId) ?? r.dependsOn?.[subnetProperty]?.length;
  return named ? undefined : "default VPC: its subnets map public IPs on launch";
}

export function priceInstance(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  const lt = ctx.find(LT_TYPES, obj(i.launchTemplate).id ?? obj(i.launchTemplate).name, r, "launchTemplate");
  const type = str(i.instanceType) ?? str(lt?.inputs.instanceType);
  if (!type) return { kind: "unpriced", reason: "no instanceType (and none in its launch template)" };
  const spot = str(obj(i.instanceMarketOptions).marketType) === "spot" || str(obj(lt?.inputs.instanceMarketOptions).marketType) === "spot";
  const compute = instanceItems(r, ctx, type, 1, spot, "");
  if (typeof compute === "string") return { kind: "unpriced", reason: compute };
  const root = obj(i.rootBlockDevice);
  const items = [
    ...compute,
    ...volumeItems(r, ctx, "root volume", num(root.volumeSize) ?? ctx.usage.defaultRootVolumeGb, str(root.volumeType) ?? "gp3", 1, num(root.iops), num(root.throughput)),
    ...arr(i.ebsBlockDevices).flatMap((d) => volumeItems(r, ctx, `volume ${str(obj(d).deviceName) ?? ""}`.trim(), num(obj(d).volumeSize) ?? 8, str(obj(d).volumeType) ?? "gp3", 1, num(obj(d).iops))),
  ];
  const ip = publicIpReason(r, ctx, lt, i.subnetId, "subnetId");
  if (ip) items.push(ipv4Item(r, ctx, 1, "public IPv4 address", HOURS_PER_MONTH, ip));
  return { kind: "priced", items };
}

/** desired capacity × the launch template's type; mixed instances split by their distribution. */
export function priceAutoScalingGroup(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  const desired = num(i.desiredCapacity) ?? num(i.minSize) ?? 0;
  const mixed = obj(i.mixedInstancesPolicy);
  const mixedLt = obj(obj(mixed.launchTemplate).launchTemplateSpecification);
  const ref = obj(i.launchTemplate).id ?? obj(i.launchTemplate).name ?? mixedLt.launchTemplateId ?? mixedLt.launchTemplateName;
  const lt = ctx.find(LT_TYPES, ref, r, i.mixedInstancesPolicy ? "mixedInstancesPolicy" : "launchTemplate");
  const override = str(obj(arr(obj(mixed.launchTemplate).overrides)[0]).instanceType);
  const type = override ?? str(lt?.inputs.instanceType);
  if (!type) return { kind: "unpriced", reason: ref || r.dependsOn?.launchTemplate?.length ? "its launch template (or its instance type) is not in the stack" : "no launch template" };
  if (desired === 0) return { kind: "priced", items: [{ resource: r.name, type: r.type, what: `0 × ${type}`, monthlyUsd: 0, basis: "desired capacity 0" }] };
  const dist = obj(mixed.instancesDistribution);
  const base = Math.min(desired, num(dist.onDemandBaseCapacity) ?? (mixed.instancesDistribution ? 0 : desired));
  const pct = num(dist.onDemandPercentageAboveBaseCapacity) ?? 100;
  const onDemand = base + ((desired - base) * pct) / 100;
  const spotCount = desired - onDemand;
  const ltSpot = str(obj(lt?.inputs.instanceMarketOptions).marketType) === "spot";
  const items: Item[] = [];
  for (const [count, spot] of [[onDemand, ltSpot], [spotCount, true]] as [number, boolean][]) {
    if (count <= 0) continue;
    const priced = instanceItems(r, ctx, type, count, spot, ` (desired ${desired})`);
    if (typeof priced === "string") return { kind: "unpriced", reason: priced };
    items.push(...priced);
  }
  items.push(...launchTemplateVolumes(r, ctx, lt, desired));
  const ip = publicIpReason(r, ctx, lt, arr(i.vpcZoneIdentifiers)[0], "vpcZoneIdentifiers");
  if (ip) items.push(ipv4Item(r, ctx, desired, `${fmt(desired)} instance public IPv4`, HOURS_PER_MONTH, ip));
  return { kind: "priced", items };
}

export function priceVolume(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const size = num(r.inputs.size);
  const type = str(r.inputs.type) ?? "gp2";
  if (size === undefined) return { kind: "unpriced", reason: "no size (restored from a snapshot of unknown size)" };
  const items = volumeItems(r, ctx, `${type} volume`, size, type, 1, num(r.inputs.iops), num(r.inputs.throughput));
  return items.length ? { kind: "priced", items } : { kind: "unpriced", reason: `volume type ${type} is not in the catalog` };
}

export function priceSnapshot(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const volume = ctx.find(["aws:ebs/volume:Volume"], r.inputs.volumeId, r, "volumeId");
  const size = num(volume?.inputs.size);
  if (size === undefined) return { kind: "unpriced", reason: "size of the snapshotted volume is unknown" };
  const rate = ctx.book.snapshotGbMonth(ctx.region);
  return { kind: "priced", items: [{ resource: r.name, type: r.type, what: "snapshot", monthlyUsd: size * rate, basis: `≤ ${size} GB × ${money(rate)}/GB-month (changed blocks only: upper bound)` }] };
}

export function ipv4Item(r: ResourceToPrice, ctx: PricingContext, count: number, what: string, hours = HOURS_PER_MONTH, why?: string): Item {
  const rate = ctx.book.publicIpv4Hourly(ctx.region);
  return { resource: r.name, type: r.type, what, monthlyUsd: count * rate * hours, basis: `${count > 1 ? `${fmt(count)} × ` : ""}${money(rate)}/h × ${fmt(hours)} h (charged idle or in use${why ? `; ${why}` : ""})` };
}

function natItems(r: ResourceToPrice, ctx: PricingContext, count: number, withIp: boolean): Item[] {
  const hourly = ctx.book.natGatewayHourly(ctx.region);
  const perGb = ctx.book.natGatewayPerGb(ctx.region);
  const gb = ctx.hint(r).natGbPerMonth ?? ctx.usage.natGbPerMonth;
  const n = count > 1 ? `${count} × ` : "";
  const items: Item[] = [
    { resource: r.name, type: r.type, what: `${n}NAT gateway`, monthlyUsd: count * hourly * HOURS_PER_MONTH, basis: `${n}${money(hourly)}/h × ${HOURS_PER_MONTH} h` },
    { resource: r.name, type: r.type, what: `${n}NAT data processed`, monthlyUsd: count * gb * perGb, basis: `${n}${fmt(gb)} GB/month (assumed) × ${money(perGb)}/GB` },
  ];
  if (withIp) items.push(ipv4Item(r, ctx, count, `${n}NAT Elastic IP`));
  return items;
}

export function priceNatGateway(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  // Its Elastic IP is an aws:ec2/eip:Eip of its own, priced there.
  return { kind: "priced", items: natItems(r, ctx, 1, false) };
}

/**
 * awsx:ec2:Vpc when its children are not in the stack (the offline plan expands them by rule):
 * one NAT gateway with an Elastic IP per AZ unless told otherwise.
 */
export function priceAwsxVpc(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  const azs = num(i.numberOfAvailabilityZones) ?? arr(i.availabilityZoneNames).length ?? 0;
  const zones = azs || 3;
  const specs = arr(i.subnetSpecs).map((s) => str(obj(s).type)?.toLowerCase());
  const hasPrivate = specs.length === 0 || (specs.includes("public") && (specs.includes("private") || specs.includes("isolated")));
  const strategy = str(obj(i.natGateways).strategy) ?? (hasPrivate ? "OnePerAz" : "None");
  const count = strategy === "None" ? 0 : strategy === "Single" ? 1 : zones;
  if (count === 0) return { kind: "free" };
  return { kind: "priced", items: natItems(r, ctx, count, true).map((it) => ({ ...it, basis: `${it.basis}; natGateways strategy ${strategy}${i.natGateways ? "" : " (awsx default)"}` })) };
}

export function priceLoadBalancer(r: ResourceToPrice, ctx: PricingContext, forced?: LoadBalancerKind): PriceResult {
  const i = r.inputs;
  const kind = forced ?? ((str(i.loadBalancerType) ?? "application") as LoadBalancerKind);
  const hourly = ctx.book.loadBalancerHourly(ctx.region, kind);
  const items: Item[] = [{ resource: r.name, type: r.type, what: `${kind} load balancer`, monthlyUsd: hourly * HOURS_PER_MONTH, basis: `${money(hourly)}/h × ${HOURS_PER_MONTH} h` }];
  if (kind === "application" || kind === "network") {
    const rate = ctx.book.loadBalancerCapacityUnitHourly(ctx.region, kind);
    const unit = kind === "application" ? "LCU" : "NLCU";
    const lcus = ctx.hint(r).capacityUnits;
    items.push(
      lcus !== undefined
        ? { resource: r.name, type: r.type, what: "load balancer capacity units", monthlyUsd: lcus * rate * HOURS_PER_MONTH, basis: `${fmt(lcus)} ${unit} average (declared) × $${rate}/${unit}-hour × ${HOURS_PER_MONTH} h` }
        : { resource: r.name, type: r.type, what: "load balancer capacity units", monthlyUsd: 0, basis: `by traffic: declare capacityUnits in its costguard:estimate tag`, dependsOnUsage: `$${rate} per ${unit}-hour ($${(rate * HOURS_PER_MONTH).toFixed(2)} per ${unit}-month)` },
    );
  }
  if (i.internal !== true && kind !== "gateway") {
    const azs = arr(i.subnets).length || arr(i.subnetIds).length || arr(i.subnetMappings).length || 2;
    items.push(ipv4Item(r, ctx, azs, `${azs} public IPv4 (one per AZ)`));
  }
  return { kind: "priced", items };
}

/** The control plane; eks:index:Cluster without its children also runs its default node group. */
export function priceEks(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const rate = ctx.book.eksClusterHourly(ctx.region);
  const items: Item[] = [{ resource: r.name, type: r.type, what: "EKS control plane", monthlyUsd: rate * HOURS_PER_MONTH, basis: `${money(rate)}/h × ${HOURS_PER_MONTH} h` }];
  const i = r.inputs;
  if (r.type === "eks:index:Cluster" && !i.skipDefaultNodeGroup && !i.fargate && !obj(i.autoMode).enabled) {
    const opts = { ...i, ...obj(i.nodeGroupOptions) };
    const nodes = instanceItems(r, ctx, str(opts.instanceType) ?? "t3.medium", num(opts.desiredCapacity) ?? 2, false, " default node group");
    if (typeof nodes === "string") return { kind: "unpriced", reason: `default node group: ${nodes}` };
    items.push(...nodes);
  }
  return { kind: "priced", items };
}

/** A managed node group: scaling config × its instance type (or its launch template's). */
export function priceNodeGroup(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  // pulumi-eks's ManagedNodeGroup defaults to 2 nodes; aws.eks.NodeGroup requires a scaling config.
  const desired = num(obj(i.scalingConfig).desiredSize) ?? (r.type === "eks:index:ManagedNodeGroup" ? 2 : 1);
  const lt = ctx.find(LT_TYPES, obj(i.launchTemplate).id ?? obj(i.launchTemplate).name, r, "launchTemplate");
  const type = str(arr(i.instanceTypes)[0]) ?? str(i.instanceType) ?? str(lt?.inputs.instanceType) ?? "t3.medium";
  const priced = instanceItems(r, ctx, type, desired, str(i.capacityType) === "SPOT", " node");
  if (typeof priced === "string") return { kind: "unpriced", reason: priced };
  const volumes = lt && arr(lt.inputs.blockDeviceMappings).length ? launchTemplateVolumes(r, ctx, lt, desired) : volumeItems(r, ctx, "node volumes", num(i.diskSize) ?? 20, "gp3", desired);
  return { kind: "priced", items: [...priced, ...volumes] };
}
