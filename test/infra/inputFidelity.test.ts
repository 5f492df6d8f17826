/**
 * Every resource the program plans, in the dev and prod stacks and in a prod stack with every
 * option on, passes inputs its provider SDK declares: one generated TypeScript file assigns each
 * recorded input object to its SDK Args type (aws.<module>.<Resource>Args, awsx, kubernetes) and
 * one compiler program type-checks it. An input name the SDK does not know, or a value outside a
 * closed enum, fails here, as it would fail the provider at `pulumi up`; the negative cases in the
 * same file show the check catches both. The same recordings show the mocks' ids and ARNs in each
 * service's own format.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import type { EngineResource } from "../../tools/offline/engine";
import { runProgram } from "../../tools/offline/runProgram";
import { MOCK_ACCOUNT } from "../../tools/offline/mocks";
import { argsTypeOf, checkInputs, type FidelityProblem, type RecordedInputs } from "../support/inputFidelity";
import { WEBHOOK } from "./helpers";

const root = path.join(__dirname, "..", "..");
const nodeOptimizer = (yaml.load(fs.readFileSync(path.join(root, "test", "fixtures", "k8s", "nodeOptimizer.config.yaml"), "utf8")) as { config: Record<string, unknown> }).config["costguard:nodeOptimizer"];
const EVERY_OPTION: Record<string, string> = {
  "costguard:slackWebhookUrl": WEBHOOK,
  "costguard:sshAllowedCidr": "203.0.113.0/24",
  "costguard:nodeOptimizer": JSON.stringify(nodeOptimizer),
  "costguard:wasteScanner": JSON.stringify({ cleanup: "apply", cleanupGraceDays: 3 }),
  "costguard:enforcer": JSON.stringify({ mode: "terminate", graceHours: 12, authorizationTags: ["Owner"] }),
  "costguard:alarms": JSON.stringify({ serviceCpuPercent: 70, serviceMemoryPercent: 75 }),
  "costguard:activateCostAllocationTag": "true",
  "costguard:environmentBudgetsUsd": JSON.stringify({ dev: 20, untagged: 5 }),
  "costguard:services": JSON.stringify([
    { name: "api", image: "public.ecr.aws/docker/library/httpd:2.4", cpu: 512, memory: 1024, port: 8080, loadBalancer: true, environment: { LOG_LEVEL: "info" }, secrets: { DB_PASSWORD: "/api/db-password" } },
    { name: "worker", image: "example/worker:1", cpuArchitecture: "ARM64", healthCheck: { command: ["CMD", "/bin/healthy"] } },
  ]),
};
const STACKS: { label: string; stack: string; config?: Record<string, string>; secretKeys?: string[] }[] = [
  { label: "dev", stack: "dev" },
  { label: "prod", stack: "prod" },
  // Outside production: SSH from a narrow CIDR is allowed there only (prod has no SSH at all).
  { label: "dev, every option", stack: "dev", config: EVERY_OPTION, secretKeys: ["costguard:slackWebhookUrl"] },
];

/** The stack as the engine records it (each run in a Pulumi state store of its own, one after another). */
async function record(s: (typeof STACKS)[number]): Promise<EngineResource[]> {
  return (await runProgram({ stack: s.stack, config: s.config, secretKeys: s.secretKeys, captureWarnings: true })).engine;
}

/** Recorded inputs that the SDK types must refuse. */
const NEGATIVE: RecordedInputs[] = [
  { label: "negative", type: "aws:sqs/queue:Queue", name: "misspelt-input", inputs: { visibilityTimeoutSecond: 30 } },
  { label: "negative", type: "awsx:ec2:Vpc", name: "wrong-enum", inputs: { natGateways: { strategy: "Everywhere" } } },
  { label: "negative", type: "aws:sqs/queue:Queu", name: "wrong-type-token", inputs: {} },
];

