/**
 * The rewrite of the AWS SDK's schema modules (components/sdkSchemaKeys.ts) changes what esbuild
 * can drop, never what the SDK sees: every schema module of every installed client, loaded as
 * written and as rewritten, exports equal values (schemas compared through their lazy `() => X$`
 * references, error classes by name, registries entry by entry).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import type { Plugin } from "esbuild";
import { loadBundled, root, sdkModules } from "../../support/sdkModules";
import { inlineSchemaKeys, sdkSchemaKeysPlugin, SDK_SCHEMA_MODULE } from "../../../components/sdkSchemaKeys";


const schemaModules = () => sdkModules(SDK_SCHEMA_MODULE);
const load = (file: string, plugins: Plugin[]) => loadBundled(file, plugins);

/** Deep equality through schema thunks (`() => X$`), classes by name, Maps by entries; cycles allowed. */
function assertSame(a: unknown, b: unknown, at: string, seen = new Map<object, Set<unknown>>()): void {
  if (typeof a === "function" && typeof b === "function") {
    if (a.length === 0 && !/^class\b/.test(Function.prototype.toString.call(a))) return assertSame((a as () => unknown)(), (b as () => unknown)(), `${at}()`, seen);
    return assert.equal(a.name, b.name, `${at}: same function`);
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return assert.deepEqual(a, b, at);
  const pairs = seen.get(a) ?? new Set();
  if (pairs.has(b)) return;
  seen.set(a, pairs.add(b));
  assert.equal(Object.getPrototypeOf(a)?.constructor?.name, Object.getPrototypeOf(b)?.constructor?.name, `${at}: same kind of object`);
  if (a instanceof Map && b instanceof Map) {
    // Keys may be schemas (objects): compare entries in order.
    const [ea, eb] = [[...a.entries()], [...b.entries()]];
    assert.equal(ea.length, eb.length, `${at}: same size`);
    ea.forEach(([k, v], i) => assertSame([k, v], eb[i], `${at}[entry ${i}]`, seen));
    return;
  }
  assert.deepEqual(Object.keys(a), Object.keys(b), `${at}: same keys`);
  for (const k of Object.keys(a)) assertSame((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`, seen);
}

describe("AWS SDK schema keys rewrite", () => {
  it("replaces computed keys naming string constants by their literals, and nothing else", () => {
    const source = [
      'const _xN = "xmlName";',
      'const _h = "httpHeader";',
      'const _p = "__proto__";',
      'const _d = "one";',
      'const _d = "two";',
      'export var A$ = [3, n0, _xN, 0, [_xN], [[() => B, { [_xN]: _h, [_h]: "x" }]]];',
      "export var B = { [_p]: 1, [_d]: 2, [unknown]: 3, nested: { a: 1,[_xN]: 4 } };",
      "export var C = cond ? [_xN] : [_h];",
    ].join("\n");
    const { code, rewritten } = inlineSchemaKeys(source);
    assert.equal(rewritten, 3);
    assert.match(code, /\{ "xmlName": _h, "httpHeader": "x" \}/);
    assert.match(code, /\[_p\]: 1, \[_d\]: 2, \[unknown\]: 3, nested: \{ a: 1,"xmlName": 4 \}/, "__proto__, a constant declared twice and an unknown name stay computed");
    assert.match(code, /\[3, n0, _xN, 0, \[_xN\]/, "values and array elements are untouched");
    assert.match(code, /cond \? \[_xN\] : \[_h\]/);
  });

  it("every installed client's schemas export the same values once rewritten", async () => {
    const modules = schemaModules();
    assert.ok(modules.length >= 15, `found the clients' schema modules (${modules.length})`);
    for (const file of modules) {
      const { rewritten } = inlineSchemaKeys(fs.readFileSync(file, "utf8"));
      const name = path.relative(root, file);
      assert.ok(rewritten > 0, `${name}: has computed keys to rewrite`);
      assertSame(await load(file, [sdkSchemaKeysPlugin()]), await load(file, []), name);
    }
  });
});
