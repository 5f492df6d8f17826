/**
 * Two rewrites that make a Lambda bundle of AWS SDK v3 clients smaller without changing what the
 * SDK does in a Lambda function (issue 16: every bundle ≤ 800 KB):
 *
 * 1. Each client's `models/errors.js` declares one class per modelled error (150 for RDS), all
 *    registered with the client's error registry, so none can be tree-shaken. Written out, each
 *    class costs about 300 bytes minified; built by one shared function from its name, fault,
 *    shape id and fields, a few dozen. Same classes: same names (the SDK's `instanceof` compares
 *    them), same static `shapeId`, same own properties in the same order, same prototype chain.
 *    Only classes of exactly the generated shape are rewritten; any other stays as written.
 *    test/runtime/handlers/sdkErrorClasses.test.ts holds every installed client's classes to it.
 *
 * 2. A client's default credential chain imports, on demand, the providers that read ~/.aws
 *    files, SSO caches, a credential_process or a web identity token file. A Lambda function has
 *    none of these: its credentials are in its environment (or its container's endpoint), links
 *    the chain tries first. Bundled, those four providers and the SSO, OIDC and sign-in clients
 *    they bring cost ~70 KB in every function; here each becomes a link that says it does not
 *    apply and lets the chain go on, as the real one does when its files are absent.
 */
import type { Plugin } from "esbuild";
import * as fs from "node:fs";

/** The error modules of the SDK's ES module builds (clients and nested clients). */
export const SDK_ERRORS_MODULE = /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:submodules[\\/][^\\/]+[\\/])?models[\\/]errors\.js$/;

/** One generated error class: optional shape id, name, fault, declared fields, and the constructor that copies them. */
const ERROR_CLASS =
  /^export class (\w+) extends __BaseException \{\n(?: {4}static shapeId = ("[^"\n]*");\n)? {4}name = "\1";\n {4}\$fault = "(client|server)";\n((?: {4}\w+;\n)*) {4}constructor\(opts\) \{\n {8}super\(\{\n {12}name: "\1",\n {12}\$fault: "\3",\n {12}\.\.\.opts,\n {8}\}\);\n {8}Object\.setPrototypeOf\(this, \1\.prototype\);\n((?: {8}this\.\w+ = opts\.\w+;\n)*) {4}\}\n\}\n/gm;

/**
 * Builds the class as the generated source declares it: after `super`, the fields `name` and
 * `$fault` and each declared field (undefined), then the prototype, then the fields from `opts`.
 */
const FACTORY = `const __sdkError = (name, fault, shapeId, fields) => {
  const C = class extends __BaseException {
    constructor(opts) {
      super({ name, $fault: fault, ...opts });
      this.name = name;
      this.$fault = fault;
      for (const f of fields) this[f] = undefined;
      Object.setPrototypeOf(this, C.prototype);
      for (const f of fields) this[f] = opts[f];
    }
  };
  Object.defineProperty(C, "name", { value: name });
  if (shapeId !== undefined) C.shapeId = shapeId;
  return C;
};
`;

/** `source` (a models/errors.js) with each class of the generated shape built by the shared function. */
export function compactErrorClasses(source: string): { code: string; rewritten: number } {
  let rewritten = 0;
  const code = source.replace(ERROR_CLASS, (whole, name: string, shapeId: string | undefined, fault: string, declared: string, copied: string) => {
    const fields = [...declared.matchAll(/ {4}(\w+);\n/g)].map((m) => m[1]!);
    const assigned = [...copied.matchAll(/this\.(\w+) = opts\.(\w+);/g)];
    // Only when every declared field is copied from opts under its own name, in order.
    if (assigned.length !== fields.length || assigned.some((m, i) => m[1] !== fields[i] || m[2] !== fields[i])) return whole;
    rewritten++;
    return `export const ${name} = __sdkError(${JSON.stringify(name)}, "${fault}", ${shapeId ?? "undefined"}, ${JSON.stringify(fields)});\n`;
  });
  if (!rewritten) return { code: source, rewritten };
  // After the imports (the base class), before the first use.
  const at = code.search(/^export /m);
  return { code: `${code.slice(0, at)}${FACTORY}${code.slice(at)}`, rewritten };
}

/** The providers the default chain imports on demand that read files a Lambda function does not have, and the function each exports. */
export const FILE_CREDENTIAL_PROVIDERS: Record<string, string> = {
  "@aws-sdk/credential-provider-sso": "fromSSO",
  "@aws-sdk/credential-provider-ini": "fromIni",
  "@aws-sdk/credential-provider-process": "fromProcess",
  "@aws-sdk/credential-provider-web-identity": "fromTokenFile",
};

const NOT_IN_LAMBDA = (pkg: string, fn: string) => `import { CredentialsProviderError } from "@smithy/core/config";
export const ${fn} = (init = {}) => async () => {
  throw new CredentialsProviderError("${pkg} is not bundled: a Lambda function's credentials come from its environment", { logger: init.logger, tryNextLink: true });
};
`;

/** esbuild plugin for Lambda bundles: both rewrites above. */
export function lambdaSdkPlugin(): Plugin {
  return {
    name: "costguard-lambda-sdk",
    setup(build) {
      build.onLoad({ filter: SDK_ERRORS_MODULE }, async (args) => ({
        contents: compactErrorClasses(await fs.promises.readFile(args.path, "utf8")).code,
        loader: "js",
      }));
      const names = Object.keys(FILE_CREDENTIAL_PROVIDERS).map((p) => p.replace(/[/\\-]/g, "\\$&"));
      // Only the chain's on-demand imports: a static import means the code really uses the provider.
      build.onResolve({ filter: new RegExp(`^(?:${names.join("|")})$`) }, (args) => (args.kind === "dynamic-import" ? { path: args.path, namespace: "costguard-not-in-lambda" } : undefined));
      build.onLoad({ filter: /.*/, namespace: "costguard-not-in-lambda" }, (args) => ({ contents: NOT_IN_LAMBDA(args.path, FILE_CREDENTIAL_PROVIDERS[args.path]!), loader: "js", resolveDir: build.initialOptions.absWorkingDir ?? process.cwd() }));
    },
  };
}
