/**
 * Lets esbuild drop the AWS SDK schemas a bundle never uses.
 *
 * Each AWS SDK v3 client describes every operation of its service as schema arrays in one
 * generated module (`dist-es/schemas/schemas_0.js`: 1.3 MB for EC2). Their trait objects use
 * computed keys naming module constants (`{ [_xN]: _it }` with `const _xN = "xmlName"`). esbuild
 * must assume a computed key can run code (a `toString`), so it keeps every statement holding one:
 * importing `EC2Client` alone keeps 540 KB of schemas for operations the function never sends
 * (aws/aws-sdk-js-v3#7607, evanw/esbuild#4373, both open). Replacing each such key by the string
 * literal its constant holds builds the same objects and lets esbuild tree-shake the rest.
 * test/runtime/handlers/sdkSchemaKeys.test.ts proves the rewritten modules export equal values.
 */
import * as fs from "node:fs";
import type { Plugin } from "esbuild";

/** The generated schema modules of the SDK's ES module builds (clients and nested clients). */
export const SDK_SCHEMA_MODULE = /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:submodules[\\/][^\\/]+[\\/])?schemas[\\/]schemas_\d+\.js$/;

/**
 * `source` with every computed object key `[name]:` replaced by the literal of `name`, where
 * `name` is a top-level `const name = "...";` declared once. `__proto__` stays computed: as a
 * literal key it would set the prototype instead of a property.
 */
export function inlineSchemaKeys(source: string): { code: string; rewritten: number } {
  const literals = new Map<string, string>();
  const declaredTwice = new Set<string>();
  for (const m of source.matchAll(/^const ([A-Za-z_$][\w$]*) = ("(?:[^"\\\n]|\\.)*");$/gm)) {
    if (literals.has(m[1]!)) declaredTwice.add(m[1]!);
    literals.set(m[1]!, m[2]!);
  }
  let rewritten = 0;
  // Only a key position: right after `{` or `,` (a generated file has no other `[name]:`).
  const code = source.replace(/(?<=[{,]\s*)\[([A-Za-z_$][\w$]*)\](?=\s*:)/g, (whole, name: string) => {
    const literal = literals.get(name);
    if (literal === undefined || declaredTwice.has(name) || JSON.parse(literal) === "__proto__") return whole;
    rewritten++;
    return literal;
  });
  return { code, rewritten };
}

/** esbuild plugin applying inlineSchemaKeys to the SDK's schema modules as they are read. */
export function sdkSchemaKeysPlugin(): Plugin {
  return {
    name: "costguard-sdk-schema-keys",
    setup(build) {
      build.onLoad({ filter: SDK_SCHEMA_MODULE }, async (args) => ({
        contents: inlineSchemaKeys(await fs.promises.readFile(args.path, "utf8")).code,
        loader: "js",
      }));
    },
  };
}
