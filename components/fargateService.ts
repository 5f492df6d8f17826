/**
 * Cost-aware Fargate services (SPEC S9): the cheap way to run a guarded workload.
 *
 * - `ServiceNetwork` (serviceNetwork.ts): the shared VPC without NAT gateways and ECS cluster.
 * - `CostAwareFargateService`: one service on awsx's FargateService, tasks in public subnets
 *   with a public IP and no load balancer unless asked, FARGATE_SPOT first outside prod,
 *   container health check, log group with retention, ECR repository with a lifecycle policy,
 *   CPU/memory alarms to the alert topic, scale-to-zero outside working hours outside prod,
 *   and secrets only by reference, the execution role allowed to read exactly those; the
 *   databases it declares (database.ts) admit its tasks, and it gets their address and secret.
 *
 * awsx v3 components are remote components: under mocks each is one resource with its inputs,
 * which is why the decisions that matter (capacity providers, public IP, subnets) are made
 * here, in the inputs we pass, where tests and the policy pack can see them.
 */
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "./configSchema";
import { databaseVariables, type DatabaseAttachment } from "./database";
import { capacityStrategy, type ServiceNetwork } from "./serviceNetwork";

export { capacityStrategy, ServiceNetwork } from "./serviceNetwork";

type Statement = { Sid: string; Effect: "Allow"; Action: string | string[]; Resource: pulumi.Input<string> | pulumi.Input<string>[] };

/** IAM resource ARN of a container secret reference (as validated by `secretReference`). */
export function secretResourceArn(reference: string, region: string, accountId: string, partition = "aws"): string {
  if (reference.startsWith("/")) return `arn:${partition}:ssm:${region}:${accountId}:parameter${reference}`;
  // Secrets Manager references may carry `:json-key:version-stage:version-id`; IAM wants the secret.
  if (/^arn:[^:]+:secretsmanager:/.test(reference)) return reference.split(":").slice(0, 7).join(":");
  return reference;
}

export interface CostAwareFargateServiceArgs {
  /** The service as declared in stack config (`costguard:services`), already validated. */
  service: ServiceSettings;
  /** Stack name, used in names. */
  stack: string;
  /** True in production: on-demand FARGATE, no scale-to-zero, ECR repository kept on delete. */
  isProduction: boolean;
  /** The shared network and cluster; the service's own `vpc` setting overrides the VPC and subnets. */
  network: ServiceNetwork;
  /** SNS topic the CPU and memory alarms notify. */
  alertTopicArn: pulumi.Input<string>;
  /** Average CPU utilisation (%) over 2 × 5 minutes that raises the CPU alarm. */
  cpuAlarmPercent: number;
  /** Average memory utilisation (%) over 2 × 5 minutes that raises the memory alarm. */
  memoryAlarmPercent: number;
  /** Retention of the service's log group, in days. */
  logRetentionDays: number;
  /** The databases of `service.databases`: the tasks may reach them and get their address and, by reference, their secret. */
  databases?: DatabaseAttachment[];
  /** Escape hatch: change the awsx FargateService arguments (task definition, deployment) before use. */
  transform?: { service?: (args: awsx.ecs.FargateServiceArgs) => awsx.ecs.FargateServiceArgs };
}

export class CostAwareFargateService extends pulumi.ComponentResource {
  public readonly serviceName: pulumi.Output<string>;
  public readonly serviceArn: pulumi.Output<string>;
  public readonly repositoryUrl: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly executionRoleArn: pulumi.Output<string>;
  public readonly taskRoleArn: pulumi.Output<string>;
  /** Security group of the tasks (databases admit it). */
  public readonly securityGroupId: pulumi.Output<string>;
  /** DNS name of the load balancer, when `loadBalancer: true`. */
  public readonly loadBalancerDnsName?: pulumi.Output<string>;
  public readonly fargate: awsx.ecs.FargateService;

