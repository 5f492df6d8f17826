/**
 * The program under mocks with the example node optimizer config (test/fixtures/k8s) over
 * the dev stack, with the spot optimizer's launch templates, instance roles and volume keys
 * listed in config. One stack per file: Pulumi's runtime state is process-global.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import type { PlannedResource } from "../../tools/offline/mocks";
import { runProgram, type ProgramRun } from "../../tools/offline/runProgram";

const example = yaml.load(fs.readFileSync(path.join(__dirname, "..", "fixtures", "k8s", "nodeOptimizer.config.yaml"), "utf8")) as { config: Record<string, unknown> };
const settings = example.config["costguard:nodeOptimizer"] as { clusterName: string; autoScalingGroups: string[] };

type Statement = { Sid?: string; Effect?: string; Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, string | string[]>> };

const TEMPLATE = "arn:aws:ec2:us-east-1:123456789012:launch-template/lt-0abc123";
const ROLE = "arn:aws:iam::123456789012:role/web-instance";
const KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

describe("NodeOptimizer under mocks (dev stack + example cluster)", () => {
  let run: ProgramRun;
  const one = (type: string, pred: (r: PlannedResource) => boolean = () => true) => {
    const found = run.resources.filter((r) => r.type === type && pred(r));
    assert.equal(found.length, 1, `expected one ${type}, found ${found.length}`);
    return found[0]!;
  };

  before(async () => {
    run = await runProgram({
      stack: "dev",
      config: {
        "costguard:nodeOptimizer": JSON.stringify(settings),
        "costguard:spot": JSON.stringify({ optimizerLaunchTemplates: [TEMPLATE], optimizerInstanceRoles: [ROLE], optimizerKmsKeys: [KEY] }),
      },
    });
  });

  it("creates the component and its function, with the cluster's endpoint and CA as settings", () => {
    one("costguard:nodeOptimizer:NodeOptimizer");
    const fn = one("aws:lambda/function:Function", (r) => String(r.inputs.description).includes("rebalance on-demand nodes"));
    const env = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    const s = JSON.parse(env.COSTGUARD_SETTINGS!) as Record<string, unknown>;
    assert.equal(s.clusterName, "shop-prod");
    assert.match(String(s.endpoint), /^https:\/\/.+\.eks\.amazonaws\.com$/);
    assert.ok(String(s.certificateAuthority).length > 20);
    assert.deepEqual(s.autoScalingGroups, settings.autoScalingGroups);
    assert.equal(s.drainDeadlineSeconds, 90);
    assert.equal(fn.inputs.timeout, 900);
    assert.ok(!("vpcConfig" in fn.inputs) || fn.inputs.vpcConfig === undefined, "a public endpoint needs no VPC access");
  });

  it("maps the function's role to the Kubernetes group with an EKS access entry", () => {
    const entry = one("aws:eks/accessEntry:AccessEntry");
    assert.equal(entry.inputs.clusterName, "shop-prod");
    assert.deepEqual(entry.inputs.kubernetesGroups, ["costguard-node-optimizer"]);
    assert.equal(entry.inputs.type, "STANDARD");
    const role = one("aws:iam/role:Role", (r) => String(r.inputs.description).includes("nodeOptimizer"));
    assert.equal(entry.inputs.principalArn, role.state.arn);
  });

  it("grants the group exactly nodes get/list/patch, pods get/list and pods/eviction create, through a provider for the cluster", () => {
    const role = one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole");
    const rules = (role.inputs.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]).flatMap((r) =>
      r.resources.flatMap((res) => r.verbs.map((v) => `${r.apiGroups.join(",")}|${res}|${v}`)),
    );
    assert.deepEqual(rules.sort(), ["|nodes|get", "|nodes|list", "|nodes|patch", "|pods/eviction|create", "|pods|get", "|pods|list"]);
    const binding = one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
    assert.deepEqual(binding.inputs.subjects, [{ kind: "Group", name: "costguard-node-optimizer", apiGroup: "rbac.authorization.k8s.io" }]);
    assert.deepEqual(binding.inputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: (role.inputs.metadata as { name: string }).name });
    const provider = one("pulumi:providers:kubernetes");
    const kubeconfig = JSON.parse(String(provider.inputs.kubeconfig)) as { clusters: { cluster: { server: string } }[]; users: { user: { exec: { args: string[] } } }[] };
    assert.match(kubeconfig.clusters[0]!.cluster.server, /eks\.amazonaws\.com$/);
    assert.deepEqual(kubeconfig.users[0]!.user.exec.args.slice(0, 4), ["eks", "get-token", "--cluster-name", "shop-prod"]);
    for (const r of [role, binding]) assert.ok(r.provider?.includes("nodeOptimizer-k8s"), `${r.type} goes through the cluster's provider`);
  });

  it("gives the role describe calls, and group changes only on the configured groups of this cluster", () => {
    const policy = one("aws:iam/rolePolicy:RolePolicy", (r) => String(r.inputs.policy).includes("RebalanceConfiguredNodeGroups"));
    const statements = (JSON.parse(String(policy.inputs.policy)) as { Statement: Statement[] }).Statement;
    const bySid = new Map(statements.map((s) => [s.Sid, s]));
    assert.deepEqual(bySid.get("DescribeNodeGroups")!.Action, ["autoscaling:DescribeAutoScalingGroups", "ec2:DescribeInstances"]);
    const change = bySid.get("RebalanceConfiguredNodeGroups")!;
    assert.deepEqual((change.Action as string[]).sort(), [
      "autoscaling:ResumeProcesses",
      "autoscaling:SuspendProcesses",
      "autoscaling:TerminateInstanceInAutoScalingGroup",
      "autoscaling:UpdateAutoScalingGroup",
    ]);
    assert.deepEqual(
      change.Resource,
      settings.autoScalingGroups.map((g) => `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/${g}`),
    );
    assert.deepEqual(change.Condition, { StringEquals: { "aws:ResourceTag/kubernetes.io/cluster/shop-prod": "owned" } });
    assert.ok(bySid.has("PublishAlerts"));
    // Nothing else can mutate: every other statement is a describe, a publish, the function's own
    // logs/DLQ, or the spot advice's breaker claims (checked in their own test below).
    const ownSids = ["ReadAndClaimSpotBreakers", "ReadSpotPoolRisk", "LeasesAndRebalanceJournals"];
    const mutating = statements
      .filter((s) => !ownSids.includes(s.Sid ?? "") && s.Effect !== "Deny")
      .flatMap((s) => [s.Action].flat())
      .filter((a) => !/^(autoscaling:Describe|ec2:Describe|sns:Publish|logs:|sqs:SendMessage)/.test(a));
    assert.deepEqual(mutating.sort(), (change.Action as string[]).sort());
    assert.ok(!statements.some((s) => [s.Action].flat().some((a) => a.startsWith("eks:"))), "no EKS API call is needed at run time");
  });

  it("keeps one run per node group and its rebalance journal in a table of its own, and never changes a protected group", () => {
    const fn = one("aws:lambda/function:Function", (r) => String(r.inputs.description).includes("rebalance on-demand nodes"));
    const table = one("aws:dynamodb/table:Table", (r) => r.name === "nodeOptimizer-state");
    assert.equal((fn.inputs.environment as { variables: Record<string, string> }).variables.COSTGUARD_OPTIMIZER_TABLE, table.state.name);
    assert.equal(fn.inputs.reservedConcurrentExecutions, undefined);
    const policy = one("aws:iam/rolePolicy:RolePolicy", (r) => r.name === "nodeOptimizer-policy");
    const statements = (JSON.parse(String(policy.inputs.policy)) as { Statement: Statement[] }).Statement;
    const journal = statements.find((st) => st.Sid === "LeasesAndRebalanceJournals")!;
    assert.equal(journal.Resource, table.state.arn);
    const deny = statements.filter((st) => st.Effect === "Deny");
    assert.equal(deny.length, 1);
    assert.deepEqual(deny[0]!.Condition, { StringEqualsIgnoreCase: { "aws:ResourceTag/costguard:protect": "true" } });
    const change = statements.find((st) => st.Sid === "RebalanceConfiguredNodeGroups")!;
    for (const a of [change.Action].flat()) assert.ok([deny[0]!.Action].flat().includes(a), `${a} is denied on a protected group`);
  });

  it("scopes the spot optimizer to the launch templates, instance roles and volume keys listed in config", () => {
    const policy = one("aws:iam/rolePolicy:RolePolicy", (r) => r.name === "spot-optimizer-policy");
    const statements = (JSON.parse(String(policy.inputs.policy)) as { Statement: Statement[] }).Statement.filter((st) => st.Effect === "Allow");
    const passRole = statements.find((st) => [st.Action].flat().includes("iam:PassRole"))!;
    assert.deepEqual(passRole.Resource, [ROLE]);
    assert.deepEqual(passRole.Condition, { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } });
    const template = statements.find((st) => [st.Resource].flat().includes(TEMPLATE))!;
    assert.deepEqual([template.Action].flat().sort(), ["ec2:CreateFleet", "ec2:RunInstances"]);
    for (const st of statements.filter((x) => [x.Action].flat().includes("ec2:RunInstances") && x !== template)) {
      assert.deepEqual(st.Condition?.ArnLike, { "ec2:LaunchTemplate": [TEMPLATE] }, `${st.Sid}: launched from the listed template only`);
    }
    for (const st of statements.filter((x) => [x.Action].flat().some((a) => a.startsWith("kms:")))) assert.deepEqual(st.Resource, [KEY]);
  });

  it("runs the rebalance on the configured schedule with its fixed input", () => {
    const rule = one("aws:cloudwatch/eventRule:EventRule", (r) => r.name === "nodeOptimizer-rebalance");
    assert.equal(rule.inputs.scheduleExpression, "cron(15 * * * ? *)");
    const target = one("aws:cloudwatch/eventTarget:EventTarget", (r) => r.name === "nodeOptimizer-rebalance-target");
    assert.deepEqual(JSON.parse(String(target.inputs.input)), { action: "rebalance" });
  });

  it("exports the function name for the spot-events handler and operators", () => {
    assert.equal(run.outputs.nodeOptimizerFunction, "costguard-dev-node-optimizer");
  });

  it("hands interrupted EKS nodes from the spot-events function to the drainer, with time to wait for it", () => {
    const events = one("aws:lambda/function:Function", (r) => String(r.inputs.description).includes("spot interruption warnings"));
    const env = (events.inputs.environment as { variables: Record<string, string> }).variables;
    assert.equal(env.COSTGUARD_NODE_OPTIMIZER_FUNCTION, "costguard-dev-node-optimizer");
    assert.ok((events.inputs.timeout as number) > 90, "waits longer than the drain deadline");
    const policy = one("aws:iam/rolePolicy:RolePolicy", (r) => r.name === "spot-events-policy");
    const invoke = (JSON.parse(policy.inputs.policy as string) as { Statement: Statement[] }).Statement.find((st) => st.Action === "lambda:InvokeFunction")!;
    assert.equal(invoke.Resource, "arn:aws:lambda:us-east-1:123456789012:function:costguard-dev-node-optimizer");
  });

  it("lets the node optimizer consult the spot advice: breaker and pool-risk tables and spot settings", () => {
    const fn = one("aws:lambda/function:Function", (r) => String(r.inputs.description).includes("rebalance on-demand nodes"));
    const env = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    const breakers = one("aws:dynamodb/table:Table", (r) => r.name === "spot-breakers");
    assert.equal(env.COSTGUARD_BREAKER_TABLE, breakers.state.name);
    assert.ok(JSON.parse(env.COSTGUARD_SPOT_SETTINGS!).breaker, "spot settings under their own variable");
    const policy = one("aws:iam/rolePolicy:RolePolicy", (r) => r.name === "nodeOptimizer-policy");
    const st = (JSON.parse(policy.inputs.policy as string) as { Statement: Statement[] }).Statement.find((x) => x.Sid === "ReadAndClaimSpotBreakers")!;
    assert.equal(st.Resource, breakers.state.arn);
  });
});
