/**
 * Ids and ARNs in each AWS service's own format, for the mocks of a deployed stack: an event
 * rule is `arn:aws:events:<region>:<account>:rule/<name>`, an alarm
 * `arn:aws:cloudwatch:<region>:<account>:alarm:<name>`, a security group's id `sg-<17 hex>`,
 * a queue's id its URL, and so on. Tests and IAM statements that build or match ARNs see the
 * shapes AWS returns; a type not listed here gets `arn:aws:<service>:<region>:<account>:<kind>/<name>`.
 */

export interface ArnInput {
  type: string;
  /** Logical name (what the program passed). */
  name: string;
  /** Physical name (given or auto-named). */
  physical: string;
  inputs: Record<string, unknown>;
  region: string;
  account: string;
}

/** FNV-1a of a name, 7 hex characters: the random suffix Pulumi's auto-naming adds, made stable. */
export function shortHash(text: string): string {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (h >>> 0).toString(16).padStart(8, "0").slice(0, 7);
}

/** 17 lowercase hex characters, stable per name (EC2-style resource ids). */
export function hex17(name: string): string {
  return (shortHash(name) + shortHash(`${name}#`) + shortHash(`${name}##`)).slice(0, 17);
}

/** A stable UUID-shaped string per name. */
export function uuid(name: string): string {
  const h = (shortHash(name) + shortHash(`${name}/1`) + shortHash(`${name}/2`) + shortHash(`${name}/3`) + shortHash(`${name}/4`)).padEnd(32, "0");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const str = (v: unknown, fallback: string) => (typeof v === "string" && v ? v : fallback);
/** Last segment of an ARN or a name. */
const leaf = (v: unknown) => String(v ?? "").split(/[:/]/).pop() ?? "";

/** EC2 resources: id prefix and ARN kind. */
const EC2: Record<string, [string, string]> = {
  "aws:ec2/vpc:Vpc": ["vpc", "vpc"],
  "aws:ec2/subnet:Subnet": ["subnet", "subnet"],
  "aws:ec2/securityGroup:SecurityGroup": ["sg", "security-group"],
  "aws:ec2/instance:Instance": ["i", "instance"],
  "aws:ec2/eip:Eip": ["eipalloc", "elastic-ip"],
  "aws:ec2/natGateway:NatGateway": ["nat", "natgateway"],
  "aws:ec2/internetGateway:InternetGateway": ["igw", "internet-gateway"],
  "aws:ec2/routeTable:RouteTable": ["rtb", "route-table"],
  "aws:ec2/launchTemplate:LaunchTemplate": ["lt", "launch-template"],
  "aws:ec2/networkInterface:NetworkInterface": ["eni", "network-interface"],
  "aws:ec2/vpcEndpoint:VpcEndpoint": ["vpce", "vpc-endpoint"],
  "aws:ebs/volume:Volume": ["vol", "volume"],
  "aws:ebs/snapshot:Snapshot": ["snap", "snapshot"],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["sgr", "security-group-rule"],
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ["sgr", "security-group-rule"],
};

/** Computed id and state (arn and friends) of a created resource, as AWS reports them. */
export function arnAndId(r: ArnInput): { id: string; state: Record<string, unknown> } {
  const { type, name, physical, inputs, region, account } = r;
  const at = `${region}:${account}`;
  const state: Record<string, unknown> = {};
  const ec2 = EC2[type];
  if (ec2) {
    const id = `${ec2[0]}-${hex17(name)}`;
    state.arn = `arn:aws:ec2:${at}:${ec2[1]}/${id}`;
    if (type === "aws:ec2/securityGroup:SecurityGroup") state.ownerId = account;
    if (type === "aws:ec2/instance:Instance") state.privateIp = "10.0.0.10";
    if (type === "aws:ec2/eip:Eip") state.publicIp = "203.0.113.10";
    if (type === "aws:ec2/launchTemplate:LaunchTemplate") state.latestVersion = 1;
    return { id, state };
  }
  switch (type) {
    case "aws:sqs/queue:Queue": {
      const url = `https://sqs.${region}.amazonaws.com/${account}/${physical}`;
      return { id: url, state: { arn: `arn:aws:sqs:${at}:${physical}`, url } };
    }
    case "aws:sqs/queuePolicy:QueuePolicy":
      return { id: str(inputs.queueUrl, physical), state: {} };
    case "aws:sns/topic:Topic": {
      const arn = `arn:aws:sns:${at}:${physical}`;
      return { id: arn, state: { arn, owner: account } };
    }
    case "aws:sns/topicSubscription:TopicSubscription": {
      const arn = `${str(inputs.topic, `arn:aws:sns:${at}:topic`)}:${uuid(name)}`;
      return { id: arn, state: { arn, ownerId: account } };
    }
    case "aws:sns/topicPolicy:TopicPolicy":
      return { id: str(inputs.arn, physical), state: { owner: account } };
    case "aws:lambda/function:Function": {
      const arn = `arn:aws:lambda:${at}:function:${physical}`;
      return {
        id: physical,
        state: { arn, qualifiedArn: `${arn}:$LATEST`, invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`, version: "$LATEST" },
      };
    }
    case "aws:lambda/permission:Permission":
      return { id: str(inputs.statementId, physical), state: { statementId: str(inputs.statementId, physical) } };
    case "aws:lambda/functionUrl:FunctionUrl":
      return { id: str(inputs.functionName, physical), state: { functionUrl: `https://${hex17(name)}.lambda-url.${region}.on.aws/` } };
    case "aws:iam/role:Role":
      return { id: physical, state: { arn: `arn:aws:iam::${account}:role/${str(inputs.path, "/").replace(/^\/|\/$/g, "") ? `${str(inputs.path, "/").replace(/^\/|\/$/g, "")}/` : ""}${physical}`, uniqueId: `AROA${hex17(name).toUpperCase()}` } };
    case "aws:iam/policy:Policy":
      return { id: `arn:aws:iam::${account}:policy/${physical}`, state: { arn: `arn:aws:iam::${account}:policy/${physical}`, policyId: `ANPA${hex17(name).toUpperCase()}` } };
    case "aws:iam/user:User":
      return { id: physical, state: { arn: `arn:aws:iam::${account}:user/${physical}`, uniqueId: `AIDA${hex17(name).toUpperCase()}` } };
    case "aws:iam/instanceProfile:InstanceProfile":
      return { id: physical, state: { arn: `arn:aws:iam::${account}:instance-profile/${physical}`, uniqueId: `AIPA${hex17(name).toUpperCase()}` } };
    case "aws:iam/rolePolicy:RolePolicy":
      return { id: `${leaf(inputs.role)}:${physical}`, state: {} };
    case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
      return { id: `${leaf(inputs.role)}-${hex17(name)}`, state: {} };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { id: physical, state: { arn: `arn:aws:logs:${at}:log-group:${physical}` } };
    case "aws:cloudwatch/eventRule:EventRule": {
      const bus = str(inputs.eventBusName, "default");
      const id = bus === "default" ? physical : `${bus}/${physical}`;
      return { id, state: { arn: `arn:aws:events:${at}:rule/${id}` } };
    }
    case "aws:cloudwatch/eventBus:EventBus":
      return { id: physical, state: { arn: `arn:aws:events:${at}:event-bus/${physical}` } };
    case "aws:cloudwatch/eventTarget:EventTarget":
      return { id: `${str(inputs.rule, "rule")}-${str(inputs.targetId, hex17(name))}`, state: { targetId: str(inputs.targetId, hex17(name)) } };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { id: physical, state: { arn: `arn:aws:cloudwatch:${at}:alarm:${physical}` } };
    case "aws:cloudwatch/compositeAlarm:CompositeAlarm":
      return { id: physical, state: { arn: `arn:aws:cloudwatch:${at}:alarm:${str(inputs.alarmName, physical)}` } };
    case "aws:cloudwatch/dashboard:Dashboard":
      return { id: str(inputs.dashboardName, physical), state: { dashboardArn: `arn:aws:cloudwatch::${account}:dashboard/${str(inputs.dashboardName, physical)}` } };
    case "aws:dynamodb/table:Table": {
      const arn = `arn:aws:dynamodb:${at}:table/${physical}`;
      return { id: physical, state: { arn, ...(inputs.streamEnabled ? { streamArn: `${arn}/stream/2026-01-01T00:00:00.000`, streamLabel: "2026-01-01T00:00:00.000" } : {}) } };
    }
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2":
      return { id: physical, state: { arn: `arn:aws:s3:::${physical}`, bucketDomainName: `${physical}.s3.amazonaws.com`, bucketRegionalDomainName: `${physical}.s3.${region}.amazonaws.com`, region } };
    case "aws:kms/key:Key": {
      const keyId = uuid(name);
      return { id: keyId, state: { keyId, arn: `arn:aws:kms:${at}:key/${keyId}` } };
    }
    case "aws:kms/alias:Alias": {
      const alias = str(inputs.name, `alias/${physical}`);
      return { id: alias, state: { arn: `arn:aws:kms:${at}:${alias}`, targetKeyArn: `arn:aws:kms:${at}:key/${leaf(inputs.targetKeyId)}` } };
    }
    case "aws:ssm/parameter:Parameter": {
      const n = str(inputs.name, physical);
      return { id: n, state: { arn: `arn:aws:ssm:${at}:parameter${n.startsWith("/") ? "" : "/"}${n}`, version: 1 } };
    }
    case "aws:secretsmanager/secret:Secret": {
      const arn = `arn:aws:secretsmanager:${at}:secret:${physical}-${hex17(name).slice(0, 6)}`;
      return { id: arn, state: { arn } };
    }
    case "aws:ecr/repository:Repository":
      return { id: physical, state: { arn: `arn:aws:ecr:${at}:repository/${physical}`, repositoryUrl: `${account}.dkr.ecr.${region}.amazonaws.com/${physical}`, registryId: account } };
    case "aws:ecr/lifecyclePolicy:LifecyclePolicy":
      return { id: str(inputs.repository, physical), state: { registryId: account } };
    case "aws:ecs/cluster:Cluster": {
      const arn = `arn:aws:ecs:${at}:cluster/${physical}`;
      return { id: arn, state: { arn } };
    }
    case "aws:ecs/service:Service": {
      const arn = `arn:aws:ecs:${at}:service/${leaf(inputs.cluster) || "default"}/${physical}`;
      return { id: arn, state: { arn } };
    }
    case "aws:ecs/taskDefinition:TaskDefinition": {
      const family = str(inputs.family, physical);
      return { id: family, state: { arn: `arn:aws:ecs:${at}:task-definition/${family}:1`, arnWithoutRevision: `arn:aws:ecs:${at}:task-definition/${family}`, revision: 1 } };
    }
    case "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders":
      return { id: str(inputs.clusterName, physical), state: {} };
    case "aws:budgets/budget:Budget":
      return { id: `${account}:${physical}`, state: { arn: `arn:aws:budgets::${account}:budget/${physical}`, accountId: account } };
    case "aws:costexplorer/anomalyMonitor:AnomalyMonitor": {
      const arn = `arn:aws:ce::${account}:anomalymonitor/${uuid(name)}`;
      return { id: arn, state: { arn } };
    }
    case "aws:costexplorer/anomalySubscription:AnomalySubscription": {
      const arn = `arn:aws:ce::${account}:anomalysubscription/${uuid(name)}`;
      return { id: arn, state: { arn, accountId: account } };
    }
    case "aws:appautoscaling/target:Target":
      return { id: str(inputs.resourceId, physical), state: { arn: `arn:aws:application-autoscaling:${at}:scalable-target/${hex17(name)}` } };
    case "aws:appautoscaling/scheduledAction:ScheduledAction": {
      const n = str(inputs.name, physical);
      return { id: `${n}-${str(inputs.serviceNamespace, "ecs")}-${str(inputs.resourceId, "")}`, state: { arn: `arn:aws:autoscaling:${at}:scheduledAction:${uuid(name)}:resource/${str(inputs.serviceNamespace, "ecs")}/${str(inputs.resourceId, "")}:scheduledActionName/${n}` } };
    }
    case "aws:autoscaling/group:Group":
      return { id: physical, state: { arn: `arn:aws:autoscaling:${at}:autoScalingGroup:${uuid(name)}:autoScalingGroupName/${physical}` } };
    case "aws:eks/accessEntry:AccessEntry": {
      const cluster = str(inputs.clusterName, "cluster");
      return { id: `${cluster}:${str(inputs.principalArn, physical)}`, state: { accessEntryArn: `arn:aws:eks:${at}:access-entry/${cluster}/role/${account}/${leaf(inputs.principalArn)}/${uuid(name)}` } };
    }
    case "aws:eks/accessPolicyAssociation:AccessPolicyAssociation":
      return { id: `${str(inputs.clusterName, "cluster")}#${str(inputs.principalArn, physical)}#${str(inputs.policyArn, "")}`, state: {} };
    case "aws:scheduler/schedule:Schedule":
      return { id: `${str(inputs.groupName, "default")}/${physical}`, state: { arn: `arn:aws:scheduler:${at}:schedule/${str(inputs.groupName, "default")}/${physical}` } };
    case "aws:sfn/stateMachine:StateMachine": {
      const arn = `arn:aws:states:${at}:stateMachine:${physical}`;
      return { id: arn, state: { arn } };
    }
    case "aws:cloudformation/stackSet:StackSet":
      return { id: physical, state: { arn: `arn:aws:cloudformation:${at}:stackset/${physical}:${uuid(name)}`, stackSetId: `${physical}:${uuid(name)}` } };
    case "aws:rds/instance:Instance": {
      const identifier = str(inputs.identifier, physical);
      const port = (inputs.port as number | undefined) ?? 5432;
      const address = `${identifier}.c${hex17(name).slice(0, 12)}.${region}.rds.amazonaws.com`;
      const state: Record<string, unknown> = { arn: `arn:aws:rds:${at}:db:${identifier}`, identifier, address, port, endpoint: `${address}:${port}` };
      // With manageMasterUserPassword, RDS keeps the password in a secret named rds!db-<uuid>-<6 characters>.
      if (inputs.manageMasterUserPassword === true) {
        const h = hex17(`${name}-secret`);
        state.masterUserSecrets = [{ secretArn: `arn:aws:secretsmanager:${at}:secret:rds!db-${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(12, 15)}-8${h.slice(0, 3)}-${h.slice(3, 15)}-AbC${h.slice(15, 17)}x`, secretStatus: "active", kmsKeyId: "alias/aws/secretsmanager" }];
      }
      return { id: `db-${hex17(name).toUpperCase()}`, state };
    }
    case "aws:rds/cluster:Cluster":
      return { id: str(inputs.clusterIdentifier, physical), state: { arn: `arn:aws:rds:${at}:cluster:${str(inputs.clusterIdentifier, physical)}` } };
    case "aws:elasticache/cluster:Cluster":
      return { id: str(inputs.clusterId, physical), state: { arn: `arn:aws:elasticache:${at}:cluster:${str(inputs.clusterId, physical)}` } };
    case "aws:lb/loadBalancer:LoadBalancer":
    case "aws:alb/loadBalancer:LoadBalancer": {
      const arn = `arn:aws:elasticloadbalancing:${at}:loadbalancer/app/${physical}/${hex17(name).slice(0, 16)}`;
      return { id: arn, state: { arn, dnsName: `${physical}-${hex17(name).slice(0, 10)}.${region}.elb.amazonaws.com` } };
    }
    case "aws:lb/targetGroup:TargetGroup": {
      const arn = `arn:aws:elasticloadbalancing:${at}:targetgroup/${physical}/${hex17(name).slice(0, 16)}`;
      return { id: arn, state: { arn } };
    }
    case "aws:route53/zone:Zone":
      return { id: `Z${hex17(name).toUpperCase()}`, state: { arn: `arn:aws:route53:::hostedzone/Z${hex17(name).toUpperCase()}`, zoneId: `Z${hex17(name).toUpperCase()}` } };
    default:
      break;
  }
  // awsx v3 components are remote components: one resource with its inputs, outputs mocked.
  switch (type) {
    case "awsx:ec2:Vpc": {
      const azs = (inputs.numberOfAvailabilityZones as number | undefined) ?? 2;
      const subnetTypes = ((inputs.subnetSpecs as { type?: string }[] | undefined) ?? []).map((spec) => spec.type);
      const suffix = hex17(name);
      return {
        id: physical,
        state: {
          vpcId: `vpc-${suffix}`,
          publicSubnetIds: Array.from({ length: azs }, (_, i) => `subnet-${hex17(`${name}-public-${i}`)}`),
          privateSubnetIds: [],
          // Isolated subnets exist when the subnet specs ask for them (a database's subnet group).
          isolatedSubnetIds: subnetTypes.includes("Isolated") ? Array.from({ length: azs }, (_, i) => `subnet-${hex17(`${name}-isolated-${i}`)}`) : [],
          natGateways: [],
        },
      };
    }
    case "awsx:ecs:FargateService":
      return {
        id: physical,
        state: {
          service: { name: physical, arn: `arn:aws:ecs:${at}:service/${leaf(inputs.cluster) || "default"}/${physical}`, id: physical },
          taskDefinition: { arn: `arn:aws:ecs:${at}:task-definition/${physical}:1`, family: physical },
        },
      };
    case "awsx:lb:ApplicationLoadBalancer": {
      const suffix = hex17(name).slice(0, 16);
      return {
        id: physical,
        state: {
          loadBalancer: { arn: `arn:aws:elasticloadbalancing:${at}:loadbalancer/app/${name}/${suffix}`, dnsName: `${name}-${suffix.slice(0, 10)}.${region}.elb.amazonaws.com` },
          defaultTargetGroup: { arn: `arn:aws:elasticloadbalancing:${at}:targetgroup/${name}/${suffix}` },
          vpcId: (inputs.defaultTargetGroup as { vpcId?: string } | undefined)?.vpcId,
        },
      };
    }
    case "awsx:ecr:Repository":
      return { id: physical, state: { url: `${account}.dkr.ecr.${region}.amazonaws.com/${physical}` } };
    default:
      break;
  }
  if (!type.startsWith("aws:")) return { id: physical, state: {} };
  // Anything else: `arn:aws:<service>:<region>:<account>:<kind>/<name>`.
  const [, module = "", resource = ""] = /^aws:([a-z0-9]+)\/([a-zA-Z0-9]+):/.exec(type) ?? [];
  const kind = resource.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return { id: physical, state: { arn: `arn:aws:${module}:${at}:${kind}/${physical}` } };
}
