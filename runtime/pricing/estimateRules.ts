/**
 * Which rule prices which Pulumi type, the types that cost nothing by themselves, and the
 * rules for serverless and managed services (Lambda, CloudWatch, KMS, Secrets Manager, SSM,
 * DynamoDB, SQS, SNS, S3, Budgets, ECR, Route 53 zones) including Cost Explorer requests a
 * function declares. Capacity resources are in estimateCompute.ts, databases in
 * estimateDatabases.ts, ECS in estimateContainers.ts, traffic-priced services in estimateUsage.ts.
 *
 * A type of an AWS package with no rule here is reported unpriced, never counted as free; so is a
 * remote component (awsx, eks, aws-*) whose children are not in the stack and that no rule prices.
 */
import { HOURS_PER_MONTH } from "./types";
import { arr, fmt, num, obj, str, type PricingContext } from "./estimateContext";
import * as compute from "./estimateCompute";
import * as containers from "./estimateContainers";
import * as db from "./estimateDatabases";
import * as usage from "./estimateUsage";
import { priceStateMachine } from "./estimateWorkflows";
import type { Item, PriceResult, ResourceToPrice } from "./estimateTypes";

export { PricingContext } from "./estimateContext";

/** Types with no charge of their own (their cost, if any, is priced on the resource they configure). */
const FREE_TYPES: RegExp[] = [
  /^aws:iam\//,
  /^aws:lambda\/(permission|eventSourceMapping|alias|functionEventInvokeConfig|layerVersion):/,
  /^aws:cloudwatch\/(eventRule|eventTarget|logResourcePolicy|logSubscriptionFilter|logStream|eventBus|eventBusPolicy):/,
  /^aws:scheduler\/scheduleGroup:/,
  /^aws:rds\/(subnetGroup|instanceDesiredState|parameterGroup|clusterParameterGroup|optionGroup):/,
  /^aws:elasticache\/(subnetGroup|parameterGroup|user|userGroup|userGroupAssociation):/,
  /^aws:sns\/(topicPolicy|topicSubscription):/,
  /^aws:sqs\/(queuePolicy|redrivePolicy|redriveAllowPolicy):/,
  /^aws:s3\/bucket[A-Za-z0-9]*:/,
  /^aws:ec2\/(vpc|subnet|routeTable|route|routeTableAssociation|mainRouteTableAssociation|internetGateway|egressOnlyInternetGateway|securityGroup|securityGroupRule|networkAcl|networkAclRule|defaultSecurityGroup|defaultRouteTable|defaultNetworkAcl|vpcDhcpOptions|vpcDhcpOptionsAssociation|keyPair|launchTemplate|placementGroup|eipAssociation|vpcPeeringConnection|vpcPeeringConnectionAccepter|flowLog|tag|defaultVpc|defaultSubnet|defaultVpcDhcpOptions|vpcIpv4CidrBlockAssociation|securityGroupAssociation):/,
  /^aws:acm\/(certificate|certificateValidation):/, // public certificates are free
  /^aws:cloudfront\/(originAccessIdentity|originAccessControl|cachePolicy|originRequestPolicy|responseHeadersPolicy|keyGroup|publicKey|continuousDeploymentPolicy):/,
  /^aws:apigateway\/(resource|method|methodResponse|methodSettings|integration|integrationResponse|deployment|authorizer|account|basePathMapping|requestValidator|model|gatewayResponse|restApiPolicy|documentationPart|usagePlan|usagePlanKey|apiKey):/,
  /^aws:apigatewayv2\/(stage|route|routeResponse|integration|integrationResponse|deployment|authorizer|apiMapping|model):/,
  /^aws:efs\/(mountTarget|accessPoint|backupPolicy|fileSystemPolicy):/,
  /^aws:route53\/(zoneAssociation|vpcAssociationAuthorization|hostedZoneDnsSec):/,
  /^aws:lambda\/functionUrl:/,
  /^aws:kinesis\/resourcePolicy:/,
  /^aws:cloudwatch\/logMetricFilter:/,
  /^aws:vpc\/(securityGroupIngressRule|securityGroupEgressRule):/,
  /^aws:ec2\/vpcEndpoint:VpcEndpoint$/, // gateway endpoints; interface endpoints are priced below
  /^aws:ecs\/(cluster|taskDefinition|clusterCapacityProviders|capacityProvider):/,
  /^aws:ecr\/(lifecyclePolicy|repositoryPolicy):/,
  /^aws:kms\/(alias|grant|keyPolicy):/,
  /^aws:costexplorer\//,
  /^aws:appautoscaling\//,
  /^aws:autoscaling\/(policy|schedule|lifecycleHook|notification|attachment|tag):/,
  /^aws:lb\/(targetGroup|listener|listenerRule|targetGroupAttachment):/,
  /^aws:alb\/(targetGroup|listener|listenerRule|targetGroupAttachment):/,
  /^aws:budgets\/budgetAction:/,
  /^aws:dynamodb\/(tableItem|contributorInsights|resourcePolicy):/,
  /^aws:eks\/(accessEntry|accessPolicyAssociation|addon|podIdentityAssociation):/,
  /^aws:ssm\/(association|document|maintenanceWindow.*):/,
  /^aws:cloudwatch\/metricStream:/,
  /^aws:sns\/platformApplication:/,
  /^aws:index\//,
  // StackSets bill only third-party resource types' handler operations; costguard's is an IAM role.
  /^aws:cloudformation\/(stackSet|stackSetInstance):/,
];

