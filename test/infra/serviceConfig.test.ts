/**
 * Validation of `costguard:services` and `costguard:sshAllowedCidr`: what a user
 * sees when a service declaration is wrong, before anything is deployed.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parseGuardConfig } from "../../config/read";
import { FARGATE_TASK_SIZES } from "../../config/schema";
import { secretResourceArn } from "../../components/fargateService";
import { secretLikeReason } from "../../config/secretLike";
import { loadStackConfig } from "../../tools/offline/runProgram";

const root = path.join(__dirname, "..", "..");
const withServices = (services: object[], stack = "dev", extra: Record<string, string> = {}) =>
  parseGuardConfig({ services: JSON.stringify(services), ...extra }, stack);
const problemsOf = (r: ReturnType<typeof parseGuardConfig>) => {
  assert.ok(!r.ok, "expected the config to be refused");
  return r.problems.join("\n");
};
const base = { name: "web", image: "example/web:1", port: 8080 };

describe("service config validation", () => {
  it("refuses secret-looking plain environment values, names the key and never echoes the value", () => {
    const text = problemsOf(
      withServices([
        {
          ...base,
          environment: {
            DB_PASSWORD: "hunter2-very-secret",
            LEGACY: "AKIAABCDEFGHIJKLMNOP",
            DATABASE_URL: "postgres://app:s3cr3tpw@db.internal:5432/app",
            LOG_LEVEL: "info",
          },
        },
      ]),
    );
    assert.match(text, /costguard:services\.0\.environment\.DB_PASSWORD looks like a secret \(its name says it holds a secret and its value is not a reference\): store it in SSM Parameter Store \(SecureString\) or Secrets Manager and list it under "secrets"/);
    assert.match(text, /services\.0\.environment\.LEGACY looks like a secret \(its value looks like an AWS access key id\)/);
    assert.match(text, /services\.0\.environment\.DATABASE_URL looks like a secret \(its value looks like a URL with a password in it\)/);
    assert.doesNotMatch(text, /LOG_LEVEL/);
    for (const secret of ["hunter2", "AKIAABCDEFGHIJKLMNOP", "s3cr3tpw"]) assert.ok(!text.includes(secret), `the message must not show ${secret}`);
  });

  it("accepts plain settings and pointers to secrets in the environment", () => {
    const r = withServices([
      {
        ...base,
        environment: { LOG_LEVEL: "debug", TOKEN_URL: "https://auth.example.com/token", DB_PASSWORD_PARAMETER: "/app/db-password", API_KEY: "arn:aws:ssm:us-east-1:123456789012:parameter/app/key", NODE_ENV: "production" },
      },
    ]);
    assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
  });

  it("accepts only references in secrets, and does not show what was given instead", () => {
    const text = problemsOf(withServices([{ ...base, secrets: { DB_PASSWORD: "hunter2", STRIPE: "arn:aws:s3:::bucket/key" } }]));
    assert.match(text, /costguard:services\.0\.secrets\.DB_PASSWORD must reference a secret, not hold one: the ARN of an SSM parameter or Secrets Manager secret, or an SSM parameter name starting with \//);
    assert.match(text, /services\.0\.secrets\.STRIPE must reference a secret/);
    assert.ok(!text.includes("hunter2"));
    const ok = withServices([
      {
        ...base,
        secrets: {
          A: "/app/a",
          B: "arn:aws:ssm:eu-west-1:123456789012:parameter/app/b",
          C: "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/c-AbCdEf",
          D: "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/c-AbCdEf:password::",
        },
      },
    ]);
    assert.ok(ok.ok, ok.ok ? "" : ok.problems.join("\n"));
  });

  it("refuses CPU/memory combinations Fargate does not offer, saying which are valid", () => {
    assert.match(problemsOf(withServices([{ ...base, cpu: 256, memory: 4096 }])), /costguard:services\.0\.memory is not a valid Fargate size with cpu 256: use 512, 1024, 2048 MiB \(got 4096\)/);
    assert.match(problemsOf(withServices([{ ...base, cpu: 1024, memory: 1536 }])), /memory is not a valid Fargate size with cpu 1024: use 2048 to 8192 in steps of 1024 MiB/);
    assert.match(problemsOf(withServices([{ ...base, cpu: 512, memory: 512 }])), /use 1024, 2048, 3072, 4096 MiB \(got 512\)/);
    assert.match(problemsOf(withServices([{ ...base, cpu: 300 }])), /costguard:services\.0\.cpu must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192, 16384 \(got 300\)/);
    // The smallest and largest memory of every CPU size are accepted.
    for (const [cpu, sizes] of Object.entries(FARGATE_TASK_SIZES)) {
      for (const memory of [sizes[0]!, sizes[sizes.length - 1]!]) {
        const r = withServices([{ ...base, cpu: Number(cpu), memory }]);
        assert.ok(r.ok, `cpu ${cpu} memory ${memory}: ${r.ok ? "" : r.problems.join("; ")}`);
      }
    }
  });

  it("refuses scale-to-zero in prod, but defaults it on outside prod and off in prod", () => {
    assert.match(
      problemsOf(withServices([{ ...base, scaleToZero: { enabled: true } }], "prod")),
      /costguard:services\.0\.scaleToZero\.enabled must not be true in prod \(service "web"\): scale-to-zero outside working hours is for non-production stacks/,
    );
    const prod = withServices([base], "prod");
    assert.ok(prod.ok);
    assert.equal(prod.config.services[0]!.scaleToZero.enabled, undefined, "left to the component: off in prod");
    const dev = withServices([{ ...base, scaleToZero: { enabled: true } }]);
    assert.ok(dev.ok);
    assert.equal(dev.config.services[0]!.scaleToZero.stopSchedule, "cron(0 18 ? * MON-FRI *)");
  });

  it("checks schedules, time zones and what a service without a port needs", () => {
    const text = problemsOf(
      withServices([
        { ...base, scaleToZero: { stopSchedule: "every night", timezone: "Mars/Olympus_Mons" } },
        { name: "worker", image: "w:1" },
        { name: "lb", image: "l:1", loadBalancer: true, healthCheck: { command: ["CMD", "true"] } },
      ]),
    );
    assert.match(text, /services\.0\.scaleToZero\.stopSchedule must be an Application Auto Scaling schedule: cron\(six fields\), rate\(value unit\) or at\(yyyy-mm-ddThh:mm:ss\).* \(got "every night"\)/);
    assert.match(text, /services\.0\.scaleToZero\.timezone must be an IANA time zone such as "Europe\/Berlin" or "UTC" \(got "Mars\/Olympus_Mons"\)/);
    assert.match(text, /services\.1\.healthCheck\.command is required when the service has no port/);
    assert.match(text, /services\.2\.port is required with loadBalancer: true/);
  });

  it("declares no services in the prod stack file and a valid example service in dev", () => {
    for (const [stack, count] of [["prod", 0], ["dev", 1]] as const) {
      const { values } = loadStackConfig(root, stack);
      const raw = Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith("costguard:")).map(([k, v]) => [k.slice("costguard:".length), v]));
      const r = parseGuardConfig(raw, stack, { secretKeys: ["slackWebhookUrl"] });
      assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
      assert.equal(r.config.services.length, count, stack);
    }
  });
});

describe("SSH for debug access", () => {
  it("refuses any SSH in prod, as the prod policy pack does (SSM Session Manager only), and allows it elsewhere", () => {
    for (const cidr of ["0.0.0.0/0", "10.0.0.0/0", "203.0.113.0/24"]) {
      assert.match(problemsOf(parseGuardConfig({ sshAllowedCidr: cidr }, "prod")), /costguard:sshAllowedCidr must not be set in production .*use SSM Session Manager/);
    }
    assert.ok(parseGuardConfig({ sshAllowedCidr: "203.0.113.0/24" }, "dev").ok);
    assert.match(problemsOf(parseGuardConfig({ sshAllowedCidr: "203.0.113.0" }, "dev")), /costguard:sshAllowedCidr must be an IPv4 CIDR/);
  });
});

describe("secret references and heuristics", () => {
  it("turns each reference into the IAM resource the execution role may read", () => {
    assert.equal(secretResourceArn("/app/db", "eu-west-1", "111122223333"), "arn:aws:ssm:eu-west-1:111122223333:parameter/app/db");
    const sm = "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-AbCdEf";
    assert.equal(secretResourceArn(`${sm}:password:AWSCURRENT:`, "us-east-1", "111122223333"), sm);
    assert.equal(secretResourceArn(sm, "us-east-1", "111122223333"), sm);
    const ssm = "arn:aws:ssm:us-east-1:111122223333:parameter/x";
    assert.equal(secretResourceArn(ssm, "eu-west-1", "999999999999"), ssm, "a full ARN is kept as given");
  });

  it("recognises secret values whatever their name and leaves ordinary values alone", () => {
    assert.match(secretLikeReason("KEYFILE", "-----BEGIN RSA PRIVATE KEY-----\nMIIE")!, /private key/);
    assert.match(secretLikeReason("NOTIFY", "https://hooks.slack.com/services/T0/B0/abc")!, /Slack/);
    assert.match(secretLikeReason("GH", "ghp_abcdefghijklmnopqrstuvwxyz0123")!, /GitHub/);
    assert.match(secretLikeReason("STRIPE_API_KEY", "sk_live_123")!, /name/);
    for (const [name, value] of [["PORT", "8080"], ["HOME_URL", "https://example.com"], ["PWD", "/srv"], ["SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:x"]]) {
      assert.equal(secretLikeReason(name!, value!), undefined, name);
    }
  });
});
