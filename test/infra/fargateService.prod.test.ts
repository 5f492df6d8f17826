/**
 * The prod stack under mocks with services added through config (prod declares none by
 * default). Production has no SSH (SSM Session Manager only).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { runProgram, type ProgramRun } from "../../tools/offline/runProgram";

const services = [
  { name: "web", image: "example/web:1.2.3", cpu: 1024, memory: 2048, port: 8080, desiredCount: 2 },
  { name: "batch", image: "example/batch:7", cpuArchitecture: "ARM64", healthCheck: { command: ["CMD", "/bin/ok"] } },
  // Declared but not running: no alarm could ever fire, so none is billed.
  { name: "standby", image: "example/standby:1", port: 80, desiredCount: 0 },
];

let run: ProgramRun;
const all = (type: string) => run.resources.filter((r) => r.type === type);
const fargate = () => all("awsx:ecs:FargateService");

before(async () => {
  run = await runProgram({
    stack: "prod",
    config: {
      "costguard:services": JSON.stringify(services),
      "costguard:alarms": JSON.stringify({ serviceCpuPercent: 70 }),
    },
  });
});

describe("Fargate services in the prod stack", () => {
  it("runs every task on on-demand FARGATE with a base, never on Spot", () => {
    assert.equal(fargate().length, services.length);
    for (const svc of fargate()) {
      assert.deepEqual(svc.inputs.capacityProviderStrategies, [{ capacityProvider: "FARGATE", base: 1, weight: 1 }], svc.name);
    }
    const cluster = all("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")[0]!.inputs as { defaultCapacityProviderStrategies: { capacityProvider: string }[] };
    assert.deepEqual(cluster.defaultCapacityProviderStrategies.map((s) => s.capacityProvider), ["FARGATE"]);
    const web = fargate().find((s) => s.name === "service-web-service")!.inputs as { desiredCount: number };
    assert.equal(web.desiredCount, 2);
  });

  it("never scales prod services to zero", () => {
    assert.equal(all("aws:appautoscaling/scheduledAction:ScheduledAction").length, 0);
    assert.equal(all("aws:appautoscaling/target:Target").length, 0);
  });

  it("still has no NAT gateway and no load balancer", () => {
    const vpc = all("awsx:ec2:Vpc")[0]!.inputs as { natGateways: { strategy: string }; subnetSpecs: { type: string }[] };
    assert.equal(vpc.natGateways.strategy, "None");
    assert.deepEqual(vpc.subnetSpecs.map((s) => s.type), ["Public"], "no database declared: no isolated subnets");
    assert.equal(all("awsx:lb:ApplicationLoadBalancer").length, 0);
    for (const svc of fargate()) assert.equal(svc.inputs.loadBalancers, undefined);
  });

  it("puts no alarm on a service declared at desiredCount 0", () => {
    assert.equal(all("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.startsWith("service-standby")).length, 0);
    assert.ok(fargate().some((f) => f.name === "service-standby-service"), "the service itself is still declared");
  });

  it("alarms at the configured CPU threshold and the default memory threshold on the prod alert topic", () => {
    const topicArn = all("aws:sns/topic:Topic")[0]!.state.arn as string;
    const alarms = all("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.startsWith("service-"));
    assert.equal(alarms.length, 4);
    for (const a of alarms) {
      assert.equal(a.inputs.threshold, a.inputs.metricName === "CPUUtilization" ? 70 : 80, `${a.name}: alarms.serviceCpuPercent is 70, serviceMemoryPercent the default`);
      assert.deepEqual(a.inputs.alarmActions, [topicArn]);
      assert.deepEqual(a.inputs.okActions, [topicArn]);
    }
  });

  it("keeps prod images and logs: repositories not force-deleted, 90-day log retention", () => {
    for (const repo of all("aws:ecr/repository:Repository")) assert.equal(repo.inputs.forceDelete, false);
    const logs = all("aws:cloudwatch/logGroup:LogGroup").filter((l) => l.name.startsWith("service-"));
    assert.equal(logs.length, services.length);
    for (const l of logs) assert.equal(l.inputs.retentionInDays, 90);
  });

  it("opens no SSH at all, and offers SSM Session Manager through the debug instance profile", () => {
    const groups = all("aws:ec2/securityGroup:SecurityGroup");
    const ssh = groups.filter((g) => ((g.inputs.ingress as { fromPort: number }[] | undefined) ?? []).some((r) => r.fromPort === 22));
    assert.deepEqual(ssh.map((g) => g.name), []);
    assert.equal(run.outputs.debugSshSecurityGroupId, null);
    assert.ok(run.outputs.debugInstanceProfileName);
  });
});