const isFree = (type: string) => FREE_TYPES.some((re) => re.test(type));

function item(r: ResourceToPrice, what: string, monthlyUsd: number, basis: string, usage?: Item["usage"]): Item {
  return { resource: r.name, type: r.type, what, monthlyUsd, basis, ...(usage ? { usage } : {}) };
}
const money = (v: number) => (v < 0.01 ? `$${v.toPrecision(3)}` : `$${v.toFixed(2)}`);

function costExplorerItems(fn: ResourceToPrice, ctx: PricingContext, runsPerMonth: number, scheduled: boolean): Item[] {
  const hint = ctx.hint(fn);
  const settingsText = str(obj(obj(fn.inputs.environment).variables).COSTGUARD_SETTINGS);
  let settings: Record<string, unknown>;
  try {
    settings = settingsText ? obj(JSON.parse(settingsText)) : {};
  } catch {
    settings = {};
  }
  const perRun = hint.costExplorerRequestsPerRun ?? num(settings.costExplorerRequestsPerRun) ?? num(settings.maxCostExplorerRequests);
  const perMonth = hint.costExplorerRequestsPerMonth ?? (perRun !== undefined ? perRun * runsPerMonth : undefined);
  if (perMonth === undefined) return [];
  const rate = ctx.book.costExplorerPerRequest();
  const basis =
    hint.costExplorerRequestsPerMonth !== undefined
      ? `${fmt(perMonth)} requests/month (declared) × $${rate}`
      : `${perRun} requests/run × ${fmt(runsPerMonth)} runs${scheduled ? "" : " (assumed)"} × $${rate} (${hint.costExplorerRequestsPerRun !== undefined ? "declared" : "from its settings"})`;
  return [item(fn, "Cost Explorer API requests", perMonth * rate, basis)];
}

function priceLambda(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const i = r.inputs;
  const arch = str(arr(i.architectures)[0]) === "arm64" ? "arm64" : "x86_64";
  const memoryMb = num(i.memorySize) ?? 128;
  const timeoutMs = (num(i.timeout) ?? 3) * 1000;
  const inv = ctx.invocations(r);
  const declared = ctx.hint(r).durationMs;
  const durationMs = Math.min(declared ?? ctx.usage.lambdaDurationMs, timeoutMs);
  const gbSeconds = inv.perMonth * (memoryMb / 1024) * (durationMs / 1000);
  const prices = ctx.book.lambda(ctx.region);
  return {
    kind: "priced",
    items: [
      item(r, "requests", inv.perMonth * prices.perRequest, `${inv.basis} × $0.20/M`, { meter: "lambdaRequests", quantity: inv.perMonth, unitUsd: prices.perRequest }),
      item(r, `compute ${arch} ${memoryMb} MB`, gbSeconds * prices.gbSecond[arch], `${fmt(inv.perMonth)} × ${memoryMb} MB × ${durationMs} ms${declared !== undefined ? " (declared)" : " (assumed)"} = ${fmt(gbSeconds)} GB-s × $${prices.gbSecond[arch]}`, {
        meter: "lambdaGbSeconds",
        quantity: gbSeconds,
        unitUsd: prices.gbSecond[arch],
      }),
      ...costExplorerItems(r, ctx, inv.perMonth, inv.scheduled),
      ...customMetricItems(r, ctx),
    ],
  };
}

