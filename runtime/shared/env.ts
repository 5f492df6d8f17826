/** Helpers for the zod schemas handlers parse their environment with. */
import { z } from "zod";

/**
 * A variable holding JSON (such as COSTGUARD_SETTINGS), parsed and then validated by `schema`;
 * text that is not JSON is reported as such, naming the variable.
 */
export function jsonVariable<T extends z.ZodType>(name: string, schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: `${name} must be JSON` });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
