/**
 * What each remote component creates, derived from its inputs as the component's own code does
 * (pulumi-awsx 3.x ec2/vpc.ts, ecs/fargateService.ts, ecs/fargateTaskDefinition.ts,
 * lb/applicationLoadBalancer.ts; pulumi-eks 3.x cluster.ts and nodes/nodegroup.ts;
 * pulumi-aws-apigateway apigateway/api.ts): the same names, parents and defaults, limited to the
 * children that bill or that the policy rules judge. A rule returns a reason instead when an input
 * that decides what is created is unknown at preview.
 */
import { createHash } from "node:crypto";
import { fargateTaskSize } from "../../runtime/pricing/fargate";
import { containsUnknown, declaredProperties, knownValues, UNKNOWN, type DeclaredProperties, type EngineResource, type Wire, type WireMap } from "./engine";
import type { ChildBuilder } from "./expand";

export type ExpansionRule = (b: ChildBuilder, component: EngineResource) => void | string;
type Plain = Record<string, unknown>;

const U = UNKNOWN;
const obj = (v: unknown): Plain => (v && typeof v === "object" && !Array.isArray(v) ? (v as Plain) : {});
const wobj = (v: Wire | undefined): WireMap => (v && typeof v === "object" && !Array.isArray(v) ? (v as WireMap) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" && v !== UNKNOWN ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : undefined);
/** awsx's and aws-apigateway's name suffix: the first 8 hex digits of a SHA-1. */
const sha1hash = (s: string) => createHash("sha1").update(s).digest("hex").slice(0, 8);

const aws = () => require("@pulumi/aws") as Record<string, Record<string, unknown>>;

/** What the generated @pulumi/aws class of a type declares (`aws:ec2/natGateway:NatGateway` → aws.ec2.NatGateway). */
export function declaredAwsProperties(type: string): DeclaredProperties | undefined {
  const m = /^aws:([A-Za-z0-9]+)\/[A-Za-z0-9]+:([A-Za-z0-9]+)$/.exec(type);
  return m ? declaredProperties(type, aws()[m[1]!]?.[m[2]!]) : undefined;
}

/** Tags merged left to right; unknown when any part is. */
function tags(...parts: (Wire | undefined)[]): Wire {
  if (parts.some((p) => p === U)) return U;
  return Object.assign({}, ...parts.map(wobj));
}

/** The inputs of `component` that `type`'s class declares (what `...args` passes through), minus `except`. */
function passThrough(type: string, inputs: WireMap, except: string[] = []): WireMap {
  const declared = declaredAwsProperties(type);
  const out: WireMap = {};
  for (const [k, v] of Object.entries(inputs)) if (!except.includes(k) && (!declared || declared.inputs.has(k))) out[k] = v;
  return out;
}

const ASSUME_ECS_TASKS = JSON.stringify({ Version: "2012-10-17", Statement: [{ Action: "sts:AssumeRole", Principal: { Service: "ecs-tasks.amazonaws.com" }, Effect: "Allow", Sid: "" }] });
const OPEN_SECURITY_GROUP = {
  ingress: [{ fromPort: 0, toPort: 0, protocol: "-1", cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }],
  egress: [{ fromPort: 0, toPort: 65535, protocol: "tcp", cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }],
};

/** awsx:ec2:Vpc: VPC, internet gateway, per AZ its subnets, route tables, routes, NAT gateways and their EIPs. */
const vpc: ExpansionRule = (b, c) => {
  const i = c.inputs;
  for (const key of ["natGateways", "subnetSpecs", "availabilityZoneNames", "numberOfAvailabilityZones"]) if (containsUnknown(i[key])) return `${key} is unknown at preview`;
  const k = knownValues(i) as Plain;
  const azs = list(k.availabilityZoneNames).map(String);
  if (!azs.length) for (let n = 0; n < (num(k.numberOfAvailabilityZones) ?? 3); n++) azs.push(`${b.region}${"abcdefghijklmnop"[n]}`);
  const nat = obj(k.natGateways);
  let strategy = (str(nat.strategy) ?? "OnePerAz").toLowerCase();
  const allocationIds = list(wobj(i.natGateways).elasticIpAllocationIds) as Wire[];
  const order = ["public", "private", "isolated"];
  const specs = (k.subnetSpecs === undefined ? [{ type: "Private" }, { type: "Public" }] : list(k.subnetSpecs).map(obj))
    .map((s, n) => ({ type: String(s.type), lower: String(s.type).toLowerCase(), name: str(s.name), tags: wobj(list(i.subnetSpecs)[n] as Wire) .tags }))
    .filter((s) => s.lower !== "unused")
    .sort((a, z) => order.indexOf(a.lower) - order.indexOf(z.lower));
  const has = (t: string) => specs.some((s) => s.lower === t);
  // awsx refuses NAT gateways without a public subnet to hold them and a private or isolated one to use them.
  if (strategy !== "none" && !(has("public") && (has("private") || has("isolated")))) strategy = "none";
  const shared = tags({ Name: c.name }, i.tags);
  const net = b.resource("aws:ec2/vpc:Vpc", c.name, c, { ...passThrough("aws:ec2/vpc:Vpc", i), cidrBlock: i.cidrBlock ?? (i.ipv4IpamPoolId ? undefined : "10.0.0.0/16"), tags: shared });
  const igw = b.resource("aws:ec2/internetGateway:InternetGateway", c.name, net, { region: i.region, vpcId: U, tags: shared }, { vpcId: [net] });
  const nats: EngineResource[] = [];
  azs.forEach((az, n) => {
    for (const spec of specs) {
      const name = `${c.name}-${spec.name ?? spec.lower}-${n + 1}`;
      const typeTags = tags(shared, { Name: name, SubnetType: spec.type });
      const subnet = b.resource("aws:ec2/subnet:Subnet", name, net, { region: i.region, vpcId: U, availabilityZone: az, mapPublicIpOnLaunch: spec.lower === "public", assignIpv6AddressOnCreation: false, tags: tags(shared, spec.tags, { Name: name, SubnetType: spec.type }) }, { vpcId: [net] });
      const table = b.resource("aws:ec2/routeTable:RouteTable", name, subnet, { region: i.region, vpcId: U, tags: typeTags }, { vpcId: [net] });
      b.resource("aws:ec2/routeTableAssociation:RouteTableAssociation", name, table, { region: i.region, routeTableId: U, subnetId: U }, { routeTableId: [table], subnetId: [subnet] });
      if (spec.lower === "public" && (strategy === "oneperaz" ? nats.length < n + 1 : strategy === "single" && nats.length < 1)) {
        const natName = `${c.name}-${n + 1}`;
        const eip = allocationIds.length ? undefined : b.resource("aws:ec2/eip:Eip", natName, subnet, { region: i.region, tags: tags(i.tags, { Name: natName }) });
        nats.push(b.resource("aws:ec2/natGateway:NatGateway", natName, subnet, { region: i.region, subnetId: U, allocationId: eip ? U : allocationIds[n], tags: tags(i.tags, { Name: natName }) }, { subnetId: [subnet], allocationId: eip ? [eip] : [] }));
      }
      if (spec.lower === "public") b.resource("aws:ec2/route:Route", name, table, { region: i.region, routeTableId: U, gatewayId: U, destinationCidrBlock: "0.0.0.0/0" }, { routeTableId: [table], gatewayId: [igw] });
      else if (spec.lower === "private" && strategy !== "none") {
        const via = strategy === "single" ? nats[0] : nats[n];
        b.resource("aws:ec2/route:Route", name, table, { region: i.region, routeTableId: U, natGatewayId: U, destinationCidrBlock: "0.0.0.0/0" }, { routeTableId: [table], natGatewayId: via ? [via] : [] });
      }
    }
  });
  for (const e of list(i.vpcEndpointSpecs).map((x) => wobj(x as Wire))) {
    const serviceName = str(e.serviceName);
    if (!serviceName) continue;
    b.resource("aws:ec2/vpcEndpoint:VpcEndpoint", serviceName, net, { ...passThrough("aws:ec2/vpcEndpoint:VpcEndpoint", e), vpcId: U, tags: tags(shared, e.tags) }, { vpcId: [net] });
  }
};

/** awsx:ecs:FargateTaskDefinition (inside a FargateService): log group, roles, the task definition sized as awsx sizes it. */
function taskDefinition(b: ChildBuilder, c: EngineResource, name: string, tda: WireMap): EngineResource {
  const comp = b.component("awsx:ecs:FargateTaskDefinition", name, c);
  const containers = (tda.container !== undefined ? [tda.container] : Object.values(wobj(tda.containers))).map(wobj);
  const logGroup = wobj(tda.logGroup);
  const log = logGroup.skip === true || logGroup.existing !== undefined ? undefined : b.resource("aws:cloudwatch/logGroup:LogGroup", name, comp, { ...wobj(logGroup.args) });
  const role = (suffix: string, given: Wire | undefined, policyArns: string[]): Wire | undefined => {
    const g = wobj(given);
    if (g.skip === true) return undefined;
    if (g.roleArn !== undefined) return g.roleArn;
    const r = b.resource("aws:iam/role:Role", `${name}-${suffix}`, comp, { ...wobj(g.args), assumeRolePolicy: ASSUME_ECS_TASKS });
    for (const arn of policyArns) b.resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", `${name}-${suffix}-${sha1hash(arn)}`, comp, { role: r.inputs.name, policyArn: arn }, { role: [r] });
    return U;
  };
  const taskRoleArn = role("task", tda.taskRole, []);
  const executionRoleArn = role("execution", tda.executionRole, ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]);
  const sized = containers.some((x) => containsUnknown(x.cpu) || containsUnknown(x.memory) || containsUnknown(x.memoryReservation))
    ? undefined
    : fargateTaskSize(containers.map((x) => ({ cpu: num(x.cpu), memory: num(x.memory), memoryReservation: num(x.memoryReservation) })));
  // The container definitions JSON is known only when every value in it is (and the log group is awsx's own, auto-named).
  const definitions = containers.some(containsUnknown) ? U : JSON.stringify(containers.map((x) => knownValues(x)));
  return b.resource(
    "aws:ecs/taskDefinition:TaskDefinition",
    name,
    comp,
    {
      ...passThrough("aws:ecs/taskDefinition:TaskDefinition", tda, ["containerDefinitions"]),
      cpu: tda.cpu ?? (sized ? String(sized.vcpu * 1024) : U),
      memory: tda.memory ?? (sized ? String(sized.memGb * 1024) : U),
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      taskRoleArn,
      executionRoleArn,
      family: tda.family ?? U,
      containerDefinitions: definitions,
    },
    { ...(log ? { containerDefinitions: [log] } : {}) },
  );
}

