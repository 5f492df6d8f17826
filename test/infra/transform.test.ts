/**
 * Every component takes `transform` in one shape: one key per kind of child resource, each a
 * partial args object (merged over the component's) or a function `(args, opts, name) => void`
 * that changes them in place. Each component is built here, through the library entry, under
 * the mocks with transforms of both forms, and the planned child shows the change. The renamed
 * components carry their old type token as an alias, so deployed stacks keep their resources.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parseGuardConfig, type GuardConfig } from "../../config/read";
import { failsafeSettings, spotRuntimeSettings } from "../../config/runtimeSettings";
import * as lib from "../../lib";
import { RecordingMocks, type PlannedResource } from "../../tools/offline/mocks";
import { underMocks } from "../support/underMocks";

const mocks = new RecordingMocks("us-east-1");
const mocked = underMocks(mocks, "costguard", "dev");
const planned = (type: string, name: string): PlannedResource => {
  const found = mocks.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `one ${type} named ${name}; have ${mocks.resources.filter((r) => r.type === type).map((r) => r.name).join(", ")}`);
  return found[0]!;
};
const reporting = { alertTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts", publishStatements: [] };
const defaults: lib.FunctionDefaults = { stack: "dev", logRetentionDays: 14, architecture: "arm64" };

/** What the function-form transforms saw, by component. */
const seen = { roles: [] as string[], tables: [] as string[] };
/** The renamed components, with their old type tokens. */
const renamed: [pulumi.Resource, string][] = [];

function stackConfig(values: Record<string, unknown> = {}): GuardConfig {
  const r = parseGuardConfig(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, JSON.stringify(v)])), "dev");
  assert.ok(r.ok, r.ok ? "" : r.problems.join("; "));
  return r.config;
}

function withoutEnabled<T extends { enabled: boolean }>(section: T): Omit<T, "enabled"> {
  const { enabled: _enabled, ...rest } = section;
  return rest;
}

