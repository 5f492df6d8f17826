/**
 * Pricing rules for ECS services on Fargate (also awsx:ecs:FargateService when its children are
 * not in the stack): task size from the task definition, FARGATE vs FARGATE_SPOT by capacity
 * provider strategy, hours from scheduled scaling, task public IPv4.
 */
import { arr, fmt, num, obj, str, type PricingContext } from "./estimateContext";
import { hoursOf, ipv4Item, money } from "./estimateCompute";
import { fargateTaskSize } from "./fargate";
import type { Item, PriceResult, ResourceToPrice } from "./estimateTypes";

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
  // awsx sizes the task from its containers when the task definition does not say.
  const rounded = fargateTaskSize(containers.map((c) => ({ cpu: num(c.cpu), memory: num(c.memory), memoryReservation: num(c.memoryReservation) })));
  const cpu = parseCpu(tda.cpu) ?? rounded?.vcpu;
  const memGb = parseMemoryGb(tda.memory) ?? rounded?.memGb;
  if (cpu === undefined || memGb === undefined) return { kind: "unpriced", reason: "its containers ask for more than the largest Fargate task" };
  const arch = str(obj(tda.runtimePlatform).cpuArchitecture) === "ARM64" ? "arm64" : "x86_64";
  const publicIp = i.assignPublicIp === true || obj(i.networkConfiguration).assignPublicIp === true;
  return { kind: "priced", items: fargateItems(r, ctx, { cpu, memGb, arch, assumed: false }, num(i.desiredCount) ?? 1, arr(i.capacityProviderStrategies), publicIp) };
}
