/**
 * `npm run plan -- --json` lists each resource's inputs as `pulumi preview --json` shows them:
 * secrets as "[secret]" (never their value), values unknown at a first preview as the engine's
 * unknown sentinel, so reviewers and tools can diff them.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { before, describe, it } from "node:test";

const root = path.join(__dirname, "..", "..");
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

interface PlannedJson {
  resources: { type: string; name: string; urn: string; inputs: Record<string, unknown> }[];
}

describe("npm run plan -- --json: resource inputs", () => {
  let stdout = "";
  let doc: PlannedJson;
  before(() => {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "tools", "plan.ts"), "--program", "test/fixtures/analyzer/secrets", "--json"], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 1, r.stderr); // the fixture breaks mandatory rules
    stdout = r.stdout;
    doc = JSON.parse(r.stdout) as PlannedJson;
  });
  const inputsOf = (name: string) => doc.resources.find((r) => r.name === name)!.inputs;

  it("shows secrets as [secret] and never their value", () => {
    assert.deepEqual((inputsOf("one-secret-fn").environment as { variables: unknown }).variables, { DB_PASSWORD: "[secret]", LOG_LEVEL: "info" });
    assert.equal(inputsOf("secret-env-fn").environment, "[secret]");
    for (const value of ["hunter2-plaintext", "hooks.slack.com", "ghp_0123", "sk_live_"]) assert.ok(!stdout.includes(value), `${value} leaked`);
  });

  it("shows values a first preview cannot know as unknown, and what it knows as is", () => {
    const fn = inputsOf("one-secret-fn");
    assert.equal(fn.role, UNKNOWN, "the role's ARN is assigned on create");
    assert.equal(fn.runtime, "nodejs22.x");
    assert.deepEqual(fn.code, { archive: ["index.js"] });
    assert.match(String(inputsOf("fn-role").name), /^fn-role-[0-9a-f]{7}$/, "auto-names are known");
  });

  it("names each resource by its engine URN", () => {
    assert.equal(doc.resources.find((r) => r.name === "outer-inner-topic")!.urn, "urn:pulumi:dev::analyzer-secrets::fixture:nested:Outer$fixture:nested:Inner$aws:sns/topic:Topic::outer-inner-topic");
  });
});
