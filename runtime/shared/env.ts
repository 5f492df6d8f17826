/** Helpers for the zod schemas handlers parse their environment with. */
import * as z from "./zod";

/**
 * A variable holding JSON (such as COSTGUARD_SETTINGS), parsed and then validated by `schema`;
 * text that is not JSON is reported as such, naming the variable.
 */
export function jsonVariable<T extends z.core.$ZodType>(name: string, schema: T) {
  return z.pipe(
    z.pipe(
      z.string(),
      z.transform((text: string, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.issues.push({ code: "custom", message: `${name} must be JSON`, input: text });
          return z.NEVER;
        }
      }),
    ),
    schema,
  );
}
