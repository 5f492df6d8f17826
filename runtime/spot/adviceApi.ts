/**
 * The advice API's request handling, independent of Lambda: validates the payload, answers
 * advice (on-demand on any problem) or runs the operator's `reset-circuit` command.
 */
import { z } from "zod";
import { AdminCommand, type GuardEventInput } from "../contract";
import type { Log } from "../shared/observability";
import type { CapacityAdvice, CapacityAdvisor } from "./advice";
import { effectiveState, type CircuitState } from "./breaker";
import type { BreakerStore } from "./breakerStore";

export const AdviceRequest = z.object({
  instanceType: z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, 'must be an EC2 instance type such as "m5.large"'),
  availabilityZone: z.string().regex(/^[a-z]{2}(-[a-z0-9]+)+-\d+[a-z]$|^[a-z]{2}(-[a-z0-9]+)+-\d+-[a-z0-9-]+$/, 'must be an availability zone such as "us-east-1a"'),
  environment: z.string().optional(),
});

export interface ResetResult {
  command: "reset-circuit";
  key: string;
  previous: CircuitState;
  state: CircuitState;
  interruptions: number;
}

export interface AdviceDeps {
  advisor: CapacityAdvisor;
  breakers: BreakerStore;
  stack: string;
  publish: (event: Omit<GuardEventInput, "source">) => Promise<void>;
  log: Log;
}

export async function handleAdviceRequest(payload: unknown, deps: AdviceDeps): Promise<CapacityAdvice | ResetResult | { error: string }> {
  if (payload && typeof payload === "object" && "command" in payload) {
    const cmd = AdminCommand.safeParse(payload);
    if (!cmd.success) return { error: `invalid command: ${cmd.error.issues.map((i) => `${i.path.join(".") || "payload"} ${i.message}`).join("; ")}` };
    if (cmd.data.command !== "reset-circuit") return { error: `this function handles "reset-circuit" only (got "${cmd.data.command}")` };
    const key = deps.breakers.keyFor(cmd.data.instanceType, cmd.data.availabilityZone);
    const step = await deps.breakers.reset(key, "guardctl");
    const previous = step.transitions[0]?.from ?? effectiveState(step.record, deps.breakers.now(), deps.breakers.settings);
    deps.log.info("circuit reset", { key, previous });
    if (step.transitions.length) {
      await deps.publish({ kind: "spot", severity: "info", title: `Circuit ${key} reset by an operator`, stack: deps.stack, lines: [`Was ${previous}; spot launches of ${key} are allowed again.`] });
    }
    return { command: "reset-circuit", key, previous, state: step.record.state, interruptions: step.record.interruptions };
  }
  const request = AdviceRequest.safeParse(payload);
  if (!request.success) {
    return { capacity: "on-demand", reason: `invalid advice request, failing safe to on-demand: ${request.error.issues.map((i) => `${i.path.join(".") || "payload"} ${i.message}`).join("; ")}` };
  }
  const advice = await deps.advisor.adviseCapacity(request.data);
  deps.log.info("capacity advice", { ...request.data, ...advice });
  return advice;
}