function customMetricItems(r: ResourceToPrice, ctx: PricingContext): Item[] {
  const n = ctx.hint(r).customMetrics;
  if (!n) return [];
  const rate = ctx.book.cloudwatch(ctx.region).customMetricMonth;
  return [item(r, `${n} custom metrics (EMF)`, n * rate, `${n} metric × dimension sets (declared) × $${rate}`, { meter: "cloudwatchCustomMetrics", quantity: n, unitUsd: rate })];
}

function priceAlarm(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const cw = ctx.book.cloudwatch(ctx.region);
  const queries = arr(r.inputs.metricQueries).map(obj);
  const metrics = queries.length ? queries.filter((q) => q.metric !== undefined).length || 1 : 1;
  const anomaly = queries.some((q) => /ANOMALY_DETECTION_BAND/.test(str(q.expression) ?? ""));
  const highRes = (num(r.inputs.period) ?? 60) < 60 || queries.some((q) => (num(obj(q.metric).period) ?? 60) < 60);
  const count = anomaly ? metrics * 3 : metrics;
  if (highRes) return { kind: "priced", items: [item(r, "high-resolution alarm", count * cw.highResolutionAlarmMonth, `${count} metric(s) × $${cw.highResolutionAlarmMonth} (not in the free tier)`)] };
  return { kind: "priced", items: [item(r, "alarm", count * cw.alarmMonth, `${count} metric(s) × $${cw.alarmMonth}${anomaly ? " (anomaly detection: 3 per metric)" : ""}`, { meter: "cloudwatchAlarmMetrics", quantity: count, unitUsd: cw.alarmMonth })] };
}

function priceLogGroup(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const cw = ctx.book.cloudwatch(ctx.region);
  const declared = ctx.hint(r).logGbPerMonth;
  const writers = ctx.writersOf(r);
  let gb: number;
  let basis: string;
  if (declared !== undefined) [gb, basis] = [declared, `${fmt(declared)} GB/month (declared)`];
  else if (writers.length) {
    const invocations = writers.reduce((s, fn) => s + ctx.invocations(fn).perMonth, 0);
    gb = (invocations * ctx.usage.logKbPerInvocation) / 1024 / 1024;
    basis = `${fmt(invocations)} invocations × ${ctx.usage.logKbPerInvocation} KB (assumed) = ${fmt(gb)} GB/month`;
  } else [gb, basis] = [ctx.usage.logGbPerMonth, `${ctx.usage.logGbPerMonth} GB/month (assumed)`];
  const retentionDays = num(r.inputs.retentionInDays) ?? 0;
  const storedGb = gb * (retentionDays > 0 ? Math.min(retentionDays, 365) / 30.42 : 12);
  return {
    kind: "priced",
    items: [
      item(r, "log ingestion", gb * cw.logsIngestGb, `${basis} × $${cw.logsIngestGb}/GB`, { meter: "cloudwatchLogsGb", quantity: gb, unitUsd: cw.logsIngestGb }),
      item(r, "log storage", storedGb * cw.logsStorageGbMonth, `${fmt(storedGb)} GB kept (${retentionDays ? `${retentionDays} days` : "never expires: 12 months shown"}) × $${cw.logsStorageGbMonth}/GB-month`, {
        meter: "cloudwatchLogsGb",
        quantity: storedGb,
        unitUsd: cw.logsStorageGbMonth,
      }),
    ],
  };
}

