/**
 * The plan's analysis seam: what is said about a planned program beyond its resources.
 * The policy pack (results per rule) and the cost estimator (monthly table) plug in here.
 */
import type { ProgramRun } from "./runProgram";

export interface Analysis {
  /** Text sections printed after the resource tree. */
  sections: string[];
  /** Extra fields of the --json output. */
  json: Record<string, unknown>;
  /** Mandatory policy violations: a non-zero count fails the plan. */
  mandatoryViolations: number;
}

export async function analyzeRun(_run: ProgramRun, _opts: { programDir?: string }): Promise<Analysis> {
  return { sections: [], json: {}, mandatoryViolations: 0 };
}
