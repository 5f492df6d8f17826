/**
 * Runs the program (this repository) under the mocks of a deployed stack and writes every
 * resource as the engine records it, for tools/planDiff.ts to compare two recordings.
 *
 *   node --import tsx test/support/recordProgram.ts <stack> <out.json> [<config JSON> [<secret keys, comma-separated>]]
 */
import * as fs from "node:fs";
import { runProgram } from "../../tools/offline/runProgram";

async function main(): Promise<void> {
  const [stack, out, config, secretKeys] = process.argv.slice(2);
  if (!stack || !out) throw new Error("usage: recordProgram.ts <stack> <out.json> [<config JSON> [<secret keys>]]");
  const run = await runProgram({ stack, config: config ? (JSON.parse(config) as Record<string, string>) : undefined, secretKeys: secretKeys ? secretKeys.split(",") : undefined });
  fs.writeFileSync(out, JSON.stringify(run.engine));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