/** awsx:ecs:FargateService: its task definition (when given its args), the service, a default security group. */
const fargateService: ExpansionRule = (b, c) => {
  const i = c.inputs;
  const tda = wobj(i.taskDefinitionArgs);
  const td = i.taskDefinitionArgs !== undefined ? taskDefinition(b, c, c.name, tda) : undefined;
  // Containers whose port mappings name a target group give the service its load balancers.
  const targetGroups = [tda.container, ...Object.values(wobj(tda.containers))].some((x) => list(wobj(x).portMappings).some((m) => wobj(m as Wire).targetGroup !== undefined));
  let network = i.networkConfiguration;
  let sg: EngineResource | undefined;
  if (network === undefined) {
    sg = b.resource("aws:ec2/securityGroup:SecurityGroup", `${c.name}-sg`, c, { vpcId: U, ...OPEN_SECURITY_GROUP });
    network = { subnets: U, assignPublicIp: i.assignPublicIp ?? false, securityGroups: [U] };
  }
  const strategies = i.capacityProviderStrategies !== undefined || i.useClusterDefaultCapacityProviderStrategy === true;
  b.resource(
    "aws:ecs/service:Service",
    c.name,
    c,
    {
      desiredCount: 1,
      ...passThrough("aws:ecs/service:Service", i),
      networkConfiguration: network,
      loadBalancers: i.loadBalancers ?? (targetGroups ? U : undefined),
      launchType: strategies ? undefined : "FARGATE",
      waitForSteadyState: i.continueBeforeSteadyState === U ? U : i.continueBeforeSteadyState !== true,
      taskDefinition: i.taskDefinition ?? U,
    },
    { ...(td ? { taskDefinition: [td] } : {}), ...(sg ? { networkConfiguration: [sg] } : {}) },
  );
};

