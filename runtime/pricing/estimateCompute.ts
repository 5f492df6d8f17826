/**
 * Pricing rules for capacity resources: EC2 instances and Auto Scaling groups (through their
 * launch templates), EBS, public IPv4, NAT gateways (also inside awsx:ec2:Vpc), load
 * balancers, RDS (and the Scheduler schedules that stop and start it), ElastiCache, ECS/Fargate
 * services (also awsx:ecs:FargateService), EKS.
 */
import { HOURS_PER_MONTH, type LoadBalancerKind } from "./types";
import { RDS_TWELVE_MONTH_FREE_TIER } from "./data/services";
import { arr, fmt, num, obj, str, type PricingContext } from "./estimateContext";
import { runsPerMonth } from "./schedule";
import type { ResourceToPrice } from "./estimate";
import type { Item, PriceResult } from "./estimateRules";

const money = (v: number) => `$${v < 0.01 ? v.toFixed(5) : v.toFixed(4)}`;

function hoursOf(r: ResourceToPrice, ctx: PricingContext): { hours: number; note: string } {
  const declared = ctx.hint(r).runningHoursPerMonth;
  const hours = declared ?? ctx.usage.runningHoursPerMonth;
  return { hours, note: hours === HOURS_PER_MONTH ? `${HOURS_PER_MONTH} h` : `${fmt(hours)} h${declared !== undefined ? " (declared)" : " (assumed)"}` };
}