function priceDynamoTable(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const d = ctx.book.dynamodb(ctx.region);
  const hint = ctx.hint(r);
  const storageGb = hint.storageGb ?? ctx.usage.dynamodbStorageGb;
  const items: Item[] = [item(r, "storage", storageGb * d.storageGbMonth, `${fmt(storageGb)} GB${hint.storageGb !== undefined ? " (declared)" : " (assumed)"} × $${d.storageGbMonth}/GB-month`, { meter: "dynamodbStorageGb", quantity: storageGb, unitUsd: d.storageGbMonth })];
  if (str(r.inputs.billingMode) === "PAY_PER_REQUEST") {
    // Requests: declared, else from the functions that name the table (their invocations), else assumed.
    const users = ctx.functionsUsing(r);
    const invocations = users.reduce((n, fn) => n + ctx.invocations(fn).perMonth, 0);
    const derived = (perInvocation: number) => `${fmt(invocations)} invocations of ${users.map((u) => u.name).join(", ")} × ${perInvocation} (assumed)`;
    const [writes, writesWhy] =
      hint.writesPerMonth !== undefined
        ? [hint.writesPerMonth, "declared"]
        : users.length
          ? [invocations * ctx.usage.dynamodbWritesPerInvocation, derived(ctx.usage.dynamodbWritesPerInvocation)]
          : [ctx.usage.dynamodbWritesPerMonth, "assumed"];
    const [reads, readsWhy] =
      hint.readsPerMonth !== undefined
        ? [hint.readsPerMonth, "declared"]
        : users.length
          ? [invocations * ctx.usage.dynamodbReadsPerInvocation, derived(ctx.usage.dynamodbReadsPerInvocation)]
          : [ctx.usage.dynamodbReadsPerMonth, "assumed"];
    items.push(item(r, "on-demand writes", writes * d.onDemandWrite, `${fmt(writes)} writes/month (${writesWhy}) × $${(d.onDemandWrite * 1e6).toFixed(3)}/M`));
    items.push(item(r, "on-demand reads", reads * d.onDemandRead, `${fmt(reads)} reads/month (${readsWhy}) × $${(d.onDemandRead * 1e6).toFixed(3)}/M`));
  } else {
    const wcu = num(r.inputs.writeCapacity) ?? 0;
    const rcu = num(r.inputs.readCapacity) ?? 0;
    const gsis = arr(r.inputs.globalSecondaryIndexes).map(obj);
    const allW = wcu + gsis.reduce((s, g) => s + (num(g.writeCapacity) ?? 0), 0);
    const allR = rcu + gsis.reduce((s, g) => s + (num(g.readCapacity) ?? 0), 0);
    items.push(item(r, `${allW} WCU provisioned`, allW * d.wcuHour * HOURS_PER_MONTH, `${allW} × $${d.wcuHour}/WCU-h × ${HOURS_PER_MONTH} h`, { meter: "dynamodbProvisionedWcu", quantity: allW, unitUsd: d.wcuHour * HOURS_PER_MONTH }));
    items.push(item(r, `${allR} RCU provisioned`, allR * d.rcuHour * HOURS_PER_MONTH, `${allR} × $${d.rcuHour}/RCU-h × ${HOURS_PER_MONTH} h`, { meter: "dynamodbProvisionedRcu", quantity: allR, unitUsd: d.rcuHour * HOURS_PER_MONTH }));
  }
  return { kind: "priced", items };
}

function priceQueue(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const fifo = r.inputs.fifoQueue === true;
  const rate = ctx.book.sqsPerRequest(ctx.region, fifo);
  const declared = ctx.hint(r).requestsPerMonth;
  const polled = ctx.isPolled(r);
  const n = declared ?? (polled ? ctx.usage.polledQueueRequestsPerMonth : ctx.usage.idleQueueRequestsPerMonth);
  const why = declared !== undefined ? "declared" : polled ? "assumed: polled by Lambda" : "assumed: no consumer";
  return { kind: "priced", items: [item(r, "requests", n * rate, `${fmt(n)} requests/month (${why}) × $${(rate * 1e6).toFixed(2)}/M`, { meter: "sqsRequests", quantity: n, unitUsd: rate })] };
}

function priceTopic(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const n = ctx.hint(r).requestsPerMonth ?? ctx.usage.topicPublishesPerMonth;
  const rate = ctx.book.snsPerPublish(ctx.region);
  const ids = ctx.identities(r);
  const emails = ctx.ofType("aws:sns/topicSubscription:TopicSubscription").filter((s) => s.inputs.protocol === "email" && ctx.names(ids, s, "topic", s.inputs.topic, r)).length;
  const items = [item(r, "publishes", n * rate, `${fmt(n)} messages/month (assumed) × $0.50/M`, { meter: "snsPublishes", quantity: n, unitUsd: rate })];
  if (emails) {
    const e = ctx.book.snsPerEmail(ctx.region);
    items.push(item(r, `e-mail to ${emails} subscriber(s)`, n * emails * e, `${fmt(n)} × ${emails} e-mails × $2/100k`, { meter: "snsEmails", quantity: n * emails, unitUsd: e }));
  }
  return { kind: "priced", items };
}

