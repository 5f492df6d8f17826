import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { parseGuardConfig } from "../../config/read";
import { pulumiYamlConfigBlock, renderPulumiYaml } from "../../tools/configDocs";
import { matchesDeclaredType } from "../../tools/offline/runProgram";

const parse = (values: Record<string, string>, stack = "dev", secretKeys: string[] = []) => parseGuardConfig(values, stack, { secretKeys });

describe("stack config validation", () => {
  it("accepts an empty config and applies the default environments", () => {
    const r = parse({});
    assert.ok(r.ok);
    assert.equal(r.config.environments.dev!.maxHourlyUsd, 8);
    assert.equal(r.config.environments.staging!.spikePercent, 1.5);
    assert.equal(r.config.environments.prod!.response, "notify");
    assert.equal(r.config.failsafe.schedule, "rate(2 minutes)");
    assert.equal(r.config.failsafe.maxActionsPerRun, 20);
    assert.equal(r.config.spot.breakerThreshold, 3);
    assert.equal(r.config.enforcer.mode, "audit");
    assert.equal(r.config.environment, "dev");
    assert.equal(r.config.isProduction, false);
  });

  it("merges a partial environment override over its defaults", () => {
    const r = parse({ environments: JSON.stringify({ dev: { maxHourlyUsd: 12 } }) });
    assert.ok(r.ok);
    assert.deepEqual({ ...r.config.environments.dev }, { maxHourlyUsd: 12, spikePercent: 3, windowMinutes: 20, response: "stop", priority: 1, dryRun: false });
  });

  it("reports every problem at once, each naming key, value and expectation", () => {
    const r = parse({
      environments: JSON.stringify({ dev: { maxHourlyUsd: "eight" }, qa: { maxHourlyUsd: 3 } }),
      logRetentionDays: "13",
      failsafe: JSON.stringify({ schedule: "every 2 minutes", maxActionsPerRn: 3 }),
      alertEmails: JSON.stringify(["ops@example.com", "not-an-email"]),
    });
    assert.ok(!r.ok);
    const text = r.problems.join("\n");
    assert.match(text, /costguard:environments\.dev\.maxHourlyUsd must be a number \(got "eight"\)/);
    assert.match(text, /costguard:environments\.qa\.spikePercent must be a number \(got nothing\)/, "a new environment must give every field");
    assert.match(text, /costguard:logRetentionDays must be one of CloudWatch Logs' retention periods.*\(got 13\)/);
    assert.match(text, /costguard:failsafe\.schedule must be an EventBridge schedule.*\(got "every 2 minutes"\)/);
    assert.match(text, /costguard:failsafe has unknown key "maxActionsPerRn"/);
    assert.match(text, /costguard:alertEmails\.1 must be an e-mail address \(got "not-an-email"\)/);
  });

  it("refuses SSH in prod (the prod policy pack refuses port 22) but not in dev", () => {
    const prod = parse({ sshAllowedCidr: "0.0.0.0/0" }, "prod");
    assert.ok(!prod.ok);
    assert.match(prod.problems[0]!, /costguard:sshAllowedCidr must not be set in production \(got "0\.0\.0\.0\/0"\)/);
    assert.ok(parse({ sshAllowedCidr: "0.0.0.0/0" }, "dev").ok);
  });

  it("requires the Slack webhook to be a secret and never echoes it", () => {
    const plain = parse({ slackWebhookUrl: "https://hooks.slack.com/services/T/B/XYZ" });
    assert.ok(!plain.ok);
    assert.match(plain.problems[0]!, /must be stored as a secret: run `pulumi config set --secret costguard:slackWebhookUrl/);
    assert.ok(!plain.problems.join("").includes("XYZ"));
    assert.ok(parse({ slackWebhookUrl: "https://hooks.slack.com/services/T/B/XYZ" }, "dev", ["slackWebhookUrl"]).ok);
  });

  it("keeps a string-typed key a string even when it looks like JSON", () => {
    const r = parse({ project: "2024" });
    assert.ok(r.ok);
    assert.equal(r.config.project, "2024");
  });

  it("words bounds plainly", () => {
    const r = parse({ failsafe: JSON.stringify({ maxActionsPerRun: 0 }), enforcer: JSON.stringify({ authorizationTags: [] }) });
    assert.ok(!r.ok);
    assert.deepEqual(r.problems.sort(), [
      "costguard:enforcer.authorizationTags must list at least one tag (got [])",
      "costguard:failsafe.maxActionsPerRun must be at least 1 (got 0)",
    ]);
  });

  it("rejects an unknown top-level key", () => {
    const r = parse({ montlyBudgetUsd: "5" });
    assert.ok(!r.ok);
    assert.match(r.problems[0]!, /unknown key "montlyBudgetUsd"/);
  });

  it("Pulumi.yaml declares exactly the schema's keys, types and defaults", () => {
    const file = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8");
    assert.equal(file, renderPulumiYaml(file), "Pulumi.yaml is out of step with config/schema.ts: run `npm run config-docs -- --write`");
    assert.match(pulumiYamlConfigBlock(), /failsafe:\n {4}type: object\n {4}description: .*\n {4}default: \{\}/);
    // The CLI requires every declared key without a default: every declared key has one, and
    // the optional ones without (and the secret webhook URL) are not declared.
    const declared = (yaml.load(file) as { config: Record<string, { default?: unknown; secret?: boolean }> }).config;
    for (const [key, decl] of Object.entries(declared)) assert.ok(decl.default !== undefined, `${key} is declared without a default: the CLI would require it`);
    for (const key of ["environment", "nodeOptimizer", "sshAllowedCidr", "slackWebhookUrl"]) assert.ok(!(key in declared), `${key} must not be declared`);
    // What the CLI's project validation checks (workspace/project.go Validate, project.json).
    for (const [key, decl] of Object.entries(declared as Record<string, { type?: string; items?: { type: string }; default?: unknown; value?: unknown; secret?: boolean }>)) {
      if (decl.type === undefined) continue;
      assert.ok(["string", "integer", "boolean", "array", "object"].includes(decl.type), `${key}: type ${decl.type} is not a Pulumi config type`);
      if (decl.type === "array") assert.ok(decl.items, `${key}: an array needs items`);
      assert.ok(matchesDeclaredType(decl.type, decl.items, decl.default), `${key}: its default is not of type ${decl.type}`);
      assert.ok(!decl.secret, `${key}: a secret key cannot have a plain default`);
    }
  });
});
