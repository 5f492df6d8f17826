/**
 * The advice function's run, independent of Lambda: validates the payload, then
 * answers advice (on-demand on any problem), records what became of a half-open probe the
 * caller was granted, or runs the operator's `reset-circuit` command. Anything else is
 * refused before any AWS call.
 */
import * as z from "../shared/zod";
import { AdminCommand, type GuardEventInput } from "../contract";
import type { Log } from "../shared/observability";
import type { CapacityAdvice, CapacityAdvisor, ProbeCoordinator } from "./advice";
import { effectiveState, type CircuitState } from "./breaker";
import type { BreakerStore } from "./storeBreakers";

const instanceType = z.string().check(z.maxLength(64, "must be at most 64 characters"), z.regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, 'must be an EC2 instance type such as "m5.large"'));
const availabilityZone = z
  .string()
  .check(
    z.maxLength(32, "must be at most 32 characters"),
    z.regex(/^[a-z]{2}(-[a-z0-9]+)+-\d+[a-z]$|^[a-z]{2}(-[a-z0-9]+)+-\d+-[a-z0-9-]+$/, 'must be an availability zone such as "us-east-1a"'),
  );

export const AdviceRequest = z.strictObject({
  instanceType,
  availabilityZone,
  environment: z.optional(z.string().check(z.maxLength(128))),
});

/**
 * What became of the probe a caller was granted (`probe: true` in its advice): `launched`
 * once the instance runs (the quiet window that closes the circuit starts then), `failed` when
 * the launch did not happen (the next caller probes). Without a report the claim lapses.
 */
export const ProbeReport = z.strictObject({
  probe: z.enum(["launched", "failed"]),
  instanceType,
  availabilityZone,
  instanceId: z.optional(z.string().check(z.regex(/^i-([0-9a-f]{8}|[0-9a-f]{17})$/, "must be an EC2 instance id"))),
});

export interface ResetResult {
  command: "reset-circuit";
  key: string;
  previous: CircuitState;
  state: CircuitState;
  interruptions: number;
}

export interface AdviceDeps {
  /** `breakerKeyOf`: the key of a circuit (per-AZ circuits are keyed by AZ ID; SpotAdvisor has it). */
  advisor: CapacityAdvisor & Partial<ProbeCoordinator> & { breakerKeyOf?: (instanceType: string, availabilityZone?: string) => Promise<string> };
  breakers: BreakerStore;
  stack: string;
  publish: (event: Omit<GuardEventInput, "source">) => Promise<void>;
  log: Log;
}

export async function handleAdviceRequest(payload: unknown, deps: AdviceDeps): Promise<CapacityAdvice | ResetResult | { probe: string; recorded: boolean } | { error: string }> {
  if (payload && typeof payload === "object" && "command" in payload) {
    const cmd = AdminCommand.safeParse(payload);
    if (!cmd.success) return { error: `invalid command: ${cmd.error.issues.map((i) => `${i.path.join(".") || "payload"} ${i.message}`).join("; ")}` };
    if (cmd.data.command !== "reset-circuit") return { error: `this function handles "reset-circuit" only (got "${cmd.data.command}")` };
    const key = deps.advisor.breakerKeyOf ? await deps.advisor.breakerKeyOf(cmd.data.instanceType, cmd.data.availabilityZone) : deps.breakers.keyFor(cmd.data.instanceType, cmd.data.availabilityZone);
    const step = await deps.breakers.reset(key, "guardctl");
    const previous = step.transitions[0]?.from ?? effectiveState(step.record, deps.breakers.now(), deps.breakers.settings);
    deps.log.info("circuit reset", { key, previous });
    if (step.transitions.length) {
      await deps.publish({ kind: "spot", severity: "info", title: `Circuit ${key} reset by an operator`, stack: deps.stack, lines: [`Was ${previous}; spot launches of ${key} are allowed again.`] });
    }
    return { command: "reset-circuit", key, previous, state: step.record.state, interruptions: step.record.interruptions };
  }
  if (payload && typeof payload === "object" && "probe" in payload) {
    const report = ProbeReport.safeParse(payload);
    if (!report.success) return { error: `invalid probe report: ${report.error.issues.map((i) => `${i.path.join(".") || "payload"} ${i.message}`).join("; ")}` };
    const { probe, instanceType: type, availabilityZone: az, instanceId } = report.data;
    if (!deps.advisor.probeLaunched || !deps.advisor.releaseProbe) return { error: "this advisor does not track probes" };
    if (probe === "launched") await deps.advisor.probeLaunched(type, az, instanceId ?? "");
    else await deps.advisor.releaseProbe(type, az);
    deps.log.info("probe reported", report.data);
    return { probe, recorded: true };
  }
  const request = AdviceRequest.safeParse(payload);
  if (!request.success) {
    return { capacity: "on-demand", reason: `invalid advice request, failing safe to on-demand: ${request.error.issues.map((i) => `${i.path.join(".") || "payload"} ${i.message}`).join("; ")}` };
  }
  const advice = await deps.advisor.adviseCapacity(request.data);
  deps.log.info("capacity advice", { ...request.data, ...advice });
  return advice;
}
