/**
 * The estimator against figures computed by hand from the catalog's list prices
 * (us-east-1, 730 h/month).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { estimateStack, topItems, type ResourceToPrice } from "../../runtime/pricing/estimate";
import { fargateTaskSize } from "../../runtime/pricing/fargate";

const res = (type: string, name: string, inputs: Record<string, unknown> = {}, state: Record<string, unknown> = {}): ResourceToPrice => ({ type, name, inputs, state });
const est = (...resources: ResourceToPrice[]) => estimateStack(resources, { region: "us-east-1" });
const near = (actual: number, expected: number, what = "") => assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} ≠ ${expected}`);

describe("estimator: capacity", () => {
  it("prices an instance and its root volume", () => {
    const e = est(res("aws:ec2/instance:Instance", "web", { instanceType: "t3.medium", rootBlockDevice: { volumeSize: 20, volumeType: "gp2" }, associatePublicIpAddress: false }));
    near(e.listMonthlyUsd, 0.0416 * 730 + 20 * 0.1, "t3.medium + 20 GB gp2"); // 30.368 + 2.00
    near(e.afterFreeTierMonthlyUsd, e.listMonthlyUsd, "no free tier for EC2");
  });

  it("prices an Auto Scaling group as desired capacity × its launch template's type", () => {
    const lt = res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { instanceType: "t3.micro" }, { arn: "arn:aws:ec2:us-east-1:123456789012:lt-1234567" });
    const asg = res("aws:autoscaling/group:Group", "asg", { desiredCapacity: 3, minSize: 1, maxSize: 5, launchTemplate: { id: "lt-1234567", version: "$Latest" } });
    const e = est(lt, asg);
    // No subnets: the default VPC's, which map public IPv4 addresses on launch.
    near(e.listMonthlyUsd, 3 * 0.0104 * 730 + 3 * 8 * 0.08 + 3 * 3.65, "3 × t3.micro + 3 root volumes + 3 public IPv4"); // 22.776 + 1.92 + 10.95
    assert.deepEqual(e.unpriced, []);
  });

  it("splits mixed-instances groups into on-demand and spot by their distribution", () => {
    const lt = res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { name: "mixed", instanceType: "m5.large", blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 10, volumeType: "gp3" } }] });
    const asg = res("aws:autoscaling/group:Group", "asg", {
      desiredCapacity: 4,
      mixedInstancesPolicy: {
        launchTemplate: { launchTemplateSpecification: { launchTemplateName: "mixed" } },
        instancesDistribution: { onDemandBaseCapacity: 1, onDemandPercentageAboveBaseCapacity: 50 },
      },
    });
    const e = est(lt, asg);
    const od = e.lineItems.find((i) => i.what.includes("on-demand"))!;
    const spot = e.lineItems.find((i) => i.what.includes("spot"))!;
    near(od.monthlyUsd, 2.5 * 0.096 * 730, "2.5 on-demand"); // 175.2
    near(spot.monthlyUsd, 1.5 * 0.096 * 0.35 * 730, "1.5 spot at 65 % off"); // 36.792
    near(e.listMonthlyUsd, 175.2 + 36.792 + 4 * 10 * 0.08 + 4 * 3.65, "with volumes and public IPv4 (default VPC)");
  });

  it("prices public IPv4, NAT gateways and the NAT gateways awsx creates by default", () => {
    near(est(res("aws:ec2/eip:Eip", "ip")).listMonthlyUsd, 3.65, "EIP");
    near(est(res("aws:ec2/natGateway:NatGateway", "nat")).listMonthlyUsd, 32.85 + 10 * 0.045, "NAT + 10 GB");
    near(est(res("awsx:ec2:Vpc", "vpc")).listMonthlyUsd, 3 * (32.85 + 0.45 + 3.65), "awsx default: one NAT per AZ, 3 AZs");
    near(est(res("awsx:ec2:Vpc", "vpc", { numberOfAvailabilityZones: 2, natGateways: { strategy: "Single" } })).listMonthlyUsd, 32.85 + 0.45 + 3.65, "Single");
    const none = est(res("awsx:ec2:Vpc", "vpc", { natGateways: { strategy: "None" } }));
    assert.equal(none.listMonthlyUsd, 0);
    assert.equal(none.freeResources, 1);
  });

  it("prices EBS per type: gp3 20 % below gp2", () => {
    near(est(res("aws:ebs/volume:Volume", "v", { size: 100, type: "gp2" })).listMonthlyUsd, 10);
    near(est(res("aws:ebs/volume:Volume", "v", { size: 100, type: "gp3" })).listMonthlyUsd, 8);
    near(est(res("aws:ebs/volume:Volume", "v", { size: 100 })).listMonthlyUsd, 10, "AWS's default type is gp2");
  });

  it("prices an internet-facing ALB with one public IPv4 per AZ", () => {
    const e = est(res("aws:lb/loadBalancer:LoadBalancer", "alb", { loadBalancerType: "application", subnets: ["a", "b"] }));
    near(e.listMonthlyUsd, 0.0225 * 730 + 2 * 3.65); // 16.425 + 7.30
    near(est(res("aws:lb/loadBalancer:LoadBalancer", "nlb", { loadBalancerType: "network", internal: true })).listMonthlyUsd, 16.425, "internal NLB");
  });

  it("prices RDS multi-AZ twice, instance and storage", () => {
    const e = est(res("aws:rds/instance:Instance", "db", { instanceClass: "db.t4g.micro", engine: "postgres", multiAz: true, allocatedStorage: 20 }));
    near(e.listMonthlyUsd, 2 * 0.016 * 730 + 20 * 0.115 * 2); // 23.36 + 4.60
  });

  it("prices an awsx Fargate service on FARGATE_SPOT with public IPs", () => {
    const e = est(
      res("awsx:ecs:FargateService", "svc", {
        desiredCount: 2,
        assignPublicIp: true,
        capacityProviderStrategies: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }],
        taskDefinitionArgs: { container: { name: "app", image: "nginx", cpu: 256, memory: 512 } },
      }),
    );
    const task = 0.25 * 0.04048 + 0.5 * 0.004445; // 0.0123425 $/h on-demand
    near(e.lineItems[0]!.monthlyUsd, 2 * task * 0.3 * 730, "2 spot tasks at 70 % off"); // 5.406
    near(e.listMonthlyUsd, 2 * task * 0.3 * 730 + 2 * 3.65, "plus 2 task public IPv4");
  });

  it("prices an ECS service from its task definition, base and weights as ECS places tasks", () => {
    const td = res("aws:ecs/taskDefinition:TaskDefinition", "td", { cpu: "512", memory: "1024", runtimePlatform: { cpuArchitecture: "ARM64" } }, { arn: "arn:aws:ecs:us-east-1:123456789012:task-definition/td:1" });
    const svc = res("aws:ecs/service:Service", "svc", {
      desiredCount: 3,
      taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/td:1",
      capacityProviderStrategies: [
        { capacityProvider: "FARGATE", base: 1, weight: 0 },
        { capacityProvider: "FARGATE_SPOT", weight: 1 },
      ],
    });
    const e = est(td, svc);
    const hourly = 0.5 * 0.03238 + 1 * 0.00356; // arm64
    near(e.listMonthlyUsd, 1 * hourly * 730 + 2 * hourly * 0.3 * 730);
  });
});

describe("estimator: public IPv4, task sizes, usage-priced services", () => {
  const ip = (e: ReturnType<typeof est>) => e.lineItems.filter((i) => /public IPv4/.test(i.what));

  it("bills a public IPv4 for an instance its subnet (or the default VPC) gives one, not for a private subnet", () => {
    const pub = { ...res("aws:ec2/subnet:Subnet", "pub", { mapPublicIpOnLaunch: true }), key: "urn:pub" };
    const priv = { ...res("aws:ec2/subnet:Subnet", "priv", {}), key: "urn:priv" };
    const box = (name: string, inputs: Record<string, unknown>, dependsOn?: Record<string, string[]>) => ({ ...res("aws:ec2/instance:Instance", name, { instanceType: "t3.micro", ...inputs }), ...(dependsOn ? { dependsOn } : {}) });
    // At a first preview the subnet's id is unknown: the property dependency names it.
    assert.equal(ip(est(pub, box("web", {}, { subnetId: ["urn:pub"] })))[0]!.monthlyUsd, 3.65);
    assert.match(ip(est(pub, box("web", {}, { subnetId: ["urn:pub"] })))[0]!.basis, /subnet pub maps public IPs on launch/);
    assert.deepEqual(ip(est(priv, box("worker", {}, { subnetId: ["urn:priv"] }))), []);
    assert.deepEqual(ip(est(pub, box("web", { associatePublicIpAddress: false }, { subnetId: ["urn:pub"] }))), [], "asked for none");
    assert.match(ip(est(box("default", {})))[0]!.basis, /default VPC/);
    assert.deepEqual(ip(est(box("elsewhere", { subnetId: "subnet-0123456789abcdef0" }))), [], "a subnet outside the stack: not assumed public");
  });

  it("gives an Auto Scaling group's instances the public IPv4 its launch template asks for", () => {
    const lt = { ...res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { instanceType: "t3.micro", networkInterfaces: [{ associatePublicIpAddress: "true" }] }), key: "urn:lt" };
    const asg = { ...res("aws:autoscaling/group:Group", "nodes", { desiredCapacity: 2, vpcZoneIdentifiers: ["subnet-1"] }), dependsOn: { launchTemplate: ["urn:lt"] } };
    near(ip(est(lt, asg))[0]!.monthlyUsd, 2 * 3.65, "2 nodes");
  });

  it("rounds an awsx task up to the cheapest Fargate size awsx picks (0.5 vCPU / 128 MB → 0.5 vCPU / 1 GB)", () => {
    const e = est(res("awsx:ecs:FargateService", "svc", { desiredCount: 1, taskDefinitionArgs: { container: { name: "app", image: "nginx", cpu: 512, memory: 128 } } }));
    near(e.lineItems[0]!.monthlyUsd, (0.5 * 0.04048 + 1 * 0.004445) * 730, "0.5 vCPU / 1 GB");
    assert.match(e.lineItems[0]!.basis, /0\.5 vCPU\/1 GB/);
    assert.deepEqual(fargateTaskSize([{ cpu: 256, memory: 512 }, { cpu: 256, memoryReservation: 1024, memory: 4096 }]), { vcpu: 0.5, memGb: 2 }, "reservations over limits, summed");
    assert.deepEqual(fargateTaskSize([]), { vcpu: 0.25, memGb: 0.5 }, "awsx's smallest task");
  });

  it("lists traffic nobody declared as 'depends on usage' at its rate, and prices what is declared", () => {
    const lb = est(res("aws:lb/loadBalancer:LoadBalancer", "alb", { loadBalancerType: "application", internal: true }));
    const lcu = lb.lineItems.find((i) => i.what === "load balancer capacity units")!;
    assert.equal(lcu.monthlyUsd, 0);
    assert.match(lcu.dependsOnUsage!, /\$0\.008 per LCU-hour \(\$5\.84 per LCU-month\)/);
    const declared = est(res("aws:lb/loadBalancer:LoadBalancer", "alb", { loadBalancerType: "application", internal: true, tags: { "costguard:estimate": "capacityUnits=2" } }));
    near(declared.lineItems.find((i) => i.what === "load balancer capacity units")!.monthlyUsd, 2 * 0.008 * 730, "2 LCUs declared");
    const api = est(res("aws:apigateway/restApi:RestApi", "api", { tags: { "costguard:estimate": "requestsPerMonth=2000000" } }));
    near(api.listMonthlyUsd, 7, "2 M REST requests × $3.50/M");
    const cdn = est(res("aws:cloudfront/distribution:Distribution", "cdn", { tags: { "costguard:estimate": "dataGbPerMonth=1124" } }));
    near(cdn.lineItems.find((i) => i.what === "data transfer out")!.monthlyUsd, 1124 * 0.085, "declared data out");
    assert.equal(est(res("aws:route53/record:Record", "alias", { aliases: [{ name: "d111.cloudfront.net", zoneId: "Z2FDTNDATAQYW2", evaluateTargetHealth: false }] })).freeResources, 1, "alias queries to AWS are free");
    near(est(res("aws:kinesis/stream:Stream", "s", { streamModeDetails: { streamMode: "ON_DEMAND" } })).listMonthlyUsd, 0.04 * 730, "on-demand stream-hours");
    near(est(res("aws:efs/fileSystem:FileSystem", "fs", { throughputMode: "provisioned", provisionedThroughputInMibps: 10 })).listMonthlyUsd, 60, "10 MiB/s provisioned");
  });
});

describe("estimator: serverless and free tier", () => {
  const fn = res(
    "aws:lambda/function:Function",
    "checker",
    { architectures: ["arm64"], memorySize: 128, timeout: 30, loggingConfig: { logGroup: "checker-logs" } },
    { arn: "arn:aws:lambda:us-east-1:123456789012:function:checker-1234567" },
  );
  const rule = res("aws:cloudwatch/eventRule:EventRule", "every2", { scheduleExpression: "rate(2 minutes)" }, { arn: "arn:aws:logs:us-east-1:123456789012:every2-7654321" });
  const target = res("aws:cloudwatch/eventTarget:EventTarget", "every2-target", { rule: "every2-7654321", arn: "arn:aws:lambda:us-east-1:123456789012:function:checker-1234567" });

  it("prices a scheduled Lambda from its schedule expression, arm64 rate, inside the free tier", () => {
    const e = est(fn, rule, target);
    const requests = e.lineItems.find((i) => i.what === "requests")!;
    const compute = e.lineItems.find((i) => i.what.startsWith("compute"))!;
    near(requests.monthlyUsd, 21_900 * 0.2e-6, "21,900 requests");
    near(compute.monthlyUsd, 21_900 * 0.125 * 1 * 0.0000133334, "2,737.5 GB-s at arm64"); // 0.0365
    assert.equal(e.afterFreeTierMonthlyUsd, 0);
    assert.equal(e.freeResources, 2, "the rule and target cost nothing");
  });

  it("derives a log group's ingestion from the function writing to it", () => {
    const logs = res("aws:cloudwatch/logGroup:LogGroup", "checker-logs", { name: "checker-logs", retentionInDays: 7 });
    const e = est(fn, rule, target, logs);
    const ingest = e.lineItems.find((i) => i.what === "log ingestion")!;
    const gb = (21_900 * 2) / 1024 / 1024;
    near(ingest.monthlyUsd, gb * 0.5);
    assert.match(ingest.basis, /21,900 invocations/);
  });

  it("prices the Cost Explorer requests a scheduled report declares", () => {
    const report = res("aws:lambda/function:Function", "report", { architectures: ["arm64"], tags: { "costguard:estimate": "costExplorerRequestsPerRun=5 durationMs=3000" } }, { arn: "arn:aws:lambda:us-east-1:123456789012:function:report-1" });
    const daily = res("aws:cloudwatch/eventRule:EventRule", "daily", { name: "daily", scheduleExpression: "cron(0 9 * * ? *)" });
    const t = res("aws:cloudwatch/eventTarget:EventTarget", "daily-target", { rule: "daily", arn: "arn:aws:lambda:us-east-1:123456789012:function:report-1" });
    const e = est(report, daily, t);
    const ce = e.lineItems.find((i) => i.what === "Cost Explorer API requests")!;
    near(ce.monthlyUsd, (730 / 24) * 5 * 0.01, "30.4 runs × 5 × $0.01"); // 1.5208
    near(ce.afterFreeTierUsd, ce.monthlyUsd, "Cost Explorer has no free tier");
  });

  it("reads a report's Cost Explorer budget from its COSTGUARD_SETTINGS when no tag says it", () => {
    const report = res("aws:lambda/function:Function", "report", { environment: { variables: { COSTGUARD_SETTINGS: JSON.stringify({ maxCostExplorerRequests: 2 }) } }, tags: { "costguard:estimate": "invocationsPerMonth=30" } });
    const ce = est(report).lineItems.find((i) => i.what === "Cost Explorer API requests")!;
    near(ce.monthlyUsd, 30 * 2 * 0.01);
  });

  it("applies the always-free allowances across the stack: 10 alarms, 3 dashboards, 2 budgets", () => {
    const alarms = Array.from({ length: 12 }, (_, i) => res("aws:cloudwatch/metricAlarm:MetricAlarm", `a${i}`, { metricName: "Errors", period: 300 }));
    const dashboards = Array.from({ length: 4 }, (_, i) => res("aws:cloudwatch/dashboard:Dashboard", `d${i}`));
    const budgets = Array.from({ length: 3 }, (_, i) => res("aws:budgets/budget:Budget", `b${i}`));
    const e = est(...alarms, ...dashboards, ...budgets, res("aws:kms/key:Key", "key"));
    const budgetMonth = (0.02 * 730) / 24;
    near(e.listMonthlyUsd, 12 * 0.1 + 4 * 3 + 3 * budgetMonth + 1, "list");
    near(e.afterFreeTierMonthlyUsd, 2 * 0.1 + 3 + budgetMonth + 1, "after free tier (KMS has none)");
  });

  it("counts metric-math alarms by their metrics, and high-resolution alarms outside the free tier", () => {
    const math = res("aws:cloudwatch/metricAlarm:MetricAlarm", "rate", {
      metricQueries: [{ id: "a", metric: { metricName: "X", period: 300 } }, { id: "b", metric: { metricName: "Y", period: 300 } }, { id: "e", expression: "a/b" }],
    });
    near(est(math).listMonthlyUsd, 0.2);
    near(est(res("aws:cloudwatch/metricAlarm:MetricAlarm", "fast", { period: 10 })).afterFreeTierMonthlyUsd, 0.3);
  });

  it("prices DynamoDB on-demand and provisioned (25 WCU/RCU free)", () => {
    const od = est(res("aws:dynamodb/table:Table", "t", { billingMode: "PAY_PER_REQUEST", tags: { "costguard:estimate": "writesPerMonth=2000000 readsPerMonth=4000000 storageGb=1" } }));
    near(od.listMonthlyUsd, 2 * 0.625 + 4 * 0.125 + 0.25);
    near(od.afterFreeTierMonthlyUsd, 2 * 0.625 + 4 * 0.125, "storage under 25 GB is free");
    const prov = est(res("aws:dynamodb/table:Table", "p", { billingMode: "PROVISIONED", writeCapacity: 30, readCapacity: 5, tags: { "costguard:estimate": "storageGb=0" } }));
    near(prov.afterFreeTierMonthlyUsd, 5 * 0.00065 * 730, "5 WCU beyond 25 free");
  });

  it("lists what it cannot price, with the reason, and counts free resources", () => {
    const e = est(
      res("aws:ec2/instance:Instance", "gpu", { instanceType: "p9.96xlarge" }),
      res("aws:sagemaker/notebookInstance:NotebookInstance", "notebook"),
      res("aws-static-website:index:Website", "site"),
      res("aws:iam/role:Role", "role"),
      res("costguard:alerting:AlertChannel", "alerts"),
    );
    assert.deepEqual(
      e.unpriced.map((u) => [u.resource, u.reason]),
      [
        ["gpu", "instance type p9.96xlarge is not in the price catalog"],
        ["notebook", "no pricing rule for this type"],
        ["site", "a remote component the plan cannot open and has no expansion rule for: what it creates is not priced"],
      ],
    );
    assert.equal(e.freeResources, 1);
  });

  it("reports a malformed estimate tag instead of guessing", () => {
    const e = est(res("aws:sqs/queue:Queue", "q", { tags: { "costguard:estimate": "requestsPerMonth=lots colour=blue" } }));
    assert.equal(e.notes.length, 2);
    assert.match(e.notes.join("\n"), /requestsPerMonth must be a number/);
    assert.match(e.notes.join("\n"), /unknown key "colour"/);
  });

  it("orders the top items by what they cost after the free tier", () => {
    const e = est(res("aws:ec2/eip:Eip", "ip"), res("aws:ec2/natGateway:NatGateway", "nat"), res("aws:cloudwatch/dashboard:Dashboard", "d"));
    assert.deepEqual(topItems(e, 2).map((t) => t.resource), ["nat", "ip"]);
  });
});

describe("estimator: schedules that scale services", () => {
  it("prices a Fargate service scaled to zero outside weekday working hours for the hours it runs", () => {
    const svc = res("awsx:ecs:FargateService", "hello", { desiredCount: 1, taskDefinitionArgs: { container: { name: "web", cpu: 256, memory: 512 } } }, { service: { name: "hello-1234567" } });
    const stop = res("aws:appautoscaling/scheduledAction:ScheduledAction", "hello-stop", { resourceId: "service/cluster-1/hello-1234567", schedule: "cron(0 18 ? * MON-FRI *)", scalableTargetAction: { minCapacity: 0, maxCapacity: 0 } });
    const start = res("aws:appautoscaling/scheduledAction:ScheduledAction", "hello-start", { resourceId: "service/cluster-1/hello-1234567", schedule: "cron(0 8 ? * MON-FRI *)", scalableTargetAction: { minCapacity: 1, maxCapacity: 1 } });
    const e = est(svc, stop, start);
    const hours = (50 * 730) / 168; // 10 h × 5 weekdays a week
    near(e.listMonthlyUsd, (0.25 * 0.04048 + 0.5 * 0.004445) * hours);
    assert.match(e.lineItems[0]!.basis, /217\.26 h \(2 scheduled scaling actions\)/);
    assert.equal(e.freeResources, 2);
  });
});

describe("estimator: linking schedules at preview", () => {
  it("finds a target's rule by name when the rule's name is not known yet (autonamed)", () => {
    const fn = res("aws:lambda/function:Function", "check-fn", { architectures: ["arm64"] }, { arn: "arn:aws:lambda:us-east-1:123456789012:function:check-fn-1" });
    const rule = res("aws:cloudwatch/eventRule:EventRule", "check-schedule", { scheduleExpression: "rate(1 hour)" });
    const target = res("aws:cloudwatch/eventTarget:EventTarget", "check-schedule-target", { arn: "arn:aws:lambda:us-east-1:123456789012:function:check-fn-1" });
    const requests = est(fn, rule, target).lineItems.find((i) => i.what === "requests")!;
    assert.match(requests.basis, /rate\(1 hour\) = 730\/month/);
  });
});

describe("estimator: DynamoDB requests from the functions that use a table", () => {
  it("derives on-demand requests from the invocations of functions naming the table", () => {
    const table = res("aws:dynamodb/table:Table", "samples", { billingMode: "PAY_PER_REQUEST" }, { name: "samples-1234567" });
    const fn = res("aws:lambda/function:Function", "check", { environment: { variables: { COSTGUARD_SAMPLES_TABLE: "samples-1234567" } }, tags: { "costguard:estimate": "invocationsPerMonth=21900" } });
    const e = est(table, fn);
    const writes = e.lineItems.find((i) => i.what === "on-demand writes")!;
    near(writes.monthlyUsd, 21_900 * 2 * 0.625e-6, "2 writes per invocation");
    assert.match(writes.basis, /21,900 invocations of check × 2/);
    near(e.lineItems.find((i) => i.what === "on-demand reads")!.monthlyUsd, 21_900 * 4 * 0.125e-6, "4 reads per invocation");
  });
  it("assumes 10,000 writes and reads for a table no function names", () => {
    const e = est(res("aws:dynamodb/table:Table", "lonely", { billingMode: "PAY_PER_REQUEST" }));
    near(e.lineItems.find((i) => i.what === "on-demand writes")!.monthlyUsd, 10_000 * 0.625e-6);
  });
});

describe("estimator: managed services", () => {
  it("prices ElastiCache nodes, Secrets Manager secrets, advanced SSM parameters; standard ones are free", () => {
    near(est(res("aws:elasticache/replicationGroup:ReplicationGroup", "redis", { nodeType: "cache.t4g.micro", numCacheClusters: 2 })).listMonthlyUsd, 2 * 0.016 * 730);
    near(est(res("aws:secretsmanager/secret:Secret", "s")).listMonthlyUsd, 0.4);
    near(est(res("aws:ssm/parameter:Parameter", "p", { tier: "Advanced" })).listMonthlyUsd, 0.05);
    const standard = est(res("aws:ssm/parameter:Parameter", "p", { type: "SecureString" }));
    assert.equal(standard.listMonthlyUsd, 0);
    assert.equal(standard.freeResources, 1);
  });

  it("prices a queue polled by Lambda above an idle one, and SNS e-mail deliveries", () => {
    const queue = res("aws:sqs/queue:Queue", "work", {}, { arn: "arn:aws:sqs:us-east-1:123456789012:work-1" });
    const mapping = res("aws:lambda/eventSourceMapping:EventSourceMapping", "poll", { eventSourceArn: "arn:aws:sqs:us-east-1:123456789012:work-1" });
    near(est(queue, mapping).listMonthlyUsd, 650_000 * 0.4e-6, "long polling");
    near(est(queue).listMonthlyUsd, 1_000 * 0.4e-6, "idle");
    const topic = res("aws:sns/topic:Topic", "t", {}, { arn: "arn:aws:sns:us-east-1:123456789012:t-1" });
    const subs = [0, 1].map((i) => res("aws:sns/topicSubscription:TopicSubscription", `e${i}`, { protocol: "email", topic: "arn:aws:sns:us-east-1:123456789012:t-1" }));
    const e = est(topic, ...subs);
    near(e.listMonthlyUsd, 1_000 * 0.5e-6 + 2_000 * 2e-5);
    near(e.afterFreeTierMonthlyUsd, 1_000 * 2e-5, "1,000 e-mails are free");
  });

  it("prices a log group no function writes to from the assumption, and one kept forever for 12 months of storage", () => {
    const e = est(res("aws:cloudwatch/logGroup:LogGroup", "lg", { name: "app" }));
    near(e.listMonthlyUsd, 0.1 * 0.5 + 0.1 * 12 * 0.03);
    assert.match(e.lineItems[1]!.basis, /never expires: 12 months shown/);
  });

  it("prices an EKS control plane, a node group, an interface endpoint and S3 storage", () => {
    near(est(res("aws:eks/cluster:Cluster", "k")).listMonthlyUsd, 73);
    near(est(res("aws:eks/nodeGroup:NodeGroup", "ng", { instanceTypes: ["t3.medium"], capacityType: "SPOT", scalingConfig: { desiredSize: 2 } })).listMonthlyUsd, 2 * 0.0416 * 0.35 * 730 + 2 * 20 * 0.08);
    near(est(res("aws:ec2/vpcEndpoint:VpcEndpoint", "ep", { vpcEndpointType: "Interface", subnetIds: ["a", "b", "c"] })).listMonthlyUsd, 3 * 0.01 * 730);
    near(est(res("aws:ec2/vpcEndpoint:VpcEndpoint", "gw", { vpcEndpointType: "Gateway" })).listMonthlyUsd, 0);
    near(est(res("aws:s3/bucket:Bucket", "b", { tags: { "costguard:estimate": "storageGb=10 requestsPerMonth=2000" } })).listMonthlyUsd, 10 * 0.023 + 2 * 0.005);
  });

  it("prices in eu-west-1 at Ireland's rates", () => {
    const e = estimateStack([res("aws:ec2/natGateway:NatGateway", "nat"), res("aws:ec2/instance:Instance", "i", { instanceType: "t3.medium", rootBlockDevice: { volumeSize: 8, volumeType: "gp3" }, associatePublicIpAddress: false })], { region: "eu-west-1" });
    near(e.listMonthlyUsd, 0.048 * 730 + 10 * 0.048 + 0.0456 * 730 + 8 * 0.088);
    assert.deepEqual(e.notes, []);
    assert.match(estimateStack([res("aws:ec2/eip:Eip", "ip")], { region: "ap-south-1" }).notes[0]!, /ap-south-1 is not in the catalog: priced at us-east-1 rates/);
  });
});

describe("estimator: components with their children (the real engine)", () => {
  it("prices an awsx Vpc through its NAT gateway children when they are present, not twice", () => {
    const vpc = { ...res("awsx:ec2:Vpc", "vpc", { natGateways: { strategy: "Single" } }), key: "urn:vpc" };
    const nat = { ...res("aws:ec2/natGateway:NatGateway", "vpc-1"), key: "urn:nat", parent: "urn:vpc" };
    const ip = { ...res("aws:ec2/eip:Eip", "vpc-1"), key: "urn:eip", parent: "urn:vpc" };
    near(est(vpc, nat, ip).listMonthlyUsd, 32.85 + 0.45 + 3.65);
    near(est(vpc).listMonthlyUsd, 32.85 + 0.45 + 3.65, "alone (mocks), the component is priced from its inputs");
  });
});
