/** Shared assertions for the infra tests (one stack per test file; see DESIGN.md). */
import type { PlannedResource } from "../../tools/offline/mocks";
import type { ProgramRun } from "../../tools/offline/runProgram";

export const WEBHOOK = "https://hooks.slack.com/services/T0000/B0000/s3cr3tW3bh00k";

export function ofType(run: ProgramRun, type: string): PlannedResource[] {
  return run.resources.filter((r) => r.type === type);
}

export function one(run: ProgramRun, type: string, nameIncludes = ""): PlannedResource {
  const found = ofType(run, type).filter((r) => r.name.includes(nameIncludes));
  if (found.length !== 1) throw new Error(`expected exactly one ${type} named *${nameIncludes}*, found ${found.map((r) => r.name).join(", ") || "none"}`);
  return found[0]!;
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** The inline policy statements of a GuardFunction, by the function component's name. */
export function statementsOf(run: ProgramRun, functionName: string): Statement[] {
  const policy = one(run, "aws:iam/rolePolicy:RolePolicy", `${functionName}-policy`);
  return (JSON.parse(policy.inputs.policy as string) as { Statement: Statement[] }).Statement;
}

export function actions(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

/** Every string found anywhere in a value, for secret scans. */
export function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => allStrings(v, out));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => allStrings(v, out));
  return out;
}
