/**
 * One esbuild build (of one or more entries) with the SDK rewrites (plugins, which esbuild's `buildSync` cannot
 * run: components/sdkSchemaKeys.ts, components/sdkErrorClasses.ts), in a worker thread while components/bundle.ts waits on `signal`: bundling stays
 * synchronous for GuardFunction and the tests. esbuild itself is loaded from the repository
 * (`root`), as bundle.ts loads it. The reply is posted on `port` before `signal` is raised.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import { workerData, type MessagePort } from "node:worker_threads";
import type * as esbuild from "esbuild";
import { lambdaSdkPlugin } from "./sdkErrorClasses";
import { sdkSchemaKeysPlugin } from "./sdkSchemaKeys";

/** Per entry (as given in `entryPoints`): its bundle and the files esbuild read for it. */
export type WorkerReply = { outputs: { entry: string; code: string; inputs: string[] }[] } | { error: string };

const { options, signal, port, root } = workerData as { options: esbuild.BuildOptions; signal: Int32Array; port: MessagePort; root: string };

function reply(message: WorkerReply): void {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

async function main(): Promise<void> {
  const { build, stop } = createRequire(path.join(root, "package.json"))("esbuild") as typeof esbuild;
  try {
    const result = await build({ ...options, plugins: [sdkSchemaKeysPlugin(), lambdaSdkPlugin()] });
    const absolute = (p: string) => path.resolve(options.absWorkingDir ?? root, p);
    // Every file the build read counts for every entry: a file that gave an output no bytes
    // (tree-shaken away) can still change it when edited, and entries built together are
    // rebuilt together.
    const inputs = Object.keys(result.metafile!.inputs);
    const outputs = Object.entries(result.metafile!.outputs)
      .filter(([, o]) => o.entryPoint)
      .map(([file, o]) => ({ entry: absolute(o.entryPoint!), code: result.outputFiles!.find((f) => f.path === absolute(file))!.text, inputs }));
    reply({ outputs });
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }));
