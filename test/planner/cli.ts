/**
 * The offline plan from the tests: `plan` runs the CLI as a user does (a child process, from the
 * repository root); `planHere` runs the same command in this process, which is what a test that
 * reads what a plan says needs, for a fraction of the CPU (no Node, tsx or Pulumi to load again).
 * The CLI's own behaviour (exit codes of a crash, an ES module program, the process handlers) is
 * tested through `plan`.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { planCommand } from "../../tools/offline/planCommand";

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

let previous: Promise<unknown> = Promise.resolve();

/**
 * The plan command in this process, with the same result as `plan`. The region must come from
 * the program's config, not from the machine: AWS_REGION and AWS_DEFAULT_REGION are out of the
 * environment while the plan runs. Calls take turns, so each restores what it found.
 */
export function planHere(...args: string[]): Promise<PlanResult> {
  const run = previous.then(
    () => planOnceHere(args),
    () => planOnceHere(args),
  );
  previous = run.catch(() => undefined);
  return run;
}

async function planOnceHere(args: string[]): Promise<PlanResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
  delete process.env.AWS_REGION;
  delete process.env.AWS_DEFAULT_REGION;
  const cwd = process.cwd();
  process.chdir(root); // relative paths in the arguments are the repository's, as for `plan`
  try {
    const status = await planCommand(args, { out: (text) => stdout.push(`${text}\n`), err: (text) => stderr.push(`${text}\n`) });
    return { status, stdout: stdout.join(""), stderr: stderr.join("") };
  } finally {
    process.chdir(cwd);
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

/** `plan --program test/fixtures/programs/<name> ...`. */
export function planProgram(name: string, ...args: string[]): PlanResult {
  return plan("--program", path.join(programs, name), ...args);
}

/** `planHere --program test/fixtures/programs/<name> ...`. */
export function planProgramHere(name: string, ...args: string[]): Promise<PlanResult> {
  return planHere("--program", path.join(programs, name), ...args);
}

/** The resources of a `--json` plan, by name. */
export function resourcesByName(json: string): Map<string, { type: string; name: string; urn: string; inputs: Record<string, unknown> }> {
  const doc = JSON.parse(json) as { resources: { type: string; name: string; urn: string; inputs: Record<string, unknown> }[] };
  return new Map(doc.resources.map((r) => [r.name, r]));
}