  constructor(name: string, args: CostAwareFargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:fargate:CostAwareFargateService", name, {}, opts);
    const parent = { parent: this };
    const s = args.service;
    const vpcId = s.vpc ? pulumi.output(s.vpc.vpcId) : args.network.vpcId;
    const subnetIds = s.vpc ? pulumi.output(s.vpc.subnetIds) : args.network.publicSubnetIds;
    const identity = aws.getCallerIdentityOutput({}, parent);
    const region = aws.getRegionOutput({}, parent).region;
    const partition = aws.getPartitionOutput({}, parent).partition;

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/costguard/${args.stack}/services/${s.name}`, retentionInDays: args.logRetentionDays },
      parent,
    );
    this.logGroupName = logGroup.name;

    const repository = new aws.ecr.Repository(
      `${name}-repo`,
      {
        name: `costguard-${args.stack}/${s.name}`,
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: "MUTABLE",
        forceDelete: !args.isProduction,
      },
      parent,
    );
    new aws.ecr.LifecyclePolicy(`${name}-repo-lifecycle`, { repository: repository.name, policy: JSON.stringify(ecrLifecyclePolicy()) }, parent);
    this.repositoryUrl = repository.repositoryUrl;

    // Execution role: pull from the service's repository, write its logs, read exactly its secrets
    // (those of config, and the RDS-managed secret of each database it uses).
    const databases = args.databases ?? [];
    const secretArns = pulumi
      .all([region, identity.accountId, partition, pulumi.all(databases.map((db) => db.secretArn))])
      .apply(([r, account, p, dbSecrets]) => [...new Set([...Object.values(s.secrets).map((ref) => secretResourceArn(ref, r, account, p)), ...dbSecrets])]);
    const executionRole = new aws.iam.Role(
      `${name}-exec`,
      { description: `costguard ${args.stack}: ECS execution role of ${s.name}`, assumeRolePolicy: JSON.stringify(trustPolicy()) },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-exec-policy`,
      {
        role: executionRole.id,
        policy: pulumi.all([repository.arn, logGroup.arn, secretArns]).apply(([repoArn, logArn, secrets]) =>
          JSON.stringify({ Version: "2012-10-17", Statement: executionStatements(repoArn, logArn, secrets) }),
        ),
      },
      parent,
    );
    this.executionRoleArn = executionRole.arn;
    // Task role: what the application itself may do (nothing until the owner adds policies).
    const taskRole = new aws.iam.Role(
      `${name}-task`,
      {
        description: `costguard ${args.stack}: task role of ${s.name}`,
        assumeRolePolicy: pulumi.all([identity.accountId, region, partition]).apply(([account, r, p]) => JSON.stringify(trustPolicy({ account, region: r, partition: p }))),
      },
      parent,
    );
    this.taskRoleArn = taskRole.arn;