function priceBucket(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const hint = ctx.hint(r);
  const gb = hint.storageGb ?? ctx.usage.s3StorageGb;
  const puts = hint.requestsPerMonth ?? ctx.usage.s3PutsPerMonth;
  const rate = ctx.book.s3StandardGbMonth(ctx.region);
  const why = (declared: boolean) => (declared ? "declared" : "assumed");
  return {
    kind: "priced",
    items: [
      item(
        r,
        "S3 Standard storage + PUTs",
        gb * rate + puts * ctx.book.s3PerPut(ctx.region),
        `${fmt(gb)} GB (${why(hint.storageGb !== undefined)}) × $${rate}/GB-month + ${fmt(puts)} PUTs (${why(hint.requestsPerMonth !== undefined)}) × $0.005/1k (S3's free tier is 12-month only)`,
      ),
    ],
  };
}

const monthly = (what: string, get: (ctx: PricingContext) => number, basis: string) => (r: ResourceToPrice, ctx: PricingContext): PriceResult => ({
  kind: "priced",
  items: [item(r, what, get(ctx), `${money(get(ctx))}/month ${basis}`.trim())],
});

const RULES: Record<string, (r: ResourceToPrice, ctx: PricingContext) => PriceResult> = {
  "aws:ec2/instance:Instance": compute.priceInstance,
  "aws:autoscaling/group:Group": compute.priceAutoScalingGroup,
  "aws:ebs/volume:Volume": compute.priceVolume,
  "aws:ebs/snapshot:Snapshot": compute.priceSnapshot,
  "aws:ec2/eip:Eip": (r, ctx) => ({ kind: "priced", items: [compute.ipv4Item(r, ctx, 1, "Elastic IP")] }),
  "aws:ec2/natGateway:NatGateway": compute.priceNatGateway,
  "awsx:ec2:Vpc": compute.priceAwsxVpc,
  "awsx:ec2:DefaultVpc": () => ({ kind: "free" }),
  // Builds and pushes an image: storage bills on its repository, priced there.
  "awsx:ecr:Image": () => ({ kind: "free" }),
  "aws:lb/loadBalancer:LoadBalancer": (r, ctx) => compute.priceLoadBalancer(r, ctx),
  "aws:alb/loadBalancer:LoadBalancer": (r, ctx) => compute.priceLoadBalancer(r, ctx),
  "aws:elb/loadBalancer:LoadBalancer": (r, ctx) => compute.priceLoadBalancer(r, ctx, "classic"),
  "awsx:lb:ApplicationLoadBalancer": (r, ctx) => compute.priceLoadBalancer(r, ctx, "application"),
  "awsx:lb:NetworkLoadBalancer": (r, ctx) => compute.priceLoadBalancer(r, ctx, "network"),
  "aws:rds/instance:Instance": db.priceRdsInstance,
  "aws:rds/clusterInstance:ClusterInstance": db.priceRdsInstance,
  "aws:rds/cluster:Cluster": db.priceRdsCluster,
  "aws:scheduler/schedule:Schedule": db.priceSchedulerSchedule,
  "aws:elasticache/cluster:Cluster": db.priceElastiCache,
  "aws:elasticache/replicationGroup:ReplicationGroup": db.priceElastiCache,
  "aws:elasticache/serverlessCache:ServerlessCache": usage.priceElastiCacheServerless,
  "aws:ecs/service:Service": containers.priceEcsService,
  "awsx:ecs:FargateService": containers.priceAwsxFargateService,
  "aws:cloudfront/distribution:Distribution": usage.priceCloudFront,
  "aws:apigateway/restApi:RestApi": usage.priceRestApi,
  // A stage bills nothing unless it runs a cache cluster (billed by the hour and size).
  "aws:apigateway/stage:Stage": (r) => (r.inputs.cacheClusterEnabled === true ? { kind: "unpriced", reason: "its cache cluster is not in the price catalog" } : { kind: "free" }),
  "aws:apigatewayv2/api:Api": usage.priceApiV2,
  "aws:route53/record:Record": usage.priceRoute53Record,
  "aws:route53/healthCheck:HealthCheck": usage.priceRoute53HealthCheck,
  "aws:efs/fileSystem:FileSystem": usage.priceEfs,
  "aws:kinesis/stream:Stream": usage.priceKinesisStream,
  "aws:eks/cluster:Cluster": compute.priceEks,
  "eks:index:Cluster": compute.priceEks,
  "aws:eks/nodeGroup:NodeGroup": compute.priceNodeGroup,
  "eks:index:ManagedNodeGroup": compute.priceNodeGroup,
  "aws:lambda/function:Function": priceLambda,
  "aws:sfn/stateMachine:StateMachine": priceStateMachine,
  "aws:cloudwatch/metricAlarm:MetricAlarm": priceAlarm,
  "aws:cloudwatch/compositeAlarm:CompositeAlarm": monthly("composite alarm", (c) => c.book.cloudwatch(c.region).compositeAlarmMonth, ""),
  "aws:cloudwatch/dashboard:Dashboard": (r, ctx) => {
    const rate = ctx.book.cloudwatch(ctx.region).dashboardMonth;
    return { kind: "priced", items: [item(r, "dashboard", rate, `$${rate}/dashboard-month`, { meter: "cloudwatchDashboards", quantity: 1, unitUsd: rate })] };
  },
  "aws:cloudwatch/logGroup:LogGroup": priceLogGroup,
  "aws:kms/key:Key": monthly("customer-managed key", (c) => c.book.kmsKeyMonth(c.region), "(+ $0.03/10k requests beyond 20k free)"),
  "aws:secretsmanager/secret:Secret": monthly("secret", (c) => c.book.secretsManagerSecretMonth(c.region), "(+ $0.05/10k API calls)"),
  "aws:ssm/parameter:Parameter": (r, ctx) => {
    const tier = str(r.inputs.tier) === "Advanced" ? "Advanced" : "Standard";
    return tier === "Standard" ? { kind: "free" } : { kind: "priced", items: [item(r, "advanced parameter", ctx.book.ssmParameterMonth(ctx.region, tier), "$0.05/parameter-month")] };
  },
  "aws:dynamodb/table:Table": priceDynamoTable,
  "aws:sqs/queue:Queue": priceQueue,
  "aws:sns/topic:Topic": priceTopic,
  "aws:s3/bucket:Bucket": priceBucket,
  "aws:s3/bucketV2:BucketV2": priceBucket,
  "aws:budgets/budget:Budget": (r, ctx) => {
    const rate = ctx.book.budgetMonth();
    return { kind: "priced", items: [item(r, "budget", rate, `$0.02/budget-day after the first ${2} free`, { meter: "budgets", quantity: 1, unitUsd: rate })] };
  },
  "aws:ecr/repository:Repository": (r, ctx) => {
    const gb = ctx.hint(r).storageGb ?? ctx.usage.ecrStorageGb;
    return { kind: "priced", items: [item(r, "image storage", gb * ctx.book.ecrStorageGbMonth(ctx.region), `${fmt(gb)} GB (assumed) × $0.10/GB-month`)] };
  },
  "aws:route53/zone:Zone": monthly("hosted zone", (c) => c.book.route53HostedZoneMonth(), "(queries are priced on its records)"),
};
RULES["awsx:ecr:Repository"] = RULES["aws:ecr/repository:Repository"]!;

