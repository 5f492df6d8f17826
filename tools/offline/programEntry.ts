/**
 * Finding and running a program's entry point as the Pulumi Node.js host does
 * (sdk/nodejs/cmd/run/run.ts): Pulumi.yaml's `main`, else package.json's `main`, else index.ts or
 * index.js; an ES module when the package is `"type": "module"`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as yaml from "js-yaml";
import { ProgramSetupError } from "./programError";

/** The program's entry file and whether it is an ES module, found as the Pulumi Node.js host finds them. */
export function programEntry(programDir: string): { file: string; esm: boolean } {
  const projectMain = (yaml.load(fs.readFileSync(path.join(programDir, "Pulumi.yaml"), "utf8")) as { main?: unknown }).main;
  const root = typeof projectMain === "string" ? path.resolve(programDir, projectMain) : programDir;
  if (fs.existsSync(root) && fs.statSync(root).isFile()) return { file: root, esm: /\.m[jt]s$/.test(root) || isModulePackage(path.dirname(root)) };
  const pkgFile = path.join(root, "package.json");
  const main = fs.existsSync(pkgFile) ? (JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { main?: string }).main : undefined;
  for (const candidate of [main, "index.ts", "index.js", "index.mts", "index.mjs"].filter(Boolean) as string[]) {
    const p = path.resolve(root, candidate);
    if (fs.existsSync(p)) return { file: p, esm: /\.m[jt]s$/.test(p) || isModulePackage(root) };
  }
  throw new ProgramSetupError(`no program entry (package.json main, index.ts or index.js) in ${root}`);
}

function isModulePackage(dir: string): boolean {
  const pkgFile = path.join(dir, "package.json");
  return fs.existsSync(pkgFile) && (JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { type?: string }).type === "module";
}

/** A real dynamic import (TypeScript would turn `import()` into `require` in a CommonJS build). */
const dynamicImport = new Function("u", "return import(u)") as (url: string) => Promise<Record<string, unknown>>;

/**
 * Loads the program and runs it as the host does (sdk/nodejs/cmd/run/run.ts): an ES module's
 * default export replaces its named exports; an exported function is called, and what it
 * resolves to is the stack's outputs.
 */
export async function loadAndRun(entry: { file: string; esm: boolean }, note: (n: string) => void): Promise<unknown> {
  let exported: unknown;
  if (entry.esm) {
    const mod = await dynamicImport(pathToFileURL(entry.file).href);
    exported = mod;
    if (Object.getOwnPropertyDescriptor(mod, "default") !== undefined) {
      if (Object.keys(mod).length !== 1) throw new Error("expected entrypoint module to have either a default export or named exports but not both");
      exported = mod.default;
    }
  } else {
    exported = require(entry.file);
    const def = (exported as { default?: unknown } | undefined)?.default;
    if (typeof def === "function" && (exported as { __esModule?: boolean }).__esModule) {
      // Pulumi calls a CommonJS module's export only when the export itself is the function.
      note(`${path.basename(entry.file)} exports its program as \`export default\` from a CommonJS module: Pulumi does not call it, so nothing is declared; write \`export = async () => {...}\` or make the package "type": "module"`);
    }
  }
  return exported instanceof Function ? await exported() : await exported;
}
