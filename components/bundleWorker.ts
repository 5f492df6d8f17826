/**
 * One esbuild build with the SDK schema rewrite (a plugin, which esbuild's `buildSync` cannot
 * run), in a worker thread while components/bundle.ts waits on `signal`: bundling stays
 * synchronous for GuardFunction and the tests. esbuild itself is loaded from the repository
 * (`root`), as bundle.ts loads it. The reply is posted on `port` before `signal` is raised.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import { workerData, type MessagePort } from "node:worker_threads";
import type * as esbuild from "esbuild";
import { sdkSchemaKeysPlugin } from "./sdkSchemaKeys";

export type WorkerReply = { code: string; inputs: string[] } | { error: string };

const { options, signal, port, root } = workerData as { options: esbuild.BuildOptions; signal: Int32Array; port: MessagePort; root: string };

function reply(message: WorkerReply): void {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

async function main(): Promise<void> {
  const { build, stop } = createRequire(path.join(root, "package.json"))("esbuild") as typeof esbuild;
  try {
    const result = await build({ ...options, plugins: [sdkSchemaKeysPlugin()] });
    reply({ code: result.outputFiles![0]!.text, inputs: Object.keys(result.metafile!.inputs) });
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }));
