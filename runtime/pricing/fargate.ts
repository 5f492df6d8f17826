/**
 * The task size awsx gives a Fargate task definition that does not set one (awsx
 * ecs/fargateMemoryAndCpu.ts): it sums its containers' CPU units and memory (memoryReservation
 * over memory) and takes, among the CPU/memory pairs it knows, the one with the least memory,
 * then the fewest vCPUs, that covers both. Fargate offers no smaller task, so a container asking
 * for 0.5 vCPU and 128 MB runs (and bills) as 0.5 vCPU / 1 GB.
 */

export interface ContainerSize {
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** vCPU → GB pairs awsx chooses from (AWS's table, with awsx's 1 GB steps for 8 and 16 vCPU). */
const PAIRS: [number, number[]][] = [
  [0.25, [0.5, 1, 2]],
  [0.5, range(1, 4)],
  [1, range(2, 8)],
  [2, range(4, 16)],
  [4, range(8, 30)],
  [8, range(16, 60)],
  [16, range(32, 120)],
  [32, [60, 120, 244]],
];
const BY_MEMORY = PAIRS.flatMap(([vcpu, gbs]) => gbs.map((memGb) => ({ vcpu, memGb }))).sort((a, b) => a.memGb - b.memGb || a.vcpu - b.vcpu);

/** The task size awsx computes for these containers; undefined when no Fargate size covers them. */
export function fargateTaskSize(containers: ContainerSize[]): { vcpu: number; memGb: number } | undefined {
  const units = containers.reduce((s, c) => s + (c.cpu ?? 0), 0);
  const mb = containers.reduce((s, c) => s + (c.memoryReservation || c.memory || 0), 0);
  return BY_MEMORY.find((p) => p.vcpu >= units / 1024 && p.memGb >= mb / 1024);
}
