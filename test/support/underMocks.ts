/**
 * Pulumi's mocks for a test file that builds components itself: each call runs in a Pulumi state
 * store of its own with the mocks set there (the runtime's `withLocalStorage`, as
 * tools/offline/runProgram.ts runs each program), so the file can share a process with others
 * that set other mocks or stacks (tools/testGroups.ts). Resources registered inside `run`, and
 * the callbacks they schedule, stay in that store after it returns.
 *
 *   const mocked = underMocks(mocks, "costguard", "dev");
 *   it("...", () => mocked(() => { new Failsafe(...); }));
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

const state = require(path.join(path.dirname(require.resolve("@pulumi/pulumi")), "runtime", "state")) as { withLocalStorage<T>(run: () => Promise<T>): Promise<T> };

export function underMocks(mocks: pulumi.runtime.Mocks, project: string, stack: string, config: Record<string, string> = {}): <T>(run: () => T | Promise<T>) => Promise<T> {
  return (run) =>
    state.withLocalStorage(async () => {
      pulumi.runtime.setAllConfig(config, []);
      await pulumi.runtime.setMocks(mocks, project, stack, true);
      return run();
    });
}