/** awsx:lb:ApplicationLoadBalancer / NetworkLoadBalancer: the load balancer, its default target group and listener (and an ALB's security group). */
const loadBalancer =
  (kind: "application" | "network"): ExpansionRule =>
  (b, c) => {
    const i = c.inputs;
    const lbArgs = passThrough("aws:lb/loadBalancer:LoadBalancer", i, ["subnets", "securityGroups"]);
    let securityGroups = i.securityGroups;
    const deps: Record<string, EngineResource[]> = {};
    const sgArgs = wobj(i.defaultSecurityGroup);
    if (kind === "application" && securityGroups === undefined && sgArgs.skip !== true) {
      if (sgArgs.securityGroupId !== undefined) securityGroups = [sgArgs.securityGroupId];
      else {
        const sg = b.resource("aws:ec2/securityGroup:SecurityGroup", c.name, c, sgArgs.args !== undefined ? wobj(sgArgs.args) : { vpcId: U, ...OPEN_SECURITY_GROUP });
        securityGroups = [U];
        deps.securityGroups = [sg];
      }
    }
    const subnets = i.subnetIds ?? (i.subnets !== undefined ? U : i.subnetMappings === undefined ? U : undefined);
    const lb = b.resource("aws:lb/loadBalancer:LoadBalancer", c.name, c, { ...lbArgs, subnets, securityGroups, loadBalancerType: kind }, deps);
    const protocol = kind === "application" ? { port: 80, protocol: "HTTP" } : { port: 80, protocol: "TCP" };
    const tg = b.resource("aws:lb/targetGroup:TargetGroup", c.name, c, { vpcId: U, targetType: "ip", ...protocol, ...wobj(i.defaultTargetGroup) });
    const listeners = i.listeners !== undefined ? list(i.listeners).map((l) => wobj(l as Wire)) : [wobj(i.listener)];
    listeners.forEach((l, n) => b.resource("aws:lb/listener:Listener", `${c.name}-${n}`, c, { defaultActions: [{ type: "forward", targetGroupArn: U }], ...protocol, ...l, loadBalancerArn: U }, { loadBalancerArn: [lb], defaultActions: [tg] }));
  };