// Everything is declared once, in a Pulumi state store of this file's own (test/support/underMocks.ts).
before(() => mocked(async () => {
  const config = stackConfig({ services: [{ name: "api", image: "placeholder", port: 8080, databases: ["main"] }], databases: [{ name: "main" }] });

  const fn = new lib.GuardFunction("t-fn", {
    defaults,
    handler: "notifySlack",
    description: "transform test",
    statements: [],
    transform: {
      function: { memorySize: 1024 },
      role: (args, _opts, name) => {
        args.description = `changed ${name}`;
        seen.roles.push(name);
      },
      logGroup: { retentionInDays: 3 },
      rule: (args) => void (args.state = "DISABLED"),
    },
  });
  fn.onSchedule("tick", "rate(1 hour)");

  const failsafe = new lib.Failsafe("t-failsafe", {
    defaults,
    ...reporting,
    settings: failsafeSettings(config.environments, config.failsafe),
    schedule: config.failsafe.schedule,
    transform: {
      table: (args, _opts, name) => {
        seen.tables.push(name);
        args.deletionProtectionEnabled = true;
      },
      function: { memorySize: 512 },
    },
  });
  new lib.SpotResilience("t-spot", {
    defaults,
    ...reporting,
    settings: spotRuntimeSettings(config.spot),
    optimizer: { schedule: "rate(1 hour)", launchTemplates: [], instanceRoles: [], kmsKeys: [] },
    transform: { table: { pointInTimeRecovery: { enabled: true } }, function: (args, _o, name) => void (args.description = `fn ${name}`) },
  });
  const waste = new lib.WasteScanner("t-waste", { defaults, ...reporting, ...withoutEnabled(config.wasteScanner), transform: { table: { tableClass: "STANDARD_INFREQUENT_ACCESS" }, function: { timeout: 600 } } });
  const enforcer = new lib.SecurityEnforcer("t-enforcer", { defaults, ...reporting, ...withoutEnabled(config.enforcer), transform: { table: { tableClass: "STANDARD_INFREQUENT_ACCESS" }, rule: { state: "DISABLED" } } });

  const alerts = new lib.AlertChannel("t-alerts", {
    defaults,
    emails: ["ops@example.com"],
    encrypt: true,
    transform: { topic: { displayName: "ours" }, key: { deletionWindowInDays: 30 }, subscription: (args) => void (args.rawMessageDelivery = true) },
  });
  new lib.CostReport("t-report", {
    defaults,
    ...reporting,
    schedule: "cron(0 9 * * ? *)",
    retentionDays: 30,
    maxCostExplorerRequests: 1,
    transform: { bucket: { forceDestroy: true }, bucketLifecycle: (args) => void (args.expectedBucketOwner = "123456789012") },
  });
  new lib.Budgets("t-budgets", {
    stack: "dev",
    monthlyBudgetUsd: pulumi.output(12.5),
    environmentBudgetsUsd: {},
    emails: [],
    alertTopicArn: reporting.alertTopicArn,
    anomalyThresholdUsd: 10,
    transform: { budget: { timeUnit: "QUARTERLY" }, anomalyMonitor: (args) => void (args.name = "renamed-monitor") },
  });
  new lib.GuardDashboard("t-dashboard", {
    stack: "dev",
    region: "us-east-1",
    guardFunctions: [alerts.notifier],
    watchedQueues: [],
    environments: config.environments,
    untaggedMaxHourlyUsd: 5,
    globalMaxHourlyUsd: 25,
    monthlyBudgetUsd: 10,
    thresholds: config.alarms,
    alertTopicArn: reporting.alertTopicArn,
    transform: { dashboard: { dashboardName: "mine" }, alarm: (args, _o, name) => void (name.endsWith("guard-errors") && (args.actionsEnabled = false)) },
  });

  const network = new lib.ServiceNetwork("t-net", {
    stack: "dev",
    isProduction: false,
    isolatedSubnets: true,
    transform: { cluster: { settings: [{ name: "containerInsights", value: "enhanced" }] }, vpc: { cidrBlock: "10.99.0.0/16" } },
  });
  const db = new lib.CostAwareDatabase("t-db", {
    database: config.databases[0]!,
    stack: "dev",
    isProduction: false,
    vpcId: network.vpcId,
    subnetIds: network.isolatedSubnetIds,
    alertTopicArn: reporting.alertTopicArn,
    transform: { instance: { instanceClass: "db.t4g.small" }, schedule: (args) => void (args.state = "DISABLED") },
  });
  new lib.CostAwareFargateService("t-svc", {
    service: { ...config.services[0]!, image: pulumi.output("registry.example.com/app:1") },
    stack: "dev",
    isProduction: false,
    network,
    alertTopicArn: reporting.alertTopicArn,
    cpuAlarmPercent: 80,
    memoryAlarmPercent: 80,
    logRetentionDays: 14,
    databases: [db.attachment],
    transform: {
      service: (args) => void (args.desiredCount = 3),
      repository: { imageTagMutability: "IMMUTABLE" },
      scheduledAction: (args, _o, name) => void (name.endsWith("-stop") && (args.schedule = "cron(0 20 ? * MON-FRI *)")),
    },
  });
  new lib.DebugAccess("t-debug", { stack: "dev", isProduction: false, transform: { instanceProfile: { path: "/debug/" } } });

  const nodes = new lib.NodeOptimizer("t-nodes", {
    defaults,
    ...reporting,
    settings: {
      // A cluster and node group of the same program: outputs.
      clusterName: pulumi.output("shop"),
      autoScalingGroups: [pulumi.output("eks-a")],
      rebalance: true,
      rebalanceSchedule: "rate(1 hour)",
      drainDeadlineSeconds: 90,
      nodeReadyTimeoutSeconds: 420,
      rebalanceDrainSeconds: 240,
      kubernetesGroup: "costguard-node-optimizer",
      drainOnRebalanceRecommendation: false,
    },
    functionName: "fixed-name",
    transform: { function: { memorySize: 512 }, table: { tableClass: "STANDARD_INFREQUENT_ACCESS" }, clusterRole: (args) => void (args.metadata = { name: "renamed" }) },
  });

  renamed.push([failsafe, "costguard:failsafe:CostGuard"], [waste, "costguard:hygiene:WasteScanner"], [enforcer, "costguard:hygiene:SecurityEnforcer"], [alerts, "costguard:alerting:AlertChannel"], [nodes, "costguard:k8s:NodeOptimizer"]);
  // Waits for every registration, as the engine would before a preview ends.
  await pulumi.runtime.disconnect();
}));

