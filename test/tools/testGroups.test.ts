/**
 * Which test files share a process (tools/testGroups.ts), over a small repository of its own: a
 * file that would leak state into the next file must get a process of its own, and every file
 * runs exactly once.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { groupTestFiles, ownProcessReason } from "../../tools/testGroups";

function repo(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-groups-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

const TEST = 'import { it } from "node:test";\nit("x", () => {});\n';

describe("test files that must own a process", () => {
  const root = repo({
    "runtime/handlers/thing.ts": "export const handler = async () => ({});\n",
    "runtime/thing/run.ts": "export const run = () => 1;\n",
    "test/support/mocks.ts": 'import * as pulumi from "@pulumi/pulumi";\nexport async function withMocks() { await pulumi.runtime.setMocks({} as never, "p", "s", true); }\n',
    "test/support/isolated.ts": 'import * as pulumi from "@pulumi/pulumi";\n// each run in its own store\nexport const run = (f: () => Promise<void>) => state.withLocalStorage(async () => { pulumi.runtime.setAllConfig({}, []); await f(); });\n',
    "test/support/deep.ts": 'export * from "./mocks";\n',
    "test/plain.test.ts": `import { run } from "../runtime/thing/run";\n${TEST}`,
    "test/typesOnly.test.ts": `import type * as pulumi from "@pulumi/pulumi";\nimport * as aws from "@pulumi/aws";\n${TEST}`,
    "test/isolatedRuns.test.ts": `import { run } from "./support/isolated";\n${TEST}`,
    "test/setsMocks.test.ts": `import * as pulumi from "@pulumi/pulumi";\npulumi.runtime.setMocks({} as never, "p", "s", true);\n${TEST}`,
    "test/mocksTwoImportsDown.test.ts": `import { withMocks } from "./support/deep";\n${TEST}`,
    "test/handler.test.ts": `const { handler } = require("../runtime/handlers/thing");\n${TEST}`,
    "test/env.test.ts": `process.env.AWS_REGION = "eu-west-1";\n${TEST}`,
    "test/envAssign.test.ts": `Object.assign(process.env, { A: "1" });\n${TEST}`,
    "test/envRead.test.ts": `const region = process.env.AWS_REGION === "x";\n${TEST}`,
    "test/eachHook.test.ts": `import { beforeEach, it } from "node:test";\nbeforeEach(() => {});\n${TEST}`,
    "test/onceHook.test.ts": `import { before, it } from "node:test";\nbefore(() => {});\n${TEST}`,
    "test/nestedEachHook.test.ts": `import { beforeEach, describe, it } from "node:test";\ndescribe("d", () => {\n  beforeEach(() => {});\n  it("x", () => {});\n});\n`,
    "test/marked.test.ts": `// test-isolation: process (it patches globalThis.fetch)\n${TEST}`,
  });
  const reason = (name: string) => ownProcessReason(path.join(root, "test", name), root);

  it("shares a file that only imports code, Pulumi's types and SDKs, or runs programs each in a store of its own", () => {
    for (const name of ["plain.test.ts", "typesOnly.test.ts", "isolatedRuns.test.ts", "envRead.test.ts", "onceHook.test.ts", "nestedEachHook.test.ts"]) assert.equal(reason(name), undefined, name);
  });

  it("gives a process of its own to a file that sets Pulumi's runtime, itself or through its imports", () => {
    assert.match(reason("setsMocks.test.ts")!, /runs Pulumi/);
    assert.match(reason("mocksTwoImportsDown.test.ts")!, /runs Pulumi \(through test\/support\/mocks\.ts\)/);
  });

  it("and to a file that loads a handler, changes process.env, hooks every test at the top level, or says so", () => {
    assert.match(reason("handler.test.ts")!, /loads the thing handler/);
    assert.match(reason("env.test.ts")!, /changes process\.env/);
    assert.match(reason("envAssign.test.ts")!, /changes process\.env/);
    assert.match(reason("eachHook.test.ts")!, /top-level beforeEach\/afterEach/);
    assert.match(reason("marked.test.ts")!, /says so/);
  });

  it("runs every file exactly once: the shared ones spread over the asked number of processes", () => {
    const files = fs.readdirSync(path.join(root, "test")).filter((f) => f.endsWith(".test.ts")).map((f) => path.join(root, "test", f));
    const groups = groupTestFiles(files, root, 3);
    assert.equal(groups.shared.length, 3);
    const all = [...groups.own.map((o) => o.file), ...groups.shared.flat()].sort();
    assert.deepEqual(all, [...files].sort());
    assert.equal(groups.own.length, 7);
    assert.ok(groups.shared.every((g) => g.length === 2), groups.shared.map((g) => g.length).join(", "));
    const plain = path.join(root, "test", "plain.test.ts");
    assert.deepEqual(groupTestFiles([plain], root, 4).shared, [[plain]], "never an empty process");
  });

  it("balances the shared processes by what each file took last time, heaviest first", () => {
    const names = ["plain", "typesOnly", "isolatedRuns", "envRead", "onceHook", "nestedEachHook"].map((n) => path.join(root, "test", `${n}.test.ts`));
    const [a, b, c, d, e, f] = names as [string, string, string, string, string, string];
    const groups = groupTestFiles(names, root, 2, { [a]: 10_000, [b]: 9_000, [c]: 2_000, [d]: 1_000, [e]: 500, [f]: 400 });
    const load = (g: string[]) => g.reduce((n, file) => n + ({ [a]: 10_000, [b]: 9_000, [c]: 2_000, [d]: 1_000, [e]: 500, [f]: 400 } as Record<string, number>)[file]!, 0);
    assert.deepEqual(groups.shared.map(load).sort((x, y) => x - y), [11_400, 11_500], "the two heavy files apart, the light ones filling in");
    // A file never timed weighs its size at the timed files' rate: a new file does not pile onto one process.
    const fresh = groupTestFiles(names, root, 2, { [a]: 10_000, [b]: 9_000 });
    assert.ok(fresh.shared.every((g) => g.includes(a) !== g.includes(b)), "the two timed heavy files apart");
  });
});
