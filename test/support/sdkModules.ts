/**
 * For the tests of the AWS SDK rewrites (components/sdkSchemaKeys.ts, components/sdkErrorClasses.ts):
 * the installed SDK modules a rewrite applies to, and a module's exports loaded through esbuild
 * with or without the rewrite, to compare both ways.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { build, type BuildOptions, type Plugin } from "esbuild";

export const root = path.join(__dirname, "..", "..");

/** Every file of the installed @aws-sdk packages' ES module builds (clients and nested clients) that `pattern` matches. */
export function sdkModules(pattern: RegExp): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (pattern.test(p)) found.push(p);
    }
  };
  for (const pkg of fs.readdirSync(path.join(root, "node_modules", "@aws-sdk"))) {
    const es = path.join(root, "node_modules", "@aws-sdk", pkg, "dist-es");
    if (fs.existsSync(es)) walk(es);
  }
  return found.sort();
}

/** The module's exports, bundled with these plugins (and options) and evaluated. */
export async function loadBundled(file: string, plugins: Plugin[], options: BuildOptions = {}): Promise<Record<string, unknown>> {
  const out = await build({ stdin: { contents: `export * from ${JSON.stringify(file)};`, resolveDir: root }, bundle: true, platform: "node", format: "cjs", mainFields: ["module", "main"], write: false, logLevel: "silent", ...options, plugins });
  const mod = { exports: {} as Record<string, unknown> };
  new Function("module", "exports", "require", out.outputFiles![0]!.text)(mod, mod.exports, require);
  return mod.exports;
}
