/**
 * The dev stack's Fargate services under mocks: the example service of Pulumi.dev.yaml plus two
 * more declared here (one with secrets and a load balancer, one ARM64 worker without a port).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { loadStackConfig, runProgram, type ProgramRun } from "../../tools/offline/runProgram";
import { MOCK_ACCOUNT, type PlannedResource } from "../../tools/offline/mocks";
import * as path from "node:path";
import { statementsOf } from "./helpers";

const SSM_ARN = `arn:aws:ssm:us-east-1:${MOCK_ACCOUNT}:parameter/api/db-password`;
const SM_ARN = `arn:aws:secretsmanager:us-east-1:${MOCK_ACCOUNT}:secret:api/stripe-AbCdEf`;
const extraServices = [
  {
    name: "api",
    image: "public.ecr.aws/docker/library/httpd:2.4",
    cpu: 512,
    memory: 1024,
    port: 8080,
    loadBalancer: true,
    environment: { LOG_LEVEL: "info" },
    secrets: { DB_PASSWORD: SSM_ARN, API_TOKEN: "/api/token", STRIPE_KEY: `${SM_ARN}:key::` },
    scaleToZero: { timezone: "Europe/Berlin", stopSchedule: "cron(0 20 ? * MON-FRI *)", startSchedule: "cron(0 7 ? * MON-FRI *)" },
  },
  { name: "worker", image: "example/worker:1", cpuArchitecture: "ARM64", healthCheck: { command: ["CMD", "/bin/healthy"] }, scaleToZero: { enabled: false } },
];

let run: ProgramRun;
const declared = JSON.parse(loadStackConfig(path.join(__dirname, "..", ".."), "dev").values["costguard:services"] ?? "[]") as { name: string; desiredCount?: number }[];
// Pulumi.dev.yaml ships the example at desiredCount 0 (the dev stack must cost nothing idle); here it runs, as a user would turn it on.
const devServices = declared.map((s) => ({ ...s, desiredCount: 1 }));

const all = (type: string) => run.resources.filter((r) => r.type === type);
const one = (type: string, name: string): PlannedResource => {
  const r = run.resources.find((x) => x.type === type && x.name === name);
  assert.ok(r, `expected ${type} ${name}`);
  return r;
};
const service = (name: string) => one("awsx:ecs:FargateService", `service-${name}-service`);
type Container = { name: string; image: string; stopTimeout?: number; secrets: { name: string; valueFrom: string }[]; environment: { name: string; value: string }[]; healthCheck?: { command: string[] } };
const container = (name: string) => (service(name).inputs.taskDefinitionArgs as { container: Container }).container;
const execStatements = (name: string) => statementsOf(run, `service-${name}-exec`);

before(async () => {
  run = await runProgram({
    stack: "dev",
    config: {
      "costguard:services": JSON.stringify([...devServices, ...extraServices]),
      // Distinct CPU and memory thresholds, so each alarm must read its own key.
      "costguard:alarms": JSON.stringify({ guardErrorsScope: "account", serviceCpuPercent: 70, serviceMemoryPercent: 90 }),
    },
  });
});

describe("Fargate services in the dev stack", () => {
  it("shows the example service declared in Pulumi.dev.yaml", () => {
    assert.ok(declared.some((s) => s.name === "hello"), "Pulumi.dev.yaml declares the example service");
    assert.equal(declared.find((s) => s.name === "hello")!.desiredCount, 0, "shipped stopped, so the dev stack costs nothing idle");
    const hello = service("hello").inputs as { desiredCount: number; taskDefinitionArgs: { cpu: string; memory: string } };
    assert.equal(hello.desiredCount, 1);
    assert.equal(hello.taskDefinitionArgs.cpu, "256");
    assert.equal(hello.taskDefinitionArgs.memory, "512");
    assert.deepEqual(run.outputs.serviceNames, ["hello", "api", "worker"]);
    assert.equal((run.outputs.serviceArns as string[]).length, 3);
  });

  it("builds one VPC without NAT gateways, shared by the services, which run in its public subnets", () => {
    const vpcs = all("awsx:ec2:Vpc");
    assert.equal(vpcs.length, 1);
    const inputs = vpcs[0]!.inputs as { natGateways: { strategy: string }; subnetSpecs: { type: string }[] };
    assert.equal(inputs.natGateways.strategy, "None");
    // Isolated subnets (no route out) only for the example database of Pulumi.dev.yaml.
    assert.deepEqual(inputs.subnetSpecs.map((s) => s.type), ["Public", "Isolated"]);
    assert.equal(all("aws:ec2/natGateway:NatGateway").length, 0);
    const publicSubnets = vpcs[0]!.state.publicSubnetIds as string[];
    for (const name of ["hello", "api", "worker"]) {
      const net = service(name).inputs.networkConfiguration as { subnets: string[]; assignPublicIp: boolean };
      assert.equal(net.assignPublicIp, true, `${name} tasks get a public IP`);
      assert.deepEqual(net.subnets, publicSubnets, `${name} runs in the public subnets`);
    }
  });

  it("puts FARGATE_SPOT first, except for ARM64 tasks which Fargate Spot cannot run", () => {
    for (const name of ["hello", "api"]) {
      const strategy = service(name).inputs.capacityProviderStrategies as { capacityProvider: string; weight: number }[];
      assert.equal(strategy[0]!.capacityProvider, "FARGATE_SPOT");
      assert.equal(strategy[0]!.weight, 1);
      assert.ok(strategy.slice(1).every((s) => s.weight === 0), "nothing else takes tasks");
    }
    const worker = service("worker").inputs as { capacityProviderStrategies: { capacityProvider: string }[]; taskDefinitionArgs: { runtimePlatform: { cpuArchitecture: string } } };
    assert.deepEqual(worker.capacityProviderStrategies.map((s) => s.capacityProvider), ["FARGATE"]);
    assert.equal(worker.taskDefinitionArgs.runtimePlatform.cpuArchitecture, "ARM64");
    const cluster = all("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")[0]!.inputs as { capacityProviders: string[]; defaultCapacityProviderStrategies: { capacityProvider: string }[] };
    assert.deepEqual([...cluster.capacityProviders].sort(), ["FARGATE", "FARGATE_SPOT"]);
    assert.equal(cluster.defaultCapacityProviderStrategies[0]!.capacityProvider, "FARGATE_SPOT");
  });

  it("creates a load balancer only for the service that asks for one, reachable only through it", () => {
    const albs = all("awsx:lb:ApplicationLoadBalancer");
    assert.deepEqual(albs.map((a) => a.name), ["service-api-alb"]);
    assert.equal(service("hello").inputs.loadBalancers, undefined);
    assert.equal(service("worker").inputs.loadBalancers, undefined);
    const lbs = service("api").inputs.loadBalancers as { targetGroupArn: string; containerName: string; containerPort: number }[];
    assert.deepEqual(lbs, [{ targetGroupArn: (albs[0]!.state.defaultTargetGroup as { arn: string }).arn, containerName: "api", containerPort: 8080 }]);
    const apiSg = one("aws:ec2/securityGroup:SecurityGroup", "service-api-sg").inputs.ingress as { fromPort: number; cidrBlocks?: string[]; securityGroups?: string[] }[];
    assert.equal(apiSg.length, 1);
    assert.equal(apiSg[0]!.fromPort, 8080);
    assert.equal(apiSg[0]!.cidrBlocks, undefined, "no direct ingress from the internet when behind the load balancer");
    const albSecurityGroups = albs[0]!.inputs.securityGroups as string[];
    assert.equal(albSecurityGroups.length, 1);
    assert.deepEqual(apiSg[0]!.securityGroups, albSecurityGroups, "only the load balancer's security group may reach the tasks");
    const helloSg = one("aws:ec2/securityGroup:SecurityGroup", "service-hello-sg").inputs.ingress as { fromPort: number; cidrBlocks: string[] }[];
    assert.deepEqual(helloSg.map((r) => [r.fromPort, r.cidrBlocks]), [[80, ["0.0.0.0/0"]]]);
    assert.deepEqual(one("aws:ec2/securityGroup:SecurityGroup", "service-worker-sg").inputs.ingress, [], "a service without a port accepts no traffic");
  });

  it("scales to zero outside working hours, on the configured schedule and time zone", () => {
    const actions = all("aws:appautoscaling/scheduledAction:ScheduledAction").map((a) => a.inputs as { name: string; schedule: string; timezone: string; scalableTargetAction: { minCapacity: number; maxCapacity: number }; resourceId: string });
    const byName = new Map(actions.map((a) => [a.name, a]));
    assert.deepEqual([...byName.keys()].sort(), ["costguard-dev-api-start", "costguard-dev-api-stop", "costguard-dev-hello-start", "costguard-dev-hello-stop"], "the worker opted out");
    const stop = byName.get("costguard-dev-hello-stop")!;
    assert.equal(stop.schedule, "cron(0 18 ? * MON-FRI *)");
    assert.equal(stop.timezone, "UTC");
    assert.deepEqual(stop.scalableTargetAction, { minCapacity: 0, maxCapacity: 0 });
    assert.deepEqual(byName.get("costguard-dev-hello-start")!.scalableTargetAction, { minCapacity: 1, maxCapacity: 1 });
    assert.equal(byName.get("costguard-dev-api-stop")!.timezone, "Europe/Berlin");
    assert.equal(byName.get("costguard-dev-api-stop")!.schedule, "cron(0 20 ? * MON-FRI *)");
    const cluster = one("aws:ecs/cluster:Cluster", "services-cluster").state.name as string;
    const target = one("aws:appautoscaling/target:Target", "service-hello-scaling").inputs as { resourceId: string; scalableDimension: string };
    assert.equal(target.resourceId, `service/${cluster}/hello`);
    assert.equal(target.scalableDimension, "ecs:service:DesiredCount");
    assert.equal(stop.resourceId, target.resourceId);
  });

  it("wires a CPU and a memory alarm per service to the alert topic", () => {
    const topicArn = all("aws:sns/topic:Topic")[0]!.state.arn as string;
    const alarms = all("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.startsWith("service-"));
    assert.equal(alarms.length, 6);
    for (const name of ["hello", "api", "worker"]) {
      const mine = alarms.filter((a) => (a.inputs.dimensions as { ServiceName: string }).ServiceName === name);
      assert.deepEqual(mine.map((a) => a.inputs.metricName).sort(), ["CPUUtilization", "MemoryUtilization"]);
      for (const a of mine) {
        assert.deepEqual(a.inputs.alarmActions, [topicArn]);
        assert.equal(a.inputs.threshold, a.inputs.metricName === "CPUUtilization" ? 70 : 90, "alarms.serviceCpuPercent / alarms.serviceMemoryPercent");
        assert.equal(a.inputs.namespace, "AWS/ECS");
        assert.equal(a.inputs.treatMissingData, "notBreaching", "scaled to zero is not an alarm");
      }
    }
  });

  it("gives each service an ECR repository whose untagged images expire after 30 days", () => {
    const policies = all("aws:ecr/lifecyclePolicy:LifecyclePolicy");
    assert.equal(policies.length, 3);
    const rules = (JSON.parse(one("aws:ecr/lifecyclePolicy:LifecyclePolicy", "service-hello-repo-lifecycle").inputs.policy as string) as { rules: unknown[] }).rules;
    assert.deepEqual(rules, [
      {
        rulePriority: 1,
        description: "Expire untagged images after 30 days",
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 30 },
        action: { type: "expire" },
      },
    ]);
    assert.equal(one("aws:ecr/repository:Repository", "service-hello-repo").inputs.forceDelete, true, "dev repositories go away with the stack");
  });

  it("passes secrets by reference and lets the execution role read exactly those", () => {
    const api = container("api");
    assert.deepEqual(
      api.secrets.map((s) => [s.name, s.valueFrom]),
      [
        ["DB_PASSWORD", SSM_ARN],
        ["API_TOKEN", "/api/token"],
        ["STRIPE_KEY", `${SM_ARN}:key::`],
      ],
    );
    assert.deepEqual(api.environment, [{ name: "LOG_LEVEL", value: "info" }]);
    const statements = execStatements("api");
    const ssm = statements.find((s) => s.Action === "ssm:GetParameters")!;
    assert.deepEqual(ssm.Resource, [SSM_ARN, `arn:aws:ssm:us-east-1:${MOCK_ACCOUNT}:parameter/api/token`]);
    const sm = statements.find((s) => s.Action === "secretsmanager:GetSecretValue")!;
    assert.deepEqual(sm.Resource, [SM_ARN], "the secret itself, without the JSON-key suffix");
    const readsSecrets = (s: { Action: string | string[] }) => [s.Action].flat().some((a) => /^(ssm|secretsmanager|kms):/.test(a));
    assert.equal(statements.filter(readsSecrets).length, 2);
    assert.ok(!execStatements("worker").some(readsSecrets), "a service without secrets (nor a database) reads none");
    for (const s of statements) for (const r of [s.Resource].flat()) assert.ok(r !== "*" || s.Action === "ecr:GetAuthorizationToken", `${s.Sid} is scoped`);
    const roleArn = one("aws:iam/role:Role", "service-api-exec").state.arn;
    assert.equal((service("api").inputs.taskDefinitionArgs as { executionRole: { roleArn: string } }).executionRole.roleArn, roleArn);
  });

  it("logs to a log group with the stack's retention and checks container health", () => {
    const logs = one("aws:cloudwatch/logGroup:LogGroup", "service-hello-logs").inputs as { name: string; retentionInDays: number };
    assert.equal(logs.name, "/costguard/dev/services/hello");
    assert.equal(logs.retentionInDays, 7, "Pulumi.dev.yaml sets logRetentionDays: 7");
    assert.deepEqual((service("hello").inputs.taskDefinitionArgs as { logGroup: unknown }).logGroup, { existing: { name: logs.name } });
    assert.match(container("hello").healthCheck!.command.join(" "), /^CMD-SHELL .*http:\/\/localhost:80\//);
    assert.deepEqual(container("worker").healthCheck!.command, ["CMD", "/bin/healthy"]);
    assert.equal(service("hello").inputs.propagateTags, "SERVICE", "tasks carry the Environment tag for the failsafe");
    assert.equal(container("hello").stopTimeout, 120, "the whole two-minute Spot warning to drain");
  });

  it("gives instances an SSM instance profile and opens no SSH when no CIDR is set", () => {
    const attachment = one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "debug-ssm-core").inputs;
    assert.equal(attachment.policyArn, "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
    const profile = one("aws:iam/instanceProfile:InstanceProfile", "debug-profile");
    assert.equal(profile.inputs.role, one("aws:iam/role:Role", "debug-role").state.name);
    assert.equal(run.outputs.debugInstanceProfileName, profile.state.name);
    const trust = JSON.parse(one("aws:iam/role:Role", "debug-role").inputs.assumeRolePolicy as string) as { Statement: { Principal: { Service: string } }[] };
    assert.equal(trust.Statement[0]!.Principal.Service, "ec2.amazonaws.com");
    const sshRules = all("aws:ec2/securityGroup:SecurityGroup").flatMap((g) => (g.inputs.ingress as { fromPort: number }[] | undefined) ?? []).filter((r) => r.fromPort === 22);
    assert.deepEqual(sshRules, []);
    assert.equal(run.outputs.debugSshSecurityGroupId, null);
  });
});