/** A self-managed node group (pulumi-eks NodeGroupV2, and a cluster's default one): launch template and Auto Scaling group. */
function selfManagedNodes(b: ChildBuilder, parent: EngineResource, name: string, o: WireMap, tagsOf: Wire | undefined): void {
  const volume = o.nodeRootVolumeSize !== undefined || o.nodeRootVolumeType !== undefined ? [{ deviceName: U, ebs: { volumeSize: o.nodeRootVolumeSize, volumeType: o.nodeRootVolumeType } }] : [];
  const publicIp = o.nodeAssociatePublicIpAddress === undefined ? "true" : o.nodeAssociatePublicIpAddress === U ? U : String(o.nodeAssociatePublicIpAddress);
  const lt = b.resource("aws:ec2/launchTemplate:LaunchTemplate", `${name}-launchTemplate`, parent, {
    imageId: o.amiId ?? U,
    instanceType: o.instanceType ?? "t3.medium",
    iamInstanceProfile: { name: U },
    blockDeviceMappings: volume,
    networkInterfaces: [{ associatePublicIpAddress: publicIp, securityGroups: U }],
    userData: U,
  });
  b.resource("aws:autoscaling/group:Group", name, parent, {
    minSize: o.minSize ?? 1,
    maxSize: o.maxSize ?? 2,
    desiredCapacity: o.desiredCapacity ?? 2,
    launchTemplate: { name: lt.inputs.name ?? U, version: U },
    vpcZoneIdentifiers: o.nodeSubnetIds ?? U,
    instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: o.minRefreshPercentage ?? 50 } },
    tags: tagsOf === undefined ? [] : U,
  }, { launchTemplate: [lt] });
}

/** eks:index:Cluster: the control plane and, unless skipped (or Fargate, or Auto Mode), the default node group. */
const eksCluster: ExpansionRule = (b, c) => {
  const i = c.inputs;
  for (const key of ["skipDefaultNodeGroup", "fargate", "autoMode", "nodeGroupOptions"]) if (i[key] === U) return `${key} is unknown at preview`;
  b.resource("aws:eks/cluster:Cluster", `${c.name}-eksCluster`, c, {
    name: i.name,
    roleArn: U,
    version: i.version,
    vpcConfig: { subnetIds: U, securityGroupIds: [U], endpointPrivateAccess: i.endpointPrivateAccess ?? false, endpointPublicAccess: i.endpointPublicAccess ?? true, publicAccessCidrs: i.publicAccessCidrs },
    tags: tags(i.tags, i.clusterTags),
  });
  if (i.skipDefaultNodeGroup === true || (i.fargate !== undefined && i.fargate !== false) || wobj(i.autoMode).enabled === true) return;
  selfManagedNodes(b, c, c.name, i.nodeGroupOptions !== undefined ? wobj(i.nodeGroupOptions) : i, i.autoScalingGroupTags);
};

