/**
 * The Lambda bundle rewrites of components/sdkErrorClasses.ts change the bytes, never what the SDK
 * does: every error class of every installed client, loaded as written and as rewritten, is the
 * same class (name, shape id, base class, prototype chain, `instanceof` both ways) and builds the
 * same error (own properties in the same order, same values, same message); and a bundled client's
 * credential chain still finds the environment's credentials, and without any still ends with the
 * SDK's own "Could not load credentials" error instead of a missing module.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { build, type Plugin } from "esbuild";
import { loadBundled, root, sdkModules } from "../../support/sdkModules";
import { compactErrorClasses, lambdaSdkPlugin, SDK_ERRORS_MODULE } from "../../../components/sdkErrorClasses";


const errorModules = () => sdkModules(SDK_ERRORS_MODULE);
// As the functions are bundled: minified, names kept.
const load = (file: string, plugins: Plugin[]) => loadBundled(file, plugins, { minify: true, keepNames: true });

type ErrorClass = (new (opts: Record<string, unknown>) => Error) & { shapeId?: string };

/** What a user of the SDK can see of an error object: own properties in order, and their values. */
function seen(e: Error): [string, unknown][] {
  return Object.getOwnPropertyNames(e).filter((k) => k !== "stack").map((k) => [k, (e as unknown as Record<string, unknown>)[k]]);
}

describe("compact AWS SDK error classes", () => {
  const modules = errorModules();

  it("finds the error modules of the clients the functions bundle", () => {
    for (const client of ["client-rds", "client-dynamodb", "client-organizations", "client-s3", "client-elastic-load-balancing-v2"]) assert.ok(modules.some((m) => m.includes(`${path.sep}${client}${path.sep}`)), client);
  });

  it("leaves a class of any other shape as written", () => {
    const odd = 'import { X as __BaseException } from "./X";\nexport class Odd extends __BaseException {\n    name = "Odd";\n    $fault = "client";\n    $retryable = {};\n    constructor(opts) {\n        super({\n            name: "Odd",\n            $fault: "client",\n            ...opts,\n        });\n        Object.setPrototypeOf(this, Odd.prototype);\n    }\n}\n';
    assert.deepEqual(compactErrorClasses(odd), { code: odd, rewritten: 0 });
  });

  it("every installed client's error classes are the same classes and build the same errors", { timeout: 240_000 }, async () => {
    let compared = 0;
    let rewritten = 0;
    for (const file of modules) {
      const source = fs.readFileSync(file, "utf8");
      rewritten += compactErrorClasses(source).rewritten;
      const [before, after] = await Promise.all([load(file, []), load(file, [lambdaSdkPlugin()])]);
      assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort(), `${file}: same exports`);
      for (const name of Object.keys(before)) {
        const [A, B] = [before[name] as ErrorClass, after[name] as ErrorClass];
        if (typeof A !== "function") continue;
        const at = `${path.relative(root, file)} ${name}`;
        assert.equal(B.name, A.name, `${at}: class name`);
        assert.equal(B.shapeId, A.shapeId, `${at}: shape id`);
        assert.equal(Object.getPrototypeOf(B).name, Object.getPrototypeOf(A).name, `${at}: base class`);
        const opts = { message: "it broke", $metadata: { httpStatusCode: 400, requestId: "r-1" }, Message: "It broke", Reason: "because", Code: "Broke", extra: 1 };
        const [a, b] = [new A(opts), new B(opts)];
        assert.deepEqual(seen(b), seen(a), `${at}: same own properties, in order`);
        assert.equal(String(b), String(a), `${at}: same text`);
        assert.ok(b instanceof B && Object.getPrototypeOf(b) === B.prototype && B.prototype.constructor === B, `${at}: prototype chain`);
        assert.ok(b instanceof Object.getPrototypeOf(B), `${at}: instanceof its base`);
        assert.equal(Object.prototype.propertyIsEnumerable.call(B, "shapeId"), Object.prototype.propertyIsEnumerable.call(A, "shapeId"), `${at}: shapeId attributes`);
        compared++;
      }
    }
    assert.ok(compared > 400, `${compared} classes compared`);
    assert.ok(rewritten > 0.9 * compared, `${rewritten} of ${compared} rewritten`);
  });
});

describe("a bundled client's credential chain in a Lambda function", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-creds-"));
  const entry = path.join(dir, "entry.mjs");
  fs.writeFileSync(entry, 'import { defaultProvider } from "@aws-sdk/credential-provider-node";\nexport const credentials = () => defaultProvider()();\n');
  let bundleFile: string;
  let inputs: string[];

  async function bundled(): Promise<string> {
    if (bundleFile) return bundleFile;
    const out = await build({ entryPoints: [entry], absWorkingDir: root, nodePaths: [path.join(root, "node_modules")], bundle: true, platform: "node", format: "cjs", mainFields: ["module", "main"], write: false, metafile: true, logLevel: "silent", plugins: [lambdaSdkPlugin()] });
    inputs = Object.keys(out.metafile!.inputs);
    bundleFile = path.join(dir, "bundle.cjs");
    fs.writeFileSync(bundleFile, out.outputFiles[0]!.text);
    return bundleFile;
  }

  function credentials(env: Record<string, string>): { ok: boolean; text: string } {
    const script = `require(${JSON.stringify(bundleFile)}).credentials().then((c) => console.log(JSON.stringify({ ok: true, text: c.accessKeyId })), (e) => console.log(JSON.stringify({ ok: false, text: e.name + ": " + e.message })))`;
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env: { ...clean, HOME: dir, AWS_EC2_METADATA_DISABLED: "true", ...env } });
    return JSON.parse(r.stdout.trim().split("\n").pop()!) as { ok: boolean; text: string };
  }

  it("leaves out the providers that read files, and keeps the environment and container links", async () => {
    await bundled();
    const packages = new Set(inputs.map((i) => /node_modules\/(@[^/]+\/[^/]+|[^@/][^/]*)/.exec(i)?.[1]));
    for (const gone of ["@aws-sdk/credential-provider-sso", "@aws-sdk/credential-provider-ini", "@aws-sdk/credential-provider-process", "@aws-sdk/credential-provider-web-identity", "@aws-sdk/nested-clients", "@aws-sdk/token-providers"]) assert.ok(!packages.has(gone), `${gone} is not bundled`);
    for (const kept of ["@aws-sdk/credential-provider-env", "@aws-sdk/credential-provider-http", "@smithy/credential-provider-imds"]) assert.ok(packages.has(kept), `${kept} is bundled`);
  });

  it("finds the environment's credentials, as in Lambda", async () => {
    await bundled();
    assert.deepEqual(credentials({ AWS_ACCESS_KEY_ID: "AKIDLAMBDA", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "t" }), { ok: true, text: "AKIDLAMBDA" });
  });

  it("without any, a profile set, ends with the SDK's own error: each left-out link passes to the next", async () => {
    await bundled();
    const r = credentials({ AWS_PROFILE: "nope" });
    assert.equal(r.ok, false);
    // The last links ran: the metadata service (disabled here), then the chain's own end.
    assert.match(r.text, /^CredentialsProviderError: (Could not load credentials from any providers|EC2 Instance Metadata Service access disabled)/);
  });
});
