/**
 * Every bad stack or policy config is refused with one clear line per problem (the plan exits
 * 2), every good one accepted: the table in badConfigs.cases.ts, checked in process (fast).
 * planConfigErrors.test.ts runs the plan CLI on the cases that need the file-level path.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { validateStackConfig } from "../../config/read";
import { AWS_PROVIDER_KEYS, AWS_REGIONS } from "../../config/stackConfigKeys";
import { policies } from "../../policy/policies";
import { loadPolicyConfig } from "../../tools/offline/policyConfig";
import { POLICY_CASES, STACK_CASES, type StackCase } from "./badConfigs.cases";

/** The values as the engine passes them to the program: text, JSON for structured values. */
function engineValues(c: StackCase): Record<string, string> {
  const all: Record<string, unknown> = { "aws:region": "us-east-1", ...c.config };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (v !== null) out[k] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}

const oneLine = (m: string) => assert.ok(!m.includes("\n") && m.length > 0, `one line per problem: ${JSON.stringify(m)}`);
const contains = (text: string, says: string | RegExp) => (typeof says === "string" ? text.includes(says) : says.test(text));

describe("bad stack configs (in process)", () => {
  for (const c of STACK_CASES) {
    it(`${c.name}: exit ${c.exit}${c.says ? `, "${String(c.says).slice(0, 60)}"` : ""}`, () => {
      const r = validateStackConfig(engineValues(c), c.stack ?? "dev", { secretKeys: c.secrets, envRegion: undefined });
      if (c.exit === 2) {
        assert.ok(!r.ok, `accepted, but the plan must refuse it (${c.name})`);
        r.problems.forEach(oneLine);
        assert.ok(
          r.problems.some((p) => contains(p, c.says!)),
          `no problem says ${String(c.says)}; got:\n${r.problems.join("\n")}`,
        );
        if (c.never) for (const p of r.problems) assert.ok(!p.includes(c.never), `a message echoes a secret: ${p}`);
      } else {
        assert.ok(r.ok, `refused, but it is valid: ${r.ok ? "" : r.problems.join("\n")}`);
        if (c.says) assert.ok(r.warnings.some((w) => contains(w, c.says!)), `no warning says ${String(c.says)}; got ${r.warnings.join("\n")}`);
      }
    });
  }
});

describe("bad policy configs (in process)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-policycfg-"));
  POLICY_CASES.forEach((c, i) => {
    it(`${c.name}: exit ${c.exit}`, () => {
      const file = path.join(dir, `config.case${i}.json`);
      fs.writeFileSync(file, c.text);
      if (c.exit === 0) {
        loadPolicyConfig(file, policies);
        return;
      }
      assert.throws(
        () => loadPolicyConfig(file, policies),
        (err: Error & { problems?: string[] }) => {
          assert.equal(err.name, "ConfigError", "the plan maps a ConfigError to exit 2");
          assert.ok(err.message.includes(`config.case${i}.json`), `the message names the file: ${err.message}`);
          err.problems!.forEach(oneLine);
          assert.ok(err.problems!.some((p) => p.includes(c.says!)), `no problem says ${c.says}; got:\n${err.problems!.join("\n")}`);
          return true;
        },
      );
    });
  });

  it("the shipped policy configs are valid", () => {
    for (const stack of ["dev", "prod"]) loadPolicyConfig(path.join(__dirname, "..", "..", "policy", `config.${stack}.json`), policies);
  });
});

describe("the table", () => {
  it("holds at least 60 bad-config cases, stack and policy", () => {
    const bad = STACK_CASES.filter((c) => c.exit === 2).length + POLICY_CASES.filter((c) => c.exit === 2).length;
    assert.ok(bad >= 60, `only ${bad} bad cases`);
  });
});

describe("the lists config is checked against", () => {
  it("knows every AWS region and AWS provider setting of the installed @pulumi/aws", () => {
    const awsDir = path.dirname(require.resolve("@pulumi/aws/package.json"));
    const enums = fs.readFileSync(path.join(awsDir, "types", "enums", "index.js"), "utf8");
    const regions = new Set(enums.match(/"[a-z]{2}(-gov)?-[a-z]+-\d"/g)!.map((r) => r.slice(1, -1)));
    assert.deepEqual([...AWS_REGIONS].sort(), [...regions].sort());
    const vars = fs.readFileSync(path.join(awsDir, "config", "vars.d.ts"), "utf8");
    const keys = [...vars.matchAll(/export declare const (\w+)/g)].map((m) => m[1]);
    assert.deepEqual([...AWS_PROVIDER_KEYS].sort(), keys.sort());
  });
});