/** eks:index:NodeGroupV2 (and the older NodeGroup): a launch template and an Auto Scaling group. */
const eksNodeGroup: ExpansionRule = (b, c) => selfManagedNodes(b, c, c.name, c.inputs, c.inputs.autoScalingGroupTags);

/** eks:index:ManagedNodeGroup: an EKS managed node group, 2 nodes (1–2) unless its scaling config says. */
const eksManagedNodeGroup: ExpansionRule = (b, c) => {
  const i = c.inputs;
  const scaling = i.scalingConfig === U ? U : { desiredSize: wobj(i.scalingConfig).desiredSize ?? 2, minSize: wobj(i.scalingConfig).minSize ?? 1, maxSize: wobj(i.scalingConfig).maxSize ?? 2 };
  b.resource("aws:eks/nodeGroup:NodeGroup", c.name, c, {
    ...passThrough("aws:eks/nodeGroup:NodeGroup", i, ["scalingConfig", "launchTemplate"]),
    instanceTypes: i.instanceTypes ?? (i.instanceType !== undefined ? [i.instanceType] : undefined),
    clusterName: i.clusterName ?? U,
    nodeRoleArn: i.nodeRoleArn ?? U,
    subnetIds: i.subnetIds ?? U,
    scalingConfig: scaling,
    launchTemplate: i.launchTemplate,
  });
};

/** aws-apigateway:index:RestAPI: the REST API (from its routes' swagger), a deployment, a stage, one Lambda permission per handler. */
const restApi: ExpansionRule = (b, c) => {
  const i = c.inputs;
  const apiArgs = wobj(i.restApiArgs);
  const api = b.resource("aws:apigateway/restApi:RestApi", c.name, c, { ...apiArgs, name: apiArgs.name ?? c.name, body: U, binaryMediaTypes: i.binaryMediaTypes, apiKeySource: i.apiKeySource });
  const deployment = b.resource("aws:apigateway/deployment:Deployment", c.name, c, { ...wobj(i.deploymentArgs), restApi: U, variables: { version: U } }, { restApi: [api] });
  for (const route of list(i.routes).map((r) => wobj(r as Wire))) {
    if (route.eventHandler === undefined) continue;
    const method = str(route.method) ?? "ANY";
    const methodAndPath = `${method === "ANY" ? "*" : method}${str(route.path) ?? "/"}`;
    b.resource("aws:lambda/permission:Permission", `${c.name}-${sha1hash(methodAndPath)}`, c, { action: "lambda:invokeFunction", function: route.eventHandler, principal: "apigateway.amazonaws.com", sourceArn: U }, { sourceArn: [api] });
  }
  const stageArgs = wobj(i.stageArgs);
  b.resource("aws:apigateway/stage:Stage", c.name, c, { ...stageArgs, restApi: U, deployment: U, stageName: i.stageName ?? "stage", tags: stageArgs.tags !== undefined || apiArgs.tags !== undefined ? tags(apiArgs.tags, stageArgs.tags) : undefined }, { restApi: [api], deployment: [deployment] });
};

export const EXPANSION_RULES: Record<string, ExpansionRule> = {
  "awsx:ec2:Vpc": vpc,
  "awsx:ecs:FargateService": fargateService,
  "awsx:lb:ApplicationLoadBalancer": loadBalancer("application"),
  "awsx:lb:NetworkLoadBalancer": loadBalancer("network"),
  "eks:index:Cluster": eksCluster,
  "eks:index:NodeGroupV2": eksNodeGroup,
  "eks:index:NodeGroup": eksNodeGroup,
  "eks:index:ManagedNodeGroup": eksManagedNodeGroup,
  "aws-apigateway:index:RestAPI": restApi,
};