describe("recorded inputs against the provider SDKs' argument types", { timeout: 180_000 }, () => {
  const recorded = new Map<string, EngineResource[]>();
  let problems: FidelityProblem[] = [];
  let checked = 0;
  const timings: string[] = [];

  before(async () => {
    const t0 = Date.now();
    for (const s of STACKS) recorded.set(s.label, await record(s));
    const t1 = Date.now();
    const resources: RecordedInputs[] = [...recorded.entries()].flatMap(([label, rs]) =>
      // Default providers are the engine's, made from stack config, not the program's inputs.
      rs.filter((r) => !(r.type.startsWith("pulumi:providers:") && !r.parent)).map((r) => ({ label, type: r.type, name: r.name, inputs: r.inputs })),
    );
    // Next to node_modules, so the generated file resolves the SDKs as the program does.
    const result = checkInputs([...resources, ...NEGATIVE], path.join(root, "node_modules", ".cache", "costguard", "inputFidelity.ts"));
    problems = result.problems;
    checked = result.checked;
    timings.push(`recorded 3 stacks in ${((t1 - t0) / 1000).toFixed(1)} s; type-checked ${checked} resources (${result.files} files) in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  });

  it("every planned resource passes only inputs its SDK declares, with allowed values", (t) => {
    t.diagnostic(timings.join("; "));
    const real = problems.filter((p) => p.label !== "negative");
    assert.deepEqual(real.map((p) => `${p.label}: ${p.type} "${p.name}": ${p.message}`), []);
    const sdkResources = [...recorded.values()].flat().filter((r) => argsTypeOf(r.type) && !(r.type.startsWith("pulumi:providers:") && !r.parent));
    assert.equal(checked, sdkResources.length + NEGATIVE.length, "each SDK resource was checked");
    assert.ok(new Set(sdkResources.map((r) => r.type)).size > 35, "the stacks cover the program's resource types");
    assert.ok(sdkResources.some((r) => r.type.startsWith("awsx:")) && sdkResources.some((r) => r.type.startsWith("kubernetes:")), "awsx and kubernetes inputs are checked too");
  });

  it("catches an unknown input name, a value outside a closed enum and a type with no SDK class", () => {
    const negative = (name: string) => problems.filter((p) => p.label === "negative" && p.name === name).map((p) => p.message);
    assert.deepEqual(negative("misspelt-input").length, 1);
    assert.match(negative("misspelt-input")[0]!, /'visibilityTimeoutSecond' does not exist in type 'QueueArgs'/);
    assert.deepEqual(negative("wrong-enum").length, 1);
    assert.match(negative("wrong-enum")[0]!, /Type '"Everywhere"' is not assignable to type 'NatGatewayStrategy'/);
    assert.match(negative("wrong-type-token").join("\n"), /QueuArgs/);
  });

  it("gives ids and ARNs in each service's own format", () => {
    const everything = recorded.get("dev, every option")!.concat(recorded.get("prod")!);
    const arnOf = (type: string, name: string) => {
      const r = everything.find((x) => x.type === type && x.name === name);
      assert.ok(r, `${type} ${name} planned`);
      return { arn: r.outputs.arn ?? r.outputs.dashboardArn ?? r.outputs.accessEntryArn, id: r.outputs.id, name: r.outputs.name };
    };
    const at = `us-east-1:${MOCK_ACCOUNT}`;
    const sample = (type: string) => everything.find((x) => x.type === type)!;
    const expect: [string, (r: EngineResource) => RegExp][] = [
      ["aws:cloudwatch/eventRule:EventRule", (r) => new RegExp(`^arn:aws:events:${at}:rule/${r.outputs.name}$`)],
      ["aws:cloudwatch/metricAlarm:MetricAlarm", (r) => new RegExp(`^arn:aws:cloudwatch:${at}:alarm:${r.outputs.name}$`)],
      ["aws:cloudwatch/logGroup:LogGroup", (r) => new RegExp(`^arn:aws:logs:${at}:log-group:${r.outputs.name}$`)],
      ["aws:cloudwatch/dashboard:Dashboard", (r) => new RegExp(`^arn:aws:cloudwatch::${MOCK_ACCOUNT}:dashboard/${r.inputs.dashboardName}$`)],
      ["aws:lambda/function:Function", (r) => new RegExp(`^arn:aws:lambda:${at}:function:${r.outputs.name}$`)],
      ["aws:sqs/queue:Queue", (r) => new RegExp(`^arn:aws:sqs:${at}:${r.outputs.name}$`)],
      ["aws:sns/topic:Topic", (r) => new RegExp(`^arn:aws:sns:${at}:${r.outputs.name}$`)],
      ["aws:iam/role:Role", (r) => new RegExp(`^arn:aws:iam::${MOCK_ACCOUNT}:role/${r.outputs.name}$`)],
      ["aws:dynamodb/table:Table", (r) => new RegExp(`^arn:aws:dynamodb:${at}:table/${r.outputs.name}$`)],
      ["aws:s3/bucket:Bucket", (r) => new RegExp(`^arn:aws:s3:::${r.outputs.bucket}$`)],
      ["aws:kms/key:Key", () => new RegExp(`^arn:aws:kms:${at}:key/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$`)],
      ["aws:budgets/budget:Budget", (r) => new RegExp(`^arn:aws:budgets::${MOCK_ACCOUNT}:budget/${r.outputs.name}$`)],
      ["aws:costexplorer/anomalyMonitor:AnomalyMonitor", () => new RegExp(`^arn:aws:ce::${MOCK_ACCOUNT}:anomalymonitor/[0-9a-f-]{36}$`)],
      ["aws:ecr/repository:Repository", (r) => new RegExp(`^arn:aws:ecr:${at}:repository/${r.outputs.name}$`)],
      ["aws:ecs/cluster:Cluster", (r) => new RegExp(`^arn:aws:ecs:${at}:cluster/${r.outputs.name}$`)],
      ["aws:ssm/parameter:Parameter", (r) => new RegExp(`^arn:aws:ssm:${at}:parameter${r.inputs.name}$`)],
    ];
    for (const [type, shape] of expect) {
      const r = sample(type);
      assert.ok(r, `${type} planned`);
      assert.match(String(arnOf(type, r.name).arn), shape(r), type);
    }
    assert.match(String(sample("aws:ec2/securityGroup:SecurityGroup").outputs.id), /^sg-[0-9a-f]{17}$/);
    assert.match(String(sample("aws:sqs/queue:Queue").outputs.id), /^https:\/\/sqs\.us-east-1\.amazonaws\.com\/123456789012\/.+/);
    // Whatever the type, an ARN names the service that owns it.
    const owner: Record<string, string[]> = { cloudwatch: ["logs", "events", "cloudwatch"], costexplorer: ["ce"], appautoscaling: ["application-autoscaling", "autoscaling"], ebs: ["ec2"], vpc: ["ec2"], alb: ["elasticloadbalancing"], lb: ["elasticloadbalancing"], sfn: ["states"] };
    for (const r of everything.filter((x) => x.type.startsWith("aws:") && typeof x.outputs.arn === "string" && x.inputs.arn === undefined)) {
      const module = /^aws:([a-z0-9]+)\//.exec(r.type)![1]!;
      const service = /^arn:aws:([a-z0-9-]+):/.exec(String(r.outputs.arn))?.[1];
      assert.ok((owner[module] ?? [module]).includes(service!), `${r.type} ${r.name}: ${String(r.outputs.arn)}`);
    }
  });
});
