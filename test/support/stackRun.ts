/**
 * The program under the mocks, evaluated once per stack configuration per process: the suites
 * that read the same configuration (imported together by one entry file, test/infra/*Stack.test.ts,
 * or test files sharing a process) share that run instead of evaluating the program again.
 *
 * Warnings the program logs (pulumi.log.warn, which outside an engine writes to console.warn:
 * what `pulumi preview` shows as warnings) are kept with the run.
 */
import { runProgram, type ProgramRun, type RunOptions } from "../../tools/offline/runProgram";

export type StackRun = ProgramRun;

const runs = new Map<string, Promise<StackRun>>();

export function stackRun(opts: RunOptions): Promise<StackRun> {
  const key = JSON.stringify(opts);
  let run = runs.get(key);
  if (!run) runs.set(key, (run = runProgram({ ...opts, captureWarnings: true })));
  return run;
}