function volumeItems(r: ResourceToPrice, ctx: PricingContext, what: string, sizeGb: number, type: string, count = 1, iops?: number, throughput?: number): Item[] {
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
  const hourly = spot ? ctx.book.ec2SpotHourly(ctx.region, instanceType) : ctx.book.ec2OnDemandHourly(ctx.region, instanceType);
  if (hourly === undefined) return `instance type ${instanceType} is not in the price catalog`;
  const { hours, note } = hoursOf(r, ctx);
  const basis = `${count > 1 ? `${count} × ` : ""}${money(hourly)}/h × ${note}${spot ? " (spot estimate)" : ""}`;
  return [{ resource: r.name, type: r.type, what: `${count > 1 ? `${count} × ` : ""}${instanceType} ${spot ? "spot" : "on-demand"}${what}`, monthlyUsd: count * hourly * hours, basis }];
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
  if (i.associatePublicIpAddress === true) items.push(ipv4Item(r, ctx, 1, "public IPv4 address"));
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
  if (!type) return { kind: "unpriced", reason: ref ? "its launch template (or its instance type) is not in the stack" : "no launch template" };
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

export function ipv4Item(r: ResourceToPrice, ctx: PricingContext, count: number, what: string, hours = HOURS_PER_MONTH): Item {
  const rate = ctx.book.publicIpv4Hourly(ctx.region);
  return { resource: r.name, type: r.type, what, monthlyUsd: count * rate * hours, basis: `${count > 1 ? `${fmt(count)} × ` : ""}${money(rate)}/h × ${fmt(hours)} h (charged idle or in use)` };
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

/** awsx:ec2:Vpc creates one NAT gateway (with an Elastic IP) per AZ unless told otherwise. */
export function priceAwsxVpc(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  const azs = num(i.numberOfAvailabilityZones) ?? arr(i.availabilityZoneNames).length ?? 0;
  const zones = azs || 3;
  const specs = arr(i.subnetSpecs).map((s) => str(obj(s).type)?.toLowerCase());
  const hasPrivate = specs.length === 0 || (specs.includes("private") && specs.includes("public"));
  const strategy = str(obj(i.natGateways).strategy) ?? (hasPrivate ? "OnePerAz" : "None");
  const count = strategy === "None" ? 0 : strategy === "Single" ? 1 : zones;
  if (count === 0) return { kind: "free" };
  return { kind: "priced", items: natItems(r, ctx, count, true).map((it) => ({ ...it, basis: `${it.basis}; natGateways strategy ${strategy}${i.natGateways ? "" : " (awsx default)"}` })) };
}

export function priceLoadBalancer(r: ResourceToPrice, ctx: PricingContext, forced?: LoadBalancerKind): PriceResult {
  const i = r.inputs;
  const kind = forced ?? ((str(i.loadBalancerType) ?? "application") as LoadBalancerKind);
  const hourly = ctx.book.loadBalancerHourly(ctx.region, kind);
  const items: Item[] = [{ resource: r.name, type: r.type, what: `${kind} load balancer`, monthlyUsd: hourly * HOURS_PER_MONTH, basis: `${money(hourly)}/h × ${HOURS_PER_MONTH} h (+ capacity units by traffic)` }];
  if (i.internal !== true && kind !== "gateway") {
    const azs = arr(i.subnets).length || arr(i.subnetIds).length || arr(i.subnetMappings).length || 2;
    items.push(ipv4Item(r, ctx, azs, `${azs} public IPv4 (one per AZ)`));
  }
  return { kind: "priced", items };
}

/** Instance hours: declared, declared stopped, from Scheduler stop/start schedules, or always on. */
function rdsHours(r: ResourceToPrice, ctx: PricingContext): { hours: number; note: string } {
  const identifier = str(r.inputs.identifier) ?? str(r.state?.identifier);
  if (ctx.hint(r).runningHoursPerMonth !== undefined || !identifier) return hoursOf(r, ctx);
  if (ctx.databaseDeclaredStopped(identifier)) return { hours: 0, note: "0 h (declared stopped: storage and backups still bill)" };
  return ctx.scheduledDatabaseHours(r, identifier) ?? hoursOf(r, ctx);
}

export function priceRdsInstance(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  const cls = str(i.instanceClass);
  const engine = str(i.engine) ?? "mysql";
  const multiAz = i.multiAz === true;
  if (!cls) return { kind: "unpriced", reason: "no instanceClass" };
  const hourly = ctx.book.rdsHourly(ctx.region, cls, engine, multiAz);
  if (hourly === undefined) return { kind: "unpriced", reason: `${cls} (${engine}) is not in the price catalog` };
  const { hours, note } = rdsHours(r, ctx);
  // The estimator counts always-free allowances only; RDS has none, its free tier is a 12-month trial.
  const trial = RDS_TWELVE_MONTH_FREE_TIER;
  const trialNote = trial.classes.test(cls) && !multiAz && !engine.startsWith("aurora") ? `; new accounts' 12-month free tier (${trial.hours} h of db.t*.micro single-AZ, ${trial.storageGb} GB storage; accounts created before 2025-07-15) not counted` : "";
  const items: Item[] = [{ resource: r.name, type: r.type, what: `${cls} ${engine}${multiAz ? " multi-AZ" : ""}`, monthlyUsd: hourly * hours, basis: `${money(hourly)}/h × ${note}${trialNote}` }];
  const storage = num(i.allocatedStorage);
  if (storage && !engine.startsWith("aurora")) {
    const type = str(i.storageType) ?? (i.iops ? "io1" : "gp2");
    const rate = ctx.book.rdsStorageGbMonth(ctx.region, type, multiAz);
    items.push({ resource: r.name, type: r.type, what: "storage", monthlyUsd: storage * rate, basis: `${storage} GB ${type} × ${money(rate)}/GB-month${multiAz ? " (multi-AZ)" : ""}${hours === 0 ? ", billed while stopped" : ""}` });
    items.push(...rdsBackupItems(r, ctx, storage));
  }
  if (i.manageMasterUserPassword === true) {
    const rate = ctx.book.secretsManagerSecretMonth(ctx.region);
    items.push({ resource: r.name, type: r.type, what: "master user secret (Secrets Manager)", monthlyUsd: rate, basis: `$${rate.toFixed(2)}/secret-month: RDS keeps the master password there (+ $0.05/10k API calls)` });
  }
  return { kind: "priced", items };
}

/** Automated backups: free up to the provisioned storage, billed beyond; assumed about the database's size. */
function rdsBackupItems(r: ResourceToPrice, ctx: PricingContext, storageGb: number): Item[] {
  const retention = num(r.inputs.backupRetentionPeriod) ?? 1; // RDS's default is 1 day
  if (retention <= 0) return [];
  const declared = ctx.hint(r).backupStorageGb;
  const backupGb = declared ?? storageGb;
  const beyond = Math.max(0, backupGb - storageGb);
  const rate = ctx.book.rdsBackupGbMonth(ctx.region);
  const size = declared !== undefined ? `${fmt(backupGb)} GB (declared)` : `${fmt(backupGb)} GB (assumed: about the database's size; declare backupStorageGb)`;
  const basis = `${size} of ${retention}-day automated backups, free up to ${fmt(storageGb)} GB (the provisioned storage)${beyond > 0 ? `; ${fmt(beyond)} GB beyond × ${money(rate)}/GB-month` : ""}`;
  return [{ resource: r.name, type: r.type, what: "automated backups", monthlyUsd: beyond * rate, basis }];
}

/** EventBridge Scheduler: invocations from the schedule expression (at() runs once). */
export function priceSchedulerSchedule(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const expr = str(r.inputs.scheduleExpression) ?? "";
  const runs = runsPerMonth(expr);
  const perMonth = runs ?? 1;
  const rate = ctx.book.schedulerPerInvocation(ctx.region);
  const basis = `${runs !== undefined ? `${expr} = ${fmt(perMonth)}` : `${expr || "a schedule"}: 1 (assumed)`} invocations/month × $1.00/M`;
  return { kind: "priced", items: [{ resource: r.name, type: r.type, what: "scheduler invocations", monthlyUsd: perMonth * rate, basis, usage: { meter: "schedulerInvocations", quantity: perMonth, unitUsd: rate } }] };
}

export function priceRdsCluster(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  const engine = str(i.engine) ?? "aurora-mysql";
  const v2 = obj(i.serverlessv2ScalingConfiguration);
  if (engine.startsWith("aurora")) {
    const minAcu = num(v2.minCapacity);
    if (minAcu === undefined) return { kind: "free" }; // instances are aws:rds/clusterInstance, priced there; storage by usage
    const rate = ctx.book.auroraAcuHourly(ctx.region);
    return { kind: "priced", items: [{ resource: r.name, type: r.type, what: "Aurora Serverless v2 minimum", monthlyUsd: minAcu * rate * HOURS_PER_MONTH, basis: `${minAcu} ACU × ${money(rate)}/ACU-h × ${HOURS_PER_MONTH} h (+ storage and I/O by usage)` }] };
  }
  const cls = str(i.dbClusterInstanceClass);
  const hourly = cls ? ctx.book.rdsHourly(ctx.region, cls, engine, false) : undefined;
  if (!cls || hourly === undefined) return { kind: "unpriced", reason: `Multi-AZ DB cluster class ${cls ?? "(none)"} is not in the catalog` };
  return { kind: "priced", items: [{ resource: r.name, type: r.type, what: `3 × ${cls} ${engine} (Multi-AZ DB cluster)`, monthlyUsd: 3 * hourly * HOURS_PER_MONTH, basis: `3 × ${money(hourly)}/h × ${HOURS_PER_MONTH} h` }] };
}

export function priceElastiCache(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  const nodeType = str(i.nodeType);
  if (!nodeType) return { kind: "unpriced", reason: "no nodeType" };
  const hourly = ctx.book.elasticacheHourly(ctx.region, nodeType);
  if (hourly === undefined) return { kind: "unpriced", reason: `${nodeType} is not in the price catalog` };
  const groups = num(i.numNodeGroups);
  const nodes = num(i.numCacheNodes) ?? num(i.numCacheClusters) ?? (groups !== undefined ? groups * ((num(i.replicasPerNodeGroup) ?? 0) + 1) : 1);
  return { kind: "priced", items: [{ resource: r.name, type: r.type, what: `${nodes} × ${nodeType}`, monthlyUsd: nodes * hourly * HOURS_PER_MONTH, basis: `${nodes} × ${money(hourly)}/h × ${HOURS_PER_MONTH} h` }] };
}

/** Fargate CPU: units ("256") or "0.25 vCPU"; memory: MiB ("512") or "1 GB". */
function parseCpu(v: unknown): number | undefined {
  const s = String(v ?? "").trim();
  const m = /^([\d.]+)\s*vcpu$/i.exec(s);
  return m ? Number(m[1]) : num(s) !== undefined ? num(s)! / 1024 : undefined;
}
function parseMemoryGb(v: unknown): number | undefined {
  const s = String(v ?? "").trim();
  const m = /^([\d.]+)\s*gb$/i.exec(s);
  return m ? Number(m[1]) : num(s) !== undefined ? num(s)! / 1024 : undefined;
}

/** Tasks on FARGATE vs FARGATE_SPOT: base first, the rest by weight (as ECS places them). */
export function spotShare(strategies: unknown[], desired: number): { onDemand: number; spot: number } {
  const list = strategies.map((s) => obj(s)).filter((s) => str(s.capacityProvider));
  if (!list.length) return { onDemand: desired, spot: 0 };
  let spot = 0;
  let left = desired;
  for (const s of list) {
    const base = Math.min(left, num(s.base) ?? 0);
    if (s.capacityProvider === "FARGATE_SPOT") spot += base;
    left -= base;
  }
  const totalWeight = list.reduce((w, s) => w + (num(s.weight) ?? 0), 0);
  if (totalWeight > 0) spot += (left * list.filter((s) => s.capacityProvider === "FARGATE_SPOT").reduce((w, s) => w + (num(s.weight) ?? 0), 0)) / totalWeight;
  return { onDemand: desired - spot, spot };
}

function fargateItems(r: ResourceToPrice, ctx: PricingContext, size: { cpu?: number; memGb?: number; arch: "x86_64" | "arm64"; assumed: boolean }, desired: number, strategies: unknown[], publicIp: boolean): Item[] {
  const cpu = size.cpu ?? 0.25;
  const mem = size.memGb ?? 0.5;
  const declared = ctx.hint(r).runningHoursPerMonth !== undefined;
  const { hours, note } = (!declared && ctx.scheduledServiceHours(r, desired)) || hoursOf(r, ctx);
  const { onDemand, spot } = spotShare(strategies, desired);
  const items: Item[] = [];
  const sizeText = `${cpu} vCPU/${mem} GB ${size.arch}${size.assumed ? " (size assumed)" : ""}`;
  for (const [count, isSpot] of [[onDemand, false], [spot, true]] as [number, boolean][]) {
    if (count <= 0) continue;
    const hourly = ctx.book.fargateHourly(ctx.region, cpu, mem, { spot: isSpot, architecture: size.arch });
    items.push({ resource: r.name, type: r.type, what: `${fmt(count)} × Fargate${isSpot ? " Spot" : ""} task`, monthlyUsd: count * hourly * hours, basis: `${fmt(count)} × ${sizeText} ${money(hourly)}/h × ${note}` });
  }
  if (!items.length) items.push({ resource: r.name, type: r.type, what: "0 Fargate tasks", monthlyUsd: 0, basis: "desired count 0" });
  if (publicIp && desired > 0) items.push(ipv4Item(r, ctx, desired, `${fmt(desired)} task public IPv4`, hours));
  return items;
}

export function priceEcsService(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  const strategies = arr(i.capacityProviderStrategies);
  const fargate = str(i.launchType) === "FARGATE" || strategies.some((s) => String(obj(s).capacityProvider).startsWith("FARGATE"));
  if (!fargate) return { kind: "free" }; // EC2 launch type: the instances are priced through their ASG
  const td = ctx.find(["aws:ecs/taskDefinition:TaskDefinition"], i.taskDefinition, r, "taskDefinition");
  if (!td) return { kind: "unpriced", reason: "its task definition is not in the stack" };
  const arch = str(obj(td.inputs.runtimePlatform).cpuArchitecture) === "ARM64" ? "arm64" : "x86_64";
  const size = { cpu: parseCpu(td.inputs.cpu), memGb: parseMemoryGb(td.inputs.memory), arch, assumed: false } as const;
  const publicIp = obj(i.networkConfiguration).assignPublicIp === true;
  return { kind: "priced", items: fargateItems(r, ctx, size, num(i.desiredCount) ?? 0, strategies, publicIp) };
}

export function priceAwsxFargateService(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  const tda = obj(i.taskDefinitionArgs);
  const containers = [obj(tda.container), ...Object.values(obj(tda.containers)).map(obj)].filter((c) => Object.keys(c).length);
  const sum = (key: string) => containers.reduce((s, c) => s + (num(c[key]) ?? 0), 0);
  let cpu = parseCpu(tda.cpu) ?? (sum("cpu") ? sum("cpu") / 1024 : undefined);
  let memGb = parseMemoryGb(tda.memory) ?? (sum("memory") ? sum("memory") / 1024 : undefined);
  const assumed = cpu === undefined || memGb === undefined;
  cpu ??= 0.25;
  memGb ??= 0.5;
  const arch = str(obj(tda.runtimePlatform).cpuArchitecture) === "ARM64" ? "arm64" : "x86_64";
  const publicIp = i.assignPublicIp === true || obj(i.networkConfiguration).assignPublicIp === true;
  return { kind: "priced", items: fargateItems(r, ctx, { cpu, memGb, arch, assumed }, num(i.desiredCount) ?? 1, arr(i.capacityProviderStrategies), publicIp) };
}

export function priceEks(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const rate = ctx.book.eksClusterHourly(ctx.region);
  return { kind: "priced", items: [{ resource: r.name, type: r.type, what: "EKS control plane", monthlyUsd: rate * HOURS_PER_MONTH, basis: `${money(rate)}/h × ${HOURS_PER_MONTH} h (nodes priced separately)` }] };
}

export function priceNodeGroup(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  const desired = num(obj(i.scalingConfig).desiredSize) ?? 1;
  const type = str(arr(i.instanceTypes)[0]) ?? "t3.medium";
  const priced = instanceItems(r, ctx, type, desired, str(i.capacityType) === "SPOT", " node");
  if (typeof priced === "string") return { kind: "unpriced", reason: priced };
  return { kind: "priced", items: [...priced, ...volumeItems(r, ctx, "node volumes", num(i.diskSize) ?? 20, "gp3", desired)] };
}