export function priceResource(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const rule = RULES[r.type];
  if (rule) return rule(r, ctx);
  if (r.type === "aws:ec2/vpcEndpoint:VpcEndpoint" && str(r.inputs.vpcEndpointType) === "Interface") {
    const azs = arr(r.inputs.subnetIds).length || 2;
    const rate = ctx.book.vpcInterfaceEndpointHourly(ctx.region);
    return { kind: "priced", items: [item(r, `interface endpoint in ${azs} AZs`, azs * rate * HOURS_PER_MONTH, `${azs} × $${rate}/h × ${HOURS_PER_MONTH} h (+ $0.01/GB)`)] };
  }
  if (isFree(r.type)) return { kind: "free" };
  if (r.type.startsWith("pulumi:")) return { kind: "skip" };
  if (/^(aws|aws-native):/.test(r.type)) return { kind: "unpriced", reason: "no pricing rule for this type" };
  // awsx, eks and Pulumi's aws-* component packages (aws-apigateway, aws-static-website...).
  if (/^(awsx|eks|aws-[a-z0-9-]+):/.test(r.type)) return { kind: "unpriced", reason: "a remote component the plan cannot open and has no expansion rule for: what it creates is not priced" };
  // Components of the program itself and other providers (kubernetes, random, tls...) bill nothing on AWS.
  return { kind: "skip" };
}
