/**
 * The dev stack under mocks: the foundation's promises that every later component keeps too
 * (tags, no plain secrets, well-made functions), and the alert channel's dev shape.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { BUNDLE_TARGET, NODE_MAJOR } from "../../components/bundle";
import { runProgram, type ProgramRun } from "../../tools/offline/runProgram";
import { actions, allStrings, ofType, one, statementsOf, WEBHOOK } from "./helpers";

let run: ProgramRun;
before(async () => {
  run = await runProgram({ stack: "dev", config: { "costguard:slackWebhookUrl": WEBHOOK }, secretKeys: ["costguard:slackWebhookUrl"] });
});

describe("dev stack: foundation", () => {
  it("tags every AWS resource with Environment, ManagedBy, Project and Stack through the provider", () => {
    const provider = one(run, "pulumi:providers:aws");
    const defaults = (JSON.parse(provider.inputs.defaultTags as string) as { tags: Record<string, string> }).tags;
    assert.deepEqual(defaults, { Environment: "dev", ManagedBy: "costguard", Project: "costguard", Stack: "dev" });
    const aws = run.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
    assert.ok(aws.length > 5);
    for (const r of aws) {
      assert.deepEqual(r.state.tagsAll && { ...(r.state.tagsAll as object), ...defaults }, r.state.tagsAll, `${r.type} ${r.name} does not use the tagged provider`);
    }
  });

  it("keeps the Slack webhook out of every input but the SecureString parameter", () => {
    const holders = run.resources.filter((r) => allStrings(r.inputs).some((s) => s.includes("s3cr3tW3bh00k")));
    assert.deepEqual(holders.map((r) => r.type), ["aws:ssm/parameter:Parameter"]);
    assert.equal(holders[0]!.inputs.type, "SecureString");
    for (const fn of ofType(run, "aws:lambda/function:Function")) {
      assert.ok(!JSON.stringify(fn.inputs.environment ?? {}).includes("hooks.slack.com"), `${fn.name} has the webhook in its environment`);
    }
  });

  it("builds every guard function arm64, Node 22, with a dead-letter queue, its own log group and a small memory size", () => {
    const fns = ofType(run, "aws:lambda/function:Function");
    assert.ok(fns.length >= 1);
    for (const fn of fns) {
      assert.deepEqual(fn.inputs.architectures, ["arm64"], fn.name);
      assert.equal(fn.inputs.runtime, "nodejs22.x", fn.name);
      assert.match(String((fn.inputs.deadLetterConfig as { targetArn: string }).targetArn), /^arn:aws:sqs:/, fn.name);
      assert.ok((fn.inputs.memorySize as number) <= 512, `${fn.name} memory`);
      assert.ok((fn.inputs.loggingConfig as { logGroup?: string }).logGroup, `${fn.name} log group`);
    }
    for (const q of ofType(run, "aws:sqs/queue:Queue").filter((q) => q.name.endsWith("-dlq"))) assert.equal(q.inputs.sqsManagedSseEnabled, true, q.name);
    for (const lg of ofType(run, "aws:cloudwatch/logGroup:LogGroup")) assert.equal(lg.inputs.retentionInDays, 7, `${lg.name} retention from Pulumi.dev.yaml`);
  });

  it("runs the code on the Node.js it was bundled for and tested on: one major for the Lambda runtime, esbuild's target and this test", () => {
    const runtimes = new Set(ofType(run, "aws:lambda/function:Function").map((fn) => fn.inputs.runtime));
    assert.deepEqual([...runtimes], [`nodejs${NODE_MAJOR}.x`]);
    assert.equal(BUNDLE_TARGET, `node${NODE_MAJOR}`);
    // npm scripts run on the node-linux-* package's Node on Linux (package.json optionalDependencies);
    // elsewhere no Node 22 package exists and the user's own Node (>= 22, engines) runs them.
    const major = Number(process.versions.node.split(".")[0]);
    if (process.platform === "linux" && (process.arch === "x64" || process.arch === "arm64")) {
      assert.equal(major, NODE_MAJOR, `the tests run on Node ${process.versions.node}, the functions on Node ${NODE_MAJOR}`);
    } else assert.ok(major >= NODE_MAJOR, `Node ${process.versions.node} is older than the functions' Node ${NODE_MAJOR}`);
  });

  it("sends every function's failed invocations to one shared, encrypted dead-letter queue", () => {
    const queue = one(run, "aws:sqs/queue:Queue", "guard-dlq");
    const fns = ofType(run, "aws:lambda/function:Function");
    assert.ok(fns.length >= 5, "every capability's functions are in the dev stack");
    for (const fn of fns) assert.equal((fn.inputs.deadLetterConfig as { targetArn: string }).targetArn, queue.state.arn, fn.name);
    assert.equal(ofType(run, "aws:sqs/queue:Queue").filter((q) => q.name.endsWith("-dlq")).length, 1);
    assert.match(String(run.outputs.deadLetterQueueUrl), /^https:\/\/sqs\.us-east-1\.amazonaws\.com\/123456789012\//);
  });

  it("gives the Slack notifier only what it needs: read its parameter, write its logs, dead-letter", () => {
    const st = statementsOf(run, "alerts-slack");
    assert.deepEqual(st.map((s) => actions(s)).flat().sort(), ["logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage", "ssm:GetParameter"]);
    const ssm = st.find((s) => actions(s).includes("ssm:GetParameter"))!;
    assert.match(String(ssm.Resource), /:parameter\/costguard\/dev\/slack-webhook-url$/);
    assert.ok(st.every((s) => s.Resource !== "*"));
  });

  it("never grants '*' actions, nor a mutating action on every resource without a condition, to any function", () => {
    const policies = ofType(run, "aws:iam/rolePolicy:RolePolicy");
    assert.ok(policies.length >= 1);
    const readOnly = /^[a-z0-9-]+:(Describe|List|Get|BatchGet|Query|Scan|Search|Lookup|View)/;
    for (const p of policies) {
      for (const s of (JSON.parse(p.inputs.policy as string) as { Statement: Parameters<typeof actions>[0][] }).Statement) {
        for (const a of actions(s)) {
          assert.ok(!a.includes("*") || /^[a-z0-9-]+:(Describe|List|Get)[A-Za-z]*\*$/.test(a), `${p.name}: wildcard action ${a}`);
          const onEverything = [s.Resource].flat().includes("*");
          if (onEverything && !readOnly.test(a)) assert.ok(s.Condition, `${p.name}: ${a} on * without a condition`);
        }
      }
    }
  });

  it("lets CloudWatch, Budgets and Cost Anomaly Detection publish to an unencrypted topic in dev", () => {
    assert.equal(ofType(run, "aws:kms/key:Key").length, 0, "no $1/month key in dev");
    assert.equal(one(run, "aws:sns/topic:Topic", "alerts").inputs.kmsMasterKeyId, undefined);
    const policy = JSON.parse(one(run, "aws:sns/topicPolicy:TopicPolicy").inputs.policy as string);
    const services = policy.Statement.find((s: { Sid: string }) => s.Sid === "AwsServicesPublish");
    for (const svc of ["cloudwatch.amazonaws.com", "budgets.amazonaws.com", "costalerts.amazonaws.com"]) assert.ok(services.Principal.Service.includes(svc), svc);
    assert.equal(services.Condition.StringEquals["aws:SourceAccount"], "123456789012");
  });

  it("subscribes the configured e-mail and the notifier to the topic", () => {
    const subs = ofType(run, "aws:sns/topicSubscription:TopicSubscription");
    assert.deepEqual(subs.map((s) => s.inputs.protocol).sort(), ["email", "lambda"]);
    assert.equal(subs.find((s) => s.inputs.protocol === "email")!.inputs.endpoint, "platform-alerts@example.com");
  });

  it("exports the alert topic and the notifier for operators", () => {
    assert.match(String(run.outputs.alertTopicArn), /^arn:aws:sns:us-east-1:123456789012:/);
    assert.equal(run.outputs.slackWebhookParameter, "/costguard/dev/slack-webhook-url");
  });
});
