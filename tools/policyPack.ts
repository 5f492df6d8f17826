/**
 * Builds costguard's policy pack as a self-contained directory that `pulumi policy publish`
 * can upload to Pulumi Cloud:
 *
 *   npm run policy:pack                      → dist/policy-pack/
 *   npm run policy:pack -- --out <dir>
 *   cd dist/policy-pack && pulumi policy publish <org>
 *
 * Why a build: the pack's cost rule imports the pricing catalog and estimator from
 * runtime/pricing/, outside policy/. `pulumi policy publish` packs only the pack's own
 * directory (npm pack) and Pulumi Cloud later runs `npm install` in it, so a relative import
 * out of the directory would not exist there. esbuild bundles the rules, the pricing code and
 * zod into one index.js; @pulumi/policy and @pulumi/pulumi stay real dependencies because the
 * analyzer must talk to the engine through the very modules it installs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { BUNDLE_TARGET } from "../components/bundle";

const ROOT = path.join(__dirname, "..");
const POLICY_DIR = path.join(ROOT, "policy");
export const DEFAULT_OUT = path.join(ROOT, "dist", "policy-pack");

/** Modules the bundle requires at run time; everything else is inside index.js. */
export const PACK_EXTERNALS = ["@pulumi/policy", "@pulumi/pulumi"] as const;
/** Files copied as they are: the pack's project file and the per-stack configs. */
const COPIED = ["PulumiPolicy.yaml", "config.dev.json", "config.prod.json"];

export interface BuiltPack {
  dir: string;
  files: string[];
  bundleBytes: number;
}

export function buildPolicyPack(outDir: string = DEFAULT_OUT): BuiltPack {
  const source = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8")) as { name: string; version: string; description?: string; dependencies: Record<string, string> };
  const missing = PACK_EXTERNALS.filter((m) => !source.dependencies[m]);
  if (missing.length) throw new Error(`policy/package.json must list ${missing.join(" and ")} in dependencies (the bundle leaves them external)`);

  const result = buildSync({
    entryPoints: [path.join(POLICY_DIR, "index.ts")],
    bundle: true,
    platform: "node",
    // Runs wherever `pulumi preview` runs: the oldest Node the pack's @pulumi/pulumi accepts (engines >=22).
    target: BUNDLE_TARGET,
    format: "cjs",
    write: false,
    // Violation messages and stack traces stay readable for whoever debugs a policy run.
    minify: false,
    keepNames: true,
    external: [...PACK_EXTERNALS],
    logLevel: "silent",
  });
  const bundle = result.outputFiles[0]!.contents;

  // Never clear a directory: npm pack would upload anything else in it, and --out may point
  // anywhere, so a directory holding other files is refused and the build's own are overwritten.
  const ours = new Set(["index.js", "package.json", ...COPIED]);
  const others = fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((f) => !ours.has(f)) : [];
  if (others.length) throw new Error(`${outDir} holds other files (${others.slice(0, 5).join(", ")}${others.length > 5 ? ", ..." : ""}), which pulumi policy publish would upload too; choose a new or empty directory with --out`);
  const manifestFile = path.join(outDir, "package.json");
  if (fs.existsSync(manifestFile) && (JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { name?: string }).name !== source.name) {
    throw new Error(`${manifestFile} belongs to another package, not a ${source.name} build; choose a new or empty directory with --out`);
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "index.js"), bundle);
  const manifest = {
    name: source.name,
    version: source.version,
    description: source.description,
    main: "index.js",
    dependencies: Object.fromEntries(PACK_EXTERNALS.map((m) => [m, source.dependencies[m]])),
  };
  fs.writeFileSync(path.join(outDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const file of COPIED) fs.copyFileSync(path.join(POLICY_DIR, file), path.join(outDir, file));
  return { dir: outDir, files: ["index.js", "package.json", ...COPIED], bundleBytes: bundle.byteLength };
}

function main(argv: string[]): number {
  const outAt = argv.indexOf("--out");
  if (outAt >= 0 && !argv[outAt + 1]) {
    console.error("--out needs a directory, e.g. npm run policy:pack -- --out /tmp/costguard-policy");
    return 2;
  }
  const unknown = argv.filter((a, i) => a.startsWith("-") && a !== "--out" && argv[i - 1] !== "--out");
  if (unknown.length) {
    console.error(`unknown option ${unknown.join(", ")}; usage: npm run policy:pack [-- --out <dir>]`);
    return 2;
  }
  let pack: BuiltPack;
  try {
    pack = buildPolicyPack(outAt >= 0 ? path.resolve(argv[outAt + 1]!) : DEFAULT_OUT);
  } catch (err) {
    console.error(`policy pack not built: ${(err as Error).message}`);
    return 1;
  }
  const relative = path.relative(process.cwd(), pack.dir);
  const rel = relative === "" ? "." : relative.startsWith("..") ? pack.dir : relative;
  console.log(`policy pack built in ${rel}: ${pack.files.join(", ")} (index.js ${(pack.bundleBytes / 1024).toFixed(0)} KB)`);
  // Publishing runs the pack once to read its rules: @pulumi/policy must resolve from there.
  if (path.relative(ROOT, pack.dir).startsWith("..")) console.log(`first:       cd ${rel} && npm install  (@pulumi/policy must resolve from the pack's directory)`);
  console.log(`publish it:  cd ${rel} && pulumi policy publish <org>`);
  console.log(`or run it:   pulumi preview --policy-pack ${rel} --policy-pack-config ${rel}/config.dev.json`);
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
