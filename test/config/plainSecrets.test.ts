/**
 * One definition of a plain secret: the stack config (a service's `environment`) and the policy
 * pack's no-plain-secrets (Lambda, ECS container definitions, awsx task definitions) give the
 * same verdict on the same name and value, and never repeat the value.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseGuardConfig } from "../../config/read";
import { noPlainSecrets } from "../../policy/policies/noPlainSecrets";
import { res, violations } from "../policy/helpers";

/** [name, value, is it a plain secret?] */
const TABLE: [string, string, boolean][] = [
  ["DB_PASSWORD", "hunter2", true],
  ["DB_PASS", "hunter2", true],
  ["PASSWD", "hunter2", true],
  ["PWD", "hunter2", true],
  ["MYSQL_PWD", "hunter2", true],
  ["STRIPE_KEY", "abcdef123456", true],
  ["ENCRYPTION_KEY", "0123456789abcdef", true],
  ["GITHUB_TOKEN", "abc123", true],
  ["SENTRY_AUTH_TOKEN", "abc123", true],
  ["CREDENTIALS", "user:hunter2", true],
  ["GOOGLE_APPLICATION_CREDENTIALS_JSON", '{"private_key":"x"}', true],
  ["SLACK_WEBHOOK_URL", "https://example.com/hook/abc", true],
  ["DATABASE_URL", "postgres://app:hunter2@db.internal:5432/app", true],
  ["CACHE", "redis://:hunter2@cache:6379", true],
  ["NOTIFY", "https://hooks.slack.com/services/T0/B0/abc", true],
  ["LEGACY", "AKIAIOSFODNN7EXAMPLE", true],
  // Not secrets: paths, references, descriptions of a secret, ordinary names.
  ["PWD", "/srv/app", false],
  ["DB_PASSWORD", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db", false],
  ["DB_PASSWORD_PARAMETER", "/app/db-password", false],
  ["API_KEY_ID", "key-1234", false],
  ["TOKEN_TTL", "3600", false],
  ["PARTITION_KEY", "pk", false],
  ["PUBLIC_KEY", "ssh-ed25519 AAAA", false],
  ["PASS_THROUGH", "true", false],
  ["DATABASE_URL", "postgres://db.internal:5432/app", false],
  ["LOG_LEVEL", "debug", false],
];

async function policySays(name: string, value: string): Promise<string[]> {
  return violations(noPlainSecrets, [
    res("aws:lambda/function:Function", "fn", { environment: { variables: { [name]: value } } }),
    res("aws:ecs/taskDefinition:TaskDefinition", "td", { containerDefinitions: JSON.stringify([{ name: "app", environment: [{ name, value }] }]) }),
    res("awsx:ecs:FargateTaskDefinition", "awsx-td", { containers: { web: { environment: [{ name, value }] } } }),
  ]);
}

function configSays(name: string, value: string): string[] {
  const r = parseGuardConfig({ services: JSON.stringify([{ name: "web", image: "nginx", port: 80, environment: { [name]: value } }]) }, "dev");
  return r.ok ? [] : r.problems;
}

describe("plain secrets: one definition for config and policy", () => {
  for (const [name, value, secret] of TABLE) {
    it(`${name}=${value.slice(0, 24)} is ${secret ? "" : "not "}a plain secret, for both`, async () => {
      const policy = await policySays(name, value);
      const config = configSays(name, value);
      assert.equal(policy.length, secret ? 3 : 0, `policy (Lambda, ECS, awsx): ${policy.join("\n")}`);
      assert.equal(config.length, secret ? 1 : 0, `config: ${config.join("\n")}`);
      if (secret && value.length >= 6) for (const m of [...policy, ...config]) assert.ok(!m.includes(value), `a message repeats the value: ${m}`);
    });
  }
});
