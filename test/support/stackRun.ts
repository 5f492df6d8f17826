/**
 * The program under the mocks, evaluated once per stack configuration per process. Pulumi's
 * runtime state is process-global, so one process can run one configuration; the suites that
 * read the same configuration are imported together by one entry file (test/infra/*Stack.test.ts)
 * and share that run instead of each starting a process and evaluating the program again.
 *
 * Warnings the program logs (pulumi.log.warn, which outside an engine writes to console.warn:
 * what `pulumi preview` shows as warnings) are kept with the run.
 */
import { runProgram, type ProgramRun, type RunOptions } from "../../tools/offline/runProgram";

export interface StackRun extends ProgramRun {
  /** What the program warned about while it ran. */
  warnings: string[];
}

let first: { key: string; run: Promise<StackRun> } | undefined;

export function stackRun(opts: RunOptions): Promise<StackRun> {
  const key = JSON.stringify(opts);
  if (first) {
    if (first.key !== key) throw new Error(`one stack configuration per process: already ran ${first.key}, asked for ${key}`);
    return first.run;
  }
  const run = (async () => {
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(" "));
    try {
      return { ...(await runProgram(opts)), warnings };
    } finally {
      console.warn = warn;
    }
  })();
  first = { key, run };
  return run;
}
