/**
 * Builds an operator command from what was typed, checked by the same schema the function
 * checks it with; a bad argument is one line naming it, what was given and what is expected.
 */
import { AdminCommand } from "../../runtime/contract";

export function adminCommand(input: Record<string, unknown> & { command: string }): AdminCommand {
  const parsed = AdminCommand.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => {
    const key = i.path.map(String).join(".");
    const given = i.path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), input);
    return `${key || "command"} ${i.message}${given === undefined ? "" : ` (got ${JSON.stringify(given).slice(0, 80)})`}`;
  });
  throw new Error(`${input.command}: ${problems.join("; ")}`);
}