    // Load balancer only when asked: an ALB is about $16/month before traffic.
    let albSecurityGroup: aws.ec2.SecurityGroup | undefined;
    let targetGroupArn: pulumi.Output<string> | undefined;
    if (s.loadBalancer && s.port !== undefined) {
      albSecurityGroup = new aws.ec2.SecurityGroup(
        `${name}-alb-sg`,
        {
          description: `costguard ${s.name}: HTTP to the load balancer`,
          vpcId,
          ingress: [{ protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: s.ingressCidrs, description: "HTTP" }],
          egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "to the tasks" }],
        },
        parent,
      );
      const alb = new awsx.lb.ApplicationLoadBalancer(
        `${name}-alb`,
        {
          subnetIds,
          securityGroups: [albSecurityGroup.id],
          defaultSecurityGroup: { skip: true },
          defaultTargetGroup: { port: s.port, protocol: "HTTP", targetType: "ip", vpcId, healthCheck: { path: "/", matcher: "200-399" } },
          listener: { port: 80, protocol: "HTTP" },
        },
        parent,
      );
      targetGroupArn = alb.defaultTargetGroup.arn;
      this.loadBalancerDnsName = alb.loadBalancer.dnsName;
    }

    const taskIngress =
      s.port === undefined
        ? []
        : albSecurityGroup
          ? [{ protocol: "tcp", fromPort: s.port, toPort: s.port, securityGroups: [albSecurityGroup.id], description: "from the load balancer" }]
          : [{ protocol: "tcp", fromPort: s.port, toPort: s.port, cidrBlocks: s.ingressCidrs, description: "service port" }];
    const taskSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        description: `costguard ${s.name}: tasks`,
        vpcId,
        ingress: taskIngress,
        // No NAT: tasks reach ECR, logs and their secrets over their public IP.
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "image pulls, logs, secrets, outbound calls" }],
      },
      parent,
    );
    this.securityGroupId = taskSecurityGroup.id;

    // Each database admits this service's tasks on its port, and the container gets libpq's
    // variables: the address in plain text, user and password from the secret by reference.
    const dbVariables = databaseVariables(databases.map((db) => db.name));
    const dbEnvironment: { name: string; value: pulumi.Input<string> }[] = [];
    const dbSecrets: { name: string; valueFrom: pulumi.Input<string> }[] = [];
    databases.forEach((db, i) => {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-to-db-${db.name}`,
        {
          securityGroupId: db.securityGroupId,
          referencedSecurityGroupId: taskSecurityGroup.id,
          ipProtocol: "tcp",
          fromPort: db.port,
          toPort: db.port,
          description: `PostgreSQL from the tasks of service ${s.name}`,
        },
        parent,
      );
      const v = dbVariables[i]!;
      dbEnvironment.push({ name: v.host, value: db.address }, { name: v.port, value: String(db.port) }, { name: v.name, value: db.databaseName }, { name: v.sslMode, value: "require" });
      dbSecrets.push({ name: v.user, valueFrom: pulumi.interpolate`${db.secretArn}:username::` }, { name: v.password, valueFrom: pulumi.interpolate`${db.secretArn}:password::` });
    });

    const healthCheckCommand = s.healthCheck.command ?? [
      "CMD-SHELL",
      `wget -q -O /dev/null http://localhost:${s.port}/ || curl -fsS -o /dev/null http://localhost:${s.port}/ || exit 1`,
    ];
    const serviceArgs: awsx.ecs.FargateServiceArgs = {
      name: s.name,
      cluster: args.network.clusterArn,
      desiredCount: s.desiredCount,
      capacityProviderStrategies: capacityStrategy(args.isProduction, s.cpuArchitecture),
      // Changing the capacity provider strategy needs a new deployment.
      forceNewDeployment: true,
      networkConfiguration: { subnets: subnetIds, assignPublicIp: true, securityGroups: [taskSecurityGroup.id] },
      loadBalancers: targetGroupArn ? [{ targetGroupArn, containerName: s.name, containerPort: s.port! }] : undefined,
      healthCheckGracePeriodSeconds: targetGroupArn ? Math.max(60, s.healthCheck.startPeriodSeconds) : undefined,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      // Tasks carry the service's tags (Environment, ...) so the failsafe can attribute them.
      enableEcsManagedTags: true,
      propagateTags: "SERVICE",
      taskDefinitionArgs: {
        family: `costguard-${args.stack}-${s.name}`,
        cpu: String(s.cpu),
        memory: String(s.memory),
        runtimePlatform: { cpuArchitecture: s.cpuArchitecture, operatingSystemFamily: "LINUX" },
        executionRole: { roleArn: executionRole.arn },
        taskRole: { roleArn: taskRole.arn },
        logGroup: { existing: { name: logGroup.name } },
        container: {
          name: s.name,
          image: s.image,
          essential: true,
          // Fargate Spot warns two minutes ahead (SIGTERM): give the app all of it to drain.
          stopTimeout: 120,
          portMappings: s.port === undefined ? undefined : [{ containerPort: s.port, protocol: "tcp" }],
          environment: [...Object.entries(s.environment).map(([k, value]) => ({ name: k, value })), ...dbEnvironment],
          secrets: [...Object.entries(s.secrets).map(([k, valueFrom]) => ({ name: k, valueFrom })), ...dbSecrets],
          healthCheck: {
            command: healthCheckCommand,
            interval: s.healthCheck.intervalSeconds,
            timeout: s.healthCheck.timeoutSeconds,
            retries: s.healthCheck.retries,
            startPeriod: s.healthCheck.startPeriodSeconds,
          },
        },
      },
    };
    this.fargate = new awsx.ecs.FargateService(`${name}-service`, args.transform?.service?.(serviceArgs) ?? serviceArgs, {
      parent: this,
      dependsOn: [args.network.capacityProviders],
    });
    this.serviceName = this.fargate.service.name;
    this.serviceArn = this.fargate.service.arn;

    // A service declared at desiredCount 0 never runs (its scheduled start restores 0 too): its
    // alarms could never fire, yet each would be a billed alarm metric.
    const alarmed = s.desiredCount > 0 ? [
      { key: "cpu", name: "CPUUtilization", threshold: args.cpuAlarmPercent },
      { key: "memory", name: "MemoryUtilization", threshold: args.memoryAlarmPercent },
    ] : [];
    for (const metric of alarmed) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-${metric.key}-alarm`,
        {
          // Named like the guard's own alarms (`<stack>-costguard-…`) so they sort together.
          name: `${args.stack}-costguard-service-${s.name}-${metric.key}`,
          alarmDescription: `costguard ${args.stack}: service ${s.name} ${metric.key} above ${metric.threshold}% for 10 minutes`,
          namespace: "AWS/ECS",
          metricName: metric.name,
          dimensions: { ClusterName: args.network.clusterName, ServiceName: this.serviceName },
          statistic: "Average",
          period: 300,
          evaluationPeriods: 2,
          threshold: metric.threshold,
          comparisonOperator: "GreaterThanThreshold",
          // Scaled to zero at night there is no data: that is not an alarm.
          treatMissingData: "notBreaching",
          alarmActions: [args.alertTopicArn],
          okActions: [args.alertTopicArn],
        },
        parent,
      );
    }

    const scaleToZero = s.scaleToZero.enabled ?? !args.isProduction;
    if (scaleToZero && !args.isProduction && s.desiredCount > 0) {
      const target = new aws.appautoscaling.Target(
        `${name}-scaling`,
        {
          serviceNamespace: "ecs",
          scalableDimension: "ecs:service:DesiredCount",
          resourceId: pulumi.interpolate`service/${args.network.clusterName}/${this.serviceName}`,
          minCapacity: s.desiredCount,
          maxCapacity: s.desiredCount,
        },
        parent,
      );
      const action = (key: string, schedule: string, capacity: number) =>
        new aws.appautoscaling.ScheduledAction(
          `${name}-${key}`,
          {
            name: `costguard-${args.stack}-${s.name}-${key}`,
            serviceNamespace: target.serviceNamespace,
            scalableDimension: target.scalableDimension,
            resourceId: target.resourceId,
            schedule,
            timezone: s.scaleToZero.timezone,
            scalableTargetAction: { minCapacity: capacity, maxCapacity: capacity },
          },
          parent,
        );
      action("stop", s.scaleToZero.stopSchedule, 0);
      action("start", s.scaleToZero.startSchedule, s.desiredCount);
    }

    this.registerOutputs({ serviceName: this.serviceName, serviceArn: this.serviceArn, repositoryUrl: this.repositoryUrl, logGroupName: this.logGroupName });
  }
}

/** ECR lifecycle: untagged images (superseded builds) expire after 30 days. */
export function ecrLifecyclePolicy(): object {
  return {
    rules: [
      {
        rulePriority: 1,
        description: "Expire untagged images after 30 days",
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 30 },
        action: { type: "expire" },
      },
    ],
  };
}

function trustPolicy(scope?: { account: string; region: string; partition: string }): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
        // Only tasks of this account and region may take the role (confused-deputy protection).
        ...(scope && {
          Condition: {
            ArnLike: { "aws:SourceArn": `arn:${scope.partition}:ecs:${scope.region}:${scope.account}:*` },
            StringEquals: { "aws:SourceAccount": scope.account },
          },
        }),
      },
    ],
  };
}

function executionStatements(repositoryArn: string, logGroupArn: string, secretArns: string[]): Statement[] {
  const statements: Statement[] = [
    // GetAuthorizationToken has no resource-level permissions.
    { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    { Sid: "PullOwnImages", Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], Resource: repositoryArn },
    { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroupArn}:*` },
  ];
  const ssm = secretArns.filter((a) => /^arn:[^:]+:ssm:/.test(a));
  const secretsManager = secretArns.filter((a) => /^arn:[^:]+:secretsmanager:/.test(a));
  if (ssm.length) statements.push({ Sid: "ReadSsmSecrets", Effect: "Allow", Action: "ssm:GetParameters", Resource: ssm });
  if (secretsManager.length) statements.push({ Sid: "ReadSecretsManagerSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretsManager });
  return statements;
}
