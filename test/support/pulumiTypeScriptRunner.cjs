// Loads a Pulumi TypeScript program the way `pulumi up` does (@pulumi/pulumi/cmd/run, CommonJS
// path): ts-node (the project's, else Pulumi's vendored 7.0.1) over the project's own
// typescript, type checking on, tsconfig.json merged over Pulumi's options; then runs it
// under the offline mocks. Plain JavaScript on purpose: no tsx, no other loader, as in the CLI.
//   node pulumiTypeScriptRunner.cjs <programDir> <stack> <configJson>
const path = require("node:path");
const [programDir, stack, configJson] = process.argv.slice(2);
const fromProgram = (m) => require.resolve(m, { paths: [programDir] });
const tsutils = require(fromProgram("@pulumi/pulumi/tsutils"));
const semver = require(require.resolve("semver", { paths: [path.dirname(fromProgram("@pulumi/pulumi/package.json"))] }));

const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const ts = require(typescriptRequire === "typescript" ? fromProgram("typescript") : typescriptRequire);
const tsConfigPath = path.join(programDir, "tsconfig.json");
const nodeNext = semver.gte(ts.version, "4.7.0");
require(tsnodeRequire === "ts-node" ? fromProgram("ts-node") : tsnodeRequire).register({
  compiler: typescriptRequire === "typescript" ? fromProgram("typescript") : typescriptRequire,
  transpileOnly: undefined, // the CLI's default: type check
  project: tsConfigPath,
  skipProject: false,
  compilerOptions: { target: "ES2020", module: nodeNext ? "nodenext" : "commonjs", moduleResolution: nodeNext ? "nodenext" : "node", sourceMap: "true", ...tsutils.loadTypeScriptCompilerOptions(tsConfigPath) },
});

(async () => {
  const pulumi = require(fromProgram("@pulumi/pulumi"));
  const { RecordingMocks } = require(path.join(__dirname, "..", "..", "tools", "offline", "mocks.ts"));
  const config = JSON.parse(configJson);
  pulumi.runtime.setAllConfig(config, []);
  const mocks = new RecordingMocks(config["aws:region"] ?? "us-east-1");
  // The project's own name (Pulumi.yaml), so `new pulumi.Config()` reads its namespace.
  const project = /^name:\s*(\S+)/m.exec(require("node:fs").readFileSync(path.join(programDir, "Pulumi.yaml"), "utf8"))[1];
  await pulumi.runtime.setMocks(mocks, project, stack, true);
  await pulumi.runtime.runInPulumiStack(async () => require(path.join(programDir, "index.ts")));
  await pulumi.runtime.disconnect();
  console.log(JSON.stringify({ typescript: ts.version, tsNode: tsnodeRequire, resources: mocks.resources.length }));
})().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
