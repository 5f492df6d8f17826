/**
 * Every stack-config key, and every field of a structured key (services' and databases' entries
 * included), says what it does in the schema: docs/configuration.md, Pulumi.yaml and the README
 * table are generated from these descriptions, so a field without one is undocumented.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GuardConfigSchema } from "../../config/schema";

type Schema = { description?: string; def: { type: string; innerType?: Schema; in?: Schema; element?: Schema; shape?: Record<string, Schema> } };

/** Paths (`services[].healthCheck.command`) of every field without a description, at any depth. */
function undescribed(path: string, schema: Schema, out: string[]): string[] {
  let described = Boolean(schema.description);
  let s = schema;
  // Defaults, optionals and refinements wrap the field: a description on any layer counts.
  while (s.def.innerType || s.def.in) {
    s = (s.def.innerType ?? s.def.in)!;
    described ||= Boolean(s.description);
  }
  if (!described && !path.endsWith("[]")) out.push(path);
  if (s.def.type === "object") for (const [key, field] of Object.entries(s.def.shape ?? {})) undescribed(`${path}.${key}`, field, out);
  if (s.def.type === "array" && s.def.element) undescribed(`${path}[]`, s.def.element, out);
  return out;
}

describe("config schema descriptions", () => {
  it("describes every key and every nested field", () => {
    const missing = Object.entries(GuardConfigSchema.shape).flatMap(([key, field]) => undescribed(key, field as unknown as Schema, []));
    assert.deepEqual(missing, [], `fields without .describe(): ${missing.join(", ")}`);
  });

  it("sees nested fields of list entries (the walk reaches services[] and databases[])", () => {
    const paths: string[] = [];
    const collect = (path: string, s: Schema) => {
      while (s.def.innerType || s.def.in) s = (s.def.innerType ?? s.def.in)!;
      paths.push(path);
      if (s.def.type === "object") for (const [k, f] of Object.entries(s.def.shape ?? {})) collect(`${path}.${k}`, f);
      if (s.def.type === "array" && s.def.element) collect(`${path}[]`, s.def.element);
    };
    for (const [key, field] of Object.entries(GuardConfigSchema.shape)) collect(key, field as unknown as Schema);
    for (const p of ["services[].healthCheck.command", "databases[].alarms.connectionsAbove", "nodeOptimizer.kubernetesGroup", "failsafe.schedule"]) assert.ok(paths.includes(p), p);
  });
});
