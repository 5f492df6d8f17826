/**
 * guardctl's `reset-circuit` command: closes an
 * instance type's spot circuit by invoking the deployed advice function with an AdminCommand.
 * guardctl registers this definition; it resolves the function from the stack output
 * `output`, invokes it with `payload(args)` and prints `render(result)`.
 *
 *   npm run guardctl -- reset-circuit m5.large
 *   npm run guardctl -- reset-circuit m5.large --az us-east-1a     (breakers per AZ)
 */
import { parseArgs } from "node:util";
import type { AdminCommand } from "../../runtime/contract";
import { adminCommand } from "./command";

export interface GuardctlCommand {
  /** Sub-command name typed by the operator. */
  name: string;
  /** Stack output holding the name of the function to invoke. */
  output: string;
  /** One-line usage, shown in help and on a usage error. */
  usage: string;
  /** What the command does, for help. */
  description: string;
  /** The Lambda payload for these arguments (the words after the command name); throws on bad usage. */
  payload(args: string[]): AdminCommand;
  /** Text for the operator from the function's answer; throws when the function reported an error. */
  render(result: unknown): string;
}

const INSTANCE_TYPE = /^[a-z0-9-]+\.[a-z0-9-]+$/;
const AVAILABILITY_ZONE = /^[a-z]{2}(-[a-z0-9]+)+-\d+[a-z]?(-[a-z0-9-]+)?$/;

export const resetCircuitCommand: GuardctlCommand = {
  name: "reset-circuit",
  output: "spotAdviceFunction",
  usage: "reset-circuit <instance-type> [--az <availability-zone>]",
  description: "Close the spot circuit breaker of an instance type (per AZ with --az when breakers are per AZ)",
  payload(args) {
    const { values, positionals } = parseArgs({ args, options: { az: { type: "string" } }, allowPositionals: true, strict: true });
    if (positionals.length !== 1) throw new Error(`usage: ${this.usage} (got ${positionals.length} instance types)`);
    const instanceType = positionals[0]!;
    if (instanceType.length > 64 || !INSTANCE_TYPE.test(instanceType)) throw new Error(`"${instanceType.slice(0, 40)}${instanceType.length > 40 ? "…" : ""}" is not an EC2 instance type such as m5.large`);
    if (values.az !== undefined && (values.az.length > 32 || !AVAILABILITY_ZONE.test(values.az))) throw new Error(`--az "${values.az.slice(0, 40)}" is not an availability zone such as us-east-1a`);
    return adminCommand({ command: "reset-circuit", instanceType, ...(values.az ? { availabilityZone: values.az } : {}) });
  },
  render(result) {
    const r = (result ?? {}) as { error?: string; key?: string; previous?: string; state?: string; interruptions?: number };
    if (r.error) throw new Error(`reset-circuit failed: ${r.error}`);
    if (!r.key || !r.state) throw new Error(`reset-circuit: unexpected answer from the function: ${JSON.stringify(result)}`);
    const count = `${r.interruptions ?? 0} interruption${r.interruptions === 1 ? "" : "s"} recorded so far`;
    if (r.previous === "closed") return `Circuit ${r.key} was already closed; nothing changed (${count}).`;
    return `Circuit ${r.key}: ${r.previous} → ${r.state}. Spot launches of ${r.key} are allowed again (${count}).`;
  },
};

/** Every guardctl command of spot resilience, for guardctl to register. */
export const spotCommands: GuardctlCommand[] = [resetCircuitCommand];
