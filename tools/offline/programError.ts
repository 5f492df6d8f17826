/**
 * How the plan reports a program that failed: what went wrong in the user's terms, i.e. the
 * error's message and the frames of the program's own files, not the plan's or the SDK's. Pulumi's
 * own config errors (`config.require` of a missing key, a value of the wrong type) are config
 * errors: one line, like the stack file's.
 */
import * as path from "node:path";
import { pathToFileURL } from "node:url";

/** The SDK's config errors (sdk/nodejs/config.ts), matched by name: the program has its own copy of the SDK. */
const PULUMI_CONFIG_ERRORS = /^Config(Missing|Type|Enum|Range|Pattern)Error$/;

export function isPulumiConfigError(err: unknown): err is Error {
  return err instanceof Error && (err as { __pulumiRunError?: boolean }).__pulumiRunError === true && PULUMI_CONFIG_ERRORS.test(err.constructor?.name ?? "");
}

/** The SDK's message on one line ("...\n\tplease set a value using..." → "...: please set..."). */
export function pulumiConfigErrorLine(err: Error): string {
  return err.message.replace(/\n\s*/g, ": ");
}

/** The program cannot be run at all (no entry file, its dependencies not installed): no frames to show. */
export class ProgramSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProgramSetupError";
  }
}

function inDir(frame: string, dir: string): boolean {
  return frame.includes(dir + path.sep) || frame.includes(pathToFileURL(dir).href + "/");
}

/**
 * `program failed: <message>` and the program's own stack frames. `toolsDir` (costguard's plan) is
 * never the program's, even when the program is costguard itself.
 */
export function describeProgramFailure(err: unknown, programDir: string, toolsDir: string): string {
  if (err instanceof Error && err.name === "ProgramSetupError") return `program failed: ${err.message}`;
  if (!(err instanceof Error)) return `program failed: it threw ${typeof err === "string" ? JSON.stringify(err) : String(err)} (not an Error, so no stack)`;
  const kind = err.name && err.name !== "Error" ? `${err.name}: ` : "";
  const lines = [`program failed: ${kind}${err.message}`];
  const frames = (err.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
  const outside = (f: string) => inDir(f, toolsDir) || /[\\/]node_modules[\\/]/.test(f) || /\(node:|at node:/.test(f);
  const own = frames.filter((f) => inDir(f, programDir) && !outside(f));
  if (own.length) lines.push(...own.map((f) => `    ${f.trim()}`));
  else {
    const library = frames.filter((f) => !inDir(f, toolsDir) && !/\(node:|at node:/.test(f)).slice(0, 3);
    lines.push(`    (no frame in the program's own files${library.length ? "; it was thrown here:" : ""})`, ...library.map((f) => `    ${f.trim()}`));
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) lines.push(`  caused by: ${cause.name && cause.name !== "Error" ? `${cause.name}: ` : ""}${cause.message}`);
  return lines.join("\n");
}