describe("transform: one shape for every component", () => {
  it("GuardFunction: a partial object replaces a value, a function changes args in place and sees each child's name", () => {
    const fn = planned("aws:lambda/function:Function", "t-fn-fn").inputs;
    assert.equal(fn.memorySize, 1024);
    assert.equal(fn.timeout, 30, "what the transform does not name stays");
    assert.equal(planned("aws:iam/role:Role", "t-fn-role").inputs.description, "changed t-fn-role");
    assert.equal(planned("aws:cloudwatch/logGroup:LogGroup", "t-fn-logs").inputs.retentionInDays, 3);
    assert.equal(planned("aws:cloudwatch/eventRule:EventRule", "t-fn-tick").inputs.state, "DISABLED");
    assert.deepEqual(seen.roles, ["t-fn-role"]);
  });

  it("Failsafe: one table transform runs for each of its three tables", () => {
    assert.deepEqual(seen.tables.sort(), ["t-failsafe-audit", "t-failsafe-samples", "t-failsafe-state"]);
    assert.equal(planned("aws:dynamodb/table:Table", "t-failsafe-state").inputs.deletionProtectionEnabled, true);
    assert.equal(planned("aws:lambda/function:Function", "t-failsafe-check-fn").inputs.memorySize, 512);
  });

  it("SpotResilience, WasteScanner, SecurityEnforcer: tables, functions and rules", () => {
    for (const t of ["t-spot-breakers", "t-spot-pool-risk", "t-spot-optimizer-state"]) assert.deepEqual(planned("aws:dynamodb/table:Table", t).inputs.pointInTimeRecovery, { enabled: true }, t);
    assert.equal(planned("aws:lambda/function:Function", "t-spot-advice-fn").inputs.description, "fn t-spot-advice-fn");
    assert.equal(planned("aws:lambda/function:Function", "t-spot-optimizer-fn").inputs.description, "fn t-spot-optimizer-fn");
    assert.equal(planned("aws:dynamodb/table:Table", "t-waste-findings").inputs.tableClass, "STANDARD_INFREQUENT_ACCESS");
    assert.equal(planned("aws:lambda/function:Function", "t-waste-scan-fn").inputs.timeout, 600);
    assert.equal(planned("aws:dynamodb/table:Table", "t-enforcer-table").inputs.tableClass, "STANDARD_INFREQUENT_ACCESS");
    assert.equal(planned("aws:cloudwatch/eventRule:EventRule", "t-enforcer-check-schedule").inputs.state, "DISABLED");
  });

  it("AlertChannel, CostReport, Budgets, GuardDashboard", () => {
    assert.equal(planned("aws:sns/topic:Topic", "t-alerts-topic").inputs.displayName, "ours");
    assert.equal(planned("aws:kms/key:Key", "t-alerts-key").inputs.deletionWindowInDays, 30);
    assert.equal(planned("aws:sns/topicSubscription:TopicSubscription", "t-alerts-email-0").inputs.rawMessageDelivery, true);
    assert.equal(planned("aws:sns/topicSubscription:TopicSubscription", "t-alerts-slack-sub").inputs.rawMessageDelivery, true);
    assert.equal(planned("aws:s3/bucket:Bucket", "t-report-bucket").inputs.forceDestroy, true);
    assert.equal(planned("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "t-report-bucket-lifecycle").inputs.expectedBucketOwner, "123456789012");
    const budget = planned("aws:budgets/budget:Budget", "t-budgets-monthly").inputs;
    assert.equal(budget.timeUnit, "QUARTERLY");
    assert.equal(budget.limitAmount, "12.50", "a limit given as an output is rendered as a number is");
    assert.equal(planned("aws:costexplorer/anomalyMonitor:AnomalyMonitor", "t-budgets-anomaly-monitor").inputs.name, "renamed-monitor");
    assert.equal(planned("aws:cloudwatch/dashboard:Dashboard", "t-dashboard-dashboard").inputs.dashboardName, "mine");
    const alarms = mocks.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.name.startsWith("t-dashboard-"));
    assert.ok(alarms.length > 1);
    assert.deepEqual(alarms.filter((a) => a.inputs.actionsEnabled === false).map((a) => a.name), ["t-dashboard-guard-errors"]);
  });

  it("ServiceNetwork, CostAwareFargateService, CostAwareDatabase, DebugAccess", () => {
    assert.deepEqual(planned("aws:ecs/cluster:Cluster", "t-net-cluster").inputs.settings, [{ name: "containerInsights", value: "enhanced" }]);
    assert.equal(planned("awsx:ec2:Vpc", "t-net-vpc").inputs.cidrBlock, "10.99.0.0/16");
    assert.equal(planned("aws:rds/instance:Instance", "t-db-instance").inputs.instanceClass, "db.t4g.small");
    const schedules = mocks.resources.filter((r) => r.type === "aws:scheduler/schedule:Schedule" && r.name.startsWith("t-db-"));
    assert.deepEqual(schedules.map((s) => [s.name, s.inputs.state]).sort(), [["t-db-start", "DISABLED"], ["t-db-stop", "DISABLED"]]);
    const fargate = planned("awsx:ecs:FargateService", "t-svc-service").inputs;
    assert.equal(fargate.desiredCount, 3);
    assert.equal((fargate.taskDefinitionArgs as { container: { image: string } }).container.image, "registry.example.com/app:1", "an image given as an output");
    assert.equal(planned("aws:ecr/repository:Repository", "t-svc-repo").inputs.imageTagMutability, "IMMUTABLE");
    assert.equal(planned("aws:appautoscaling/scheduledAction:ScheduledAction", "t-svc-stop").inputs.schedule, "cron(0 20 ? * MON-FRI *)");
    assert.equal(planned("aws:appautoscaling/scheduledAction:ScheduledAction", "t-svc-start").inputs.schedule, "cron(0 8 ? * MON-FRI *)");
    assert.equal(planned("aws:iam/instanceProfile:InstanceProfile", "t-debug-profile").inputs.path, "/debug/");
  });

  it("NodeOptimizer: its function, its table and its Kubernetes objects, for a cluster given as an output", () => {
    const fn = planned("aws:lambda/function:Function", "t-nodes-fn").inputs;
    assert.equal(fn.memorySize, 512);
    assert.equal(fn.name, "fixed-name");
    assert.equal(planned("aws:dynamodb/table:Table", "t-nodes-state").inputs.tableClass, "STANDARD_INFREQUENT_ACCESS");
    assert.deepEqual(planned("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "t-nodes-clusterrole").inputs.metadata, { name: "renamed" });
    assert.equal(fn.description, "costguard: drain interrupted nodes and rebalance on-demand nodes to spot (shop)");
    const policy = JSON.parse(planned("aws:iam/rolePolicy:RolePolicy", "t-nodes-policy").inputs.policy as string) as { Statement: { Sid: string; Resource: unknown; Condition?: unknown }[] };
    const rebalance = policy.Statement.find((st) => st.Sid === "RebalanceConfiguredNodeGroups")!;
    assert.deepEqual(rebalance.Resource, ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/eks-a"]);
    assert.deepEqual(rebalance.Condition, { StringEquals: { "aws:ResourceTag/kubernetes.io/cluster/shop": "owned" } });
    const settings = JSON.parse((fn.environment as { variables: Record<string, string> }).variables.COSTGUARD_SETTINGS!) as { clusterName: string; autoScalingGroups: string[] };
    assert.deepEqual([settings.clusterName, settings.autoScalingGroups], ["shop", ["eks-a"]]);
  });

  it("the renamed components alias their old type tokens", async () => {
    for (const [resource, oldType] of renamed) {
      const urns = (resource as unknown as { __aliases: pulumi.Input<string>[] }).__aliases;
      const resolved = await Promise.all(urns.map((u) => new Promise<string>((resolve) => pulumi.output(u).apply(resolve))));
      assert.ok(resolved.some((urn) => urn.startsWith(`urn:pulumi:dev::costguard::${oldType}::t-`)), `${oldType}: ${resolved.join(", ")}`);
    }
  });
});
