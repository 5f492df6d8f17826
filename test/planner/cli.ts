/** Runs the offline plan CLI as a user does (a child process), from the repository root. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export const root = path.join(__dirname, "..", "..");
export const programs = path.join(root, "test", "fixtures", "programs");

export interface PlanResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function plan(...args: string[]): PlanResult {
  const env = { ...process.env };
  // The region must come from the program's config, not from the machine.
  delete env.AWS_REGION;
  delete env.AWS_DEFAULT_REGION;
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "tools", "plan.ts"), ...args], { cwd: root, encoding: "utf8", env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `plan --program test/fixtures/programs/<name> ...`. */
export function planProgram(name: string, ...args: string[]): PlanResult {
  return plan("--program", path.join(programs, name), ...args);
}

/** The resources of a `--json` plan, by name. */
export function resourcesByName(json: string): Map<string, { type: string; name: string; urn: string; inputs: Record<string, unknown> }> {
  const doc = JSON.parse(json) as { resources: { type: string; name: string; urn: string; inputs: Record<string, unknown> }[] };
  return new Map(doc.resources.map((r) => [r.name, r]));
}
