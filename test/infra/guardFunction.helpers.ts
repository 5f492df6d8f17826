/** Reads a guard function's role, statements and settings out of an offline program run. */
import type { ProgramRun } from "../../tools/offline/runProgram";

export interface Stmt {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export function resource(run: ProgramRun, type: string, name: string) {
  const r = run.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}; have: ${run.resources.map((x) => x.name).join(", ")}`);
  return r;
}

export function statements(run: ProgramRun, fn: string): Stmt[] {
  const policy = resource(run, "aws:iam/rolePolicy:RolePolicy", `${fn}-policy`).inputs.policy as string;
  return (JSON.parse(policy) as { Statement: Stmt[] }).Statement;
}

export function actions(stmts: Stmt[]): string[] {
  return stmts.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

export function statementFor(stmts: Stmt[], action: string): Stmt[] {
  return stmts.filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action));
}

export function settingsOf(run: ProgramRun, fn: string): Record<string, unknown> {
  const f = resource(run, "aws:lambda/function:Function", `${fn}-fn`);
  const vars = (f.inputs.environment as { variables: Record<string, string> }).variables;
  return JSON.parse(vars.COSTGUARD_SETTINGS!) as Record<string, unknown>;
}
