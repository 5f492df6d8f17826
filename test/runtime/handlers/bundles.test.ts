/**
 * Every handler as GuardFunction deploys it: bundles within its size budget (issue 16), loads in
 * a fresh module scope without touching AWS at load time, exports `handler`, and answers a
 * malformed event once, the way the README's "Handlers and the events they accept" says, without
 * a single AWS call. The bundle runs with every variable its function is deployed with and with
 * the AWS SDK pointed at a loopback server that records whatever reaches it: a bundle that
 * could not build its clients, parse its settings or validate its event fails here, and so does
 * one that calls AWS before refusing.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { bundleBudget, bundleHandler, HANDLERS_DIR } from "../../../components/guardFunction";
import { ENV, HANDLERS, type HandlerName } from "../../../runtime/contract";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:costguard-dev-alerts";
const FAILSAFE_SETTINGS = {
  environments: { dev: { maxHourlyUsd: 8, spikePercent: 300, windowMinutes: 60, response: "stop", priority: 1, dryRun: true } },
  global: { maxHourlyUsd: 20, spikePercent: 300, windowMinutes: 60 },
  untagged: { maxHourlyUsd: 2 },
  stopUntagged: false,
  maxActionsPerRun: 20,
  sampleRetentionHours: 48,
};

/** The variables each function is deployed with (names from the contract), and what it must answer to `event`. */
const CASES: Record<HandlerName, { env: Record<string, string>; event: unknown; refused: (answer: Record<string, unknown>) => void }> = {
  notifySlack: {
    env: { [ENV.slackWebhookParameter]: "/costguard/dev/slack-webhook-url" },
    event: {},
    refused: (a) => (assert.equal(a.ok, false), assert.match(String(a.error), /expected an SNS event/)),
  },
  failsafe: {
    env: { [ENV.settings]: JSON.stringify(FAILSAFE_SETTINGS), [ENV.samplesTable]: "samples", [ENV.stateTable]: "state", [ENV.auditTable]: "audit" },
    event: { Command: "status" },
    refused: (a) => (assert.equal(a.ok, false), assert.match(String(a.error), /did you mean "command"/)),
  },
  spotEvents: {
    env: { [ENV.breakerTable]: "breaker", [ENV.poolRiskTable]: "pool-risk" },
    event: { source: "aws.ec2", "detail-type": "EC2 Spot Instance Interruption Warning", region: "eu-west-1", detail: { "instance-id": "not-an-instance" } },
    refused: (a) => (assert.equal(a.outcome, "refused"), assert.match(String(a.reason), /instance-id/)),
  },
  spotAdvice: {
    env: { [ENV.breakerTable]: "breaker", [ENV.poolRiskTable]: "pool-risk" },
    event: { instanceType: "m5.large" },
    refused: (a) => (assert.equal(a.capacity, "on-demand"), assert.match(String(a.reason), /invalid advice request.*availabilityZone/)),
  },
  asgOptimizer: {
    env: { [ENV.optimizerTable]: "optimizer", [ENV.breakerTable]: "breaker", [ENV.poolRiskTable]: "pool-risk" },
    event: { command: "run" },
    refused: (a) => assert.match(String(a.error), /^refused: the ASG optimizer runs only on its EventBridge schedule/),
  },
  wasteScanner: {
    env: { [ENV.findingsTable]: "findings", [ENV.settings]: JSON.stringify({ unattachedVolumeDays: 7, snapshotAgeDays: 90, stoppedInstanceDays: 30 }) },
    event: { command: "scan" },
    refused: (a) => (assert.equal(a.ok, false), assert.match(String(a.error), /runs only on its schedule.*takes no commands/)),
  },
  securityEnforcer: {
    env: { [ENV.enforcerTable]: "enforcer", [ENV.settings]: JSON.stringify({ authorizationTags: ["Owner"] }) },
    event: "enforce",
    refused: (a) => (assert.equal(a.ok, false), assert.match(String(a.error), /runs only on its schedule/)),
  },
  costReport: {
    env: { [ENV.reportBucket]: "reports", [ENV.settings]: JSON.stringify({ maxCostExplorerRequests: 5 }) },
    event: { command: "report-now", date: "2026-02-30" },
    refused: (a) => (assert.equal(a.ok, false), assert.match(String(a.error), /real calendar date/)),
  },
  nodeOptimizer: {
    env: {
      [ENV.optimizerTable]: "optimizer",
      [ENV.settings]: JSON.stringify({ clusterName: "shop", endpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com", certificateAuthority: "LS0t", drainDeadlineSeconds: 90, nodeReadyTimeoutSeconds: 420, rebalanceDrainSeconds: 240 }),
    },
    event: { action: "drain", instanceId: "i-123" },
    refused: (a) => (assert.equal(a.action, "invalid"), assert.match(JSON.stringify(a.problems), /instanceId: must be an EC2 instance id/)),
  },
};

describe("handler bundles", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-bundles-"));
  const awsRequests: string[] = [];
  let aws: http.Server;
  const saved = { ...process.env };

  before(async () => {
    aws = http.createServer((req, res) => {
      awsRequests.push(`${req.method} ${req.url} ${req.headers["x-amz-target"] ?? ""}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => aws.listen(0, "127.0.0.1", r));
    Object.assign(process.env, {
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_ENDPOINT_URL: `http://127.0.0.1:${(aws.address() as AddressInfo).port}`,
      [ENV.stack]: "dev",
      [ENV.alertTopicArn]: TOPIC,
      POWERTOOLS_LOG_LEVEL: "CRITICAL",
    });
  });
  after(async () => {
    process.env = saved;
    await new Promise<void>((r) => aws.close(() => r()));
  });

  for (const name of HANDLERS) {
    it(`${name}: bundles within its budget, loads, and refuses a malformed event without calling AWS`, async () => {
      assert.ok(fs.existsSync(path.join(HANDLERS_DIR, `${name}.ts`)), `runtime/handlers/${name}.ts exists`);
      const code = bundleHandler(name);
      const budget = bundleBudget(name);
      const size = Buffer.byteLength(code);
      assert.ok(size <= budget.maxBytes, `${name} bundle is ${Math.round(size / 1024)} KB, over its budget of ${budget.maxBytes / 1024} KB`);
      assert.ok(!/not wired/.test(code), "no integration placeholder left in the bundle");

      const file = path.join(dir, `${name}.js`);
      fs.writeFileSync(file, code);
      const mod = require(file) as { handler?: (event: unknown, context?: unknown) => Promise<Record<string, unknown>> };
      assert.equal(typeof mod.handler, "function");

      const { env, event, refused } = CASES[name];
      Object.assign(process.env, env);
      try {
        awsRequests.length = 0;
        const answer = await mod.handler!(event, { awsRequestId: "test-request", getRemainingTimeInMillis: () => 60_000 });
        refused(answer);
        assert.deepEqual(awsRequests, [], "no AWS call before the refusal");
      } finally {
        for (const k of Object.keys(env)) delete process.env[k];
      }
    });
  }

  it("the recorder is not blind: a well-formed advice request reaches it through the bundled SDK", async () => {
    // Runs after the loop above, which wrote the bundle.
    const mod = require(path.join(dir, "spotAdvice.js")) as { handler: (event: unknown) => Promise<Record<string, unknown>> };
    Object.assign(process.env, CASES.spotAdvice.env);
    try {
      awsRequests.length = 0;
      const answer = await mod.handler({ instanceType: "m5.large", availabilityZone: "eu-west-1a" });
      assert.equal(answer.capacity, "on-demand", "fails safe when DynamoDB answers 500");
      assert.ok(awsRequests.some((r) => / DynamoDB_20120810\.\w+$/.test(r)), `DynamoDB was asked: ${awsRequests.join(", ")}`);
    } finally {
      for (const k of Object.keys(CASES.spotAdvice.env)) delete process.env[k];
    }
  });
});
