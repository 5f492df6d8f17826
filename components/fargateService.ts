/**
 * Cost-aware Fargate services: the cheap way to run a guarded workload.
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
import { databaseVariables, type DatabaseAttachment } from "./database";
import { accountScope } from "./iam";
import { capacityStrategy, type ServiceNetwork } from "./serviceNetwork";
import { transformed, type Transform } from "./transform";

export { capacityStrategy, ServiceNetwork } from "./serviceNetwork";

type Statement = { Sid: string; Effect: "Allow"; Action: string | string[]; Resource: pulumi.Input<string> | pulumi.Input<string>[] };

/** IAM resource ARN of a container secret reference (as validated by `secretReference`). */
export function secretResourceArn(reference: string, region: string, accountId: string, partition = "aws"): string {
  if (reference.startsWith("/")) return `arn:${partition}:ssm:${region}:${accountId}:parameter${reference}`;
  // Secrets Manager references may carry `:json-key:version-stage:version-id`; IAM wants the secret.
  if (/^arn:[^:]+:secretsmanager:/.test(reference)) return reference.split(":").slice(0, 7).join(":");
  return reference;
}

/** One service: what `costguard:services` declares, its defaults applied. */
export interface ServiceSpec {
  /** Lower-case letters, digits and dashes: the service, container and log names. */
  name: string;
  /** Container image (an output of an image build will do). */
  image: pulumi.Input<string>;
  /** Fargate CPU units and memory (MiB): one of Fargate's valid pairs. */
  cpu: number;
  memory: number;
  /** Fargate Spot runs X86_64 only: ARM64 gives up Spot. */
  cpuArchitecture: "X86_64" | "ARM64";
  /** Container port, if it serves one. */
  port?: number;
  /** CIDRs allowed to reach `port` (on the tasks' public IPs, or on the load balancer). */
  ingressCidrs: string[];
  desiredCount: number;
  /** An application load balancer in front (about $16/month before traffic). */
  loadBalancer: boolean;
  /** Docker health check; without `command`, an HTTP GET of / on `port`. */
  healthCheck: { command?: string[]; intervalSeconds: number; timeoutSeconds: number; retries: number; startPeriodSeconds: number };
  /** Container env var name → ARN of an SSM parameter / Secrets Manager secret, or SSM parameter name. */
  secrets: Record<string, string>;
  /** Plain, non-secret environment values. */
  environment: Record<string, string>;
  /** Scale to zero outside working hours (Application Auto Scaling schedules); default on outside production. */
  scaleToZero: { enabled?: boolean; stopSchedule: string; startSchedule: string; timezone: string };
  /** An existing VPC to run in (its subnets must be public); default: the network's. */
  vpc?: { vpcId: pulumi.Input<string>; subnetIds: pulumi.Input<pulumi.Input<string>[]> };
}

export interface CostAwareFargateServiceTransform {
  logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
  repository?: Transform<aws.ecr.RepositoryArgs>;
  lifecyclePolicy?: Transform<aws.ecr.LifecyclePolicyArgs>;
  executionRole?: Transform<aws.iam.RoleArgs>;
  /** The execution role's inline policy. */
  executionPolicy?: Transform<aws.iam.RolePolicyArgs>;
  taskRole?: Transform<aws.iam.RoleArgs>;
  loadBalancerSecurityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
  loadBalancer?: Transform<awsx.lb.ApplicationLoadBalancerArgs, pulumi.ComponentResourceOptions>;
  /** The tasks' security group. */
  securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
  /** The ingress rule each database gets for the tasks. */
  databaseIngress?: Transform<aws.vpc.SecurityGroupIngressRuleArgs>;
  /** The awsx FargateService: task definition, container, deployment. */
  service?: Transform<awsx.ecs.FargateServiceArgs, pulumi.ComponentResourceOptions>;
  /** The CPU and memory alarms. */
  alarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
  scalingTarget?: Transform<aws.appautoscaling.TargetArgs>;
  /** The stop and start scheduled actions. */
  scheduledAction?: Transform<aws.appautoscaling.ScheduledActionArgs>;
}

export interface CostAwareFargateServiceArgs {
  /** The service: image, size, port, health check, secrets, schedule. */
  service: ServiceSpec;
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
  /** The databases the service uses: the tasks may reach them and get their address and, by reference, their secret. */
  databases?: DatabaseAttachment[];
  transform?: CostAwareFargateServiceTransform;
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
  private readonly scope: ReturnType<typeof accountScope>;
  private readonly vpcId: pulumi.Input<string>;
  private readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;

  constructor(name: string, args: CostAwareFargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:fargate:CostAwareFargateService", name, {}, opts);
    const s = args.service;
    this.scope = accountScope(this);
    this.vpcId = s.vpc ? s.vpc.vpcId : args.network.vpcId;
    this.subnetIds = s.vpc ? s.vpc.subnetIds : args.network.publicSubnetIds;

    const logGroup = new aws.cloudwatch.LogGroup(
      ...transformed(args.transform?.logGroup, `${name}-logs`, { name: `/costguard/${args.stack}/services/${s.name}`, retentionInDays: args.logRetentionDays }, { parent: this }),
    );
    this.logGroupName = logGroup.name;
    const repository = this.createRepository(name, args);
    this.repositoryUrl = repository.repositoryUrl;
    const executionRole = this.createExecutionRole(name, args, repository, logGroup);
    this.executionRoleArn = executionRole.arn;
    const taskRole = this.createTaskRole(name, args);
    this.taskRoleArn = taskRole.arn;
    // Load balancer only when asked: an ALB is about $16/month before traffic.
    const loadBalancer = s.loadBalancer && s.port !== undefined ? this.createLoadBalancer(name, args, s.port) : undefined;
    this.loadBalancerDnsName = loadBalancer?.dnsName;
    const taskSecurityGroup = this.createTaskSecurityGroup(name, args, loadBalancer?.securityGroup);
    this.securityGroupId = taskSecurityGroup.id;
    const databases = this.attachDatabases(name, args, taskSecurityGroup);
    this.fargate = this.createService(name, args, { executionRole, taskRole, logGroup, taskSecurityGroup, targetGroupArn: loadBalancer?.targetGroupArn, databases });
    this.serviceName = this.fargate.service.name;
    this.serviceArn = this.fargate.service.arn;
    this.createAlarms(name, args);
    this.createScaleToZero(name, args);

    this.registerOutputs({ serviceName: this.serviceName, serviceArn: this.serviceArn, repositoryUrl: this.repositoryUrl, logGroupName: this.logGroupName });
  }

  private createRepository(name: string, args: CostAwareFargateServiceArgs): aws.ecr.Repository {
    const parent = { parent: this };
    const repository = new aws.ecr.Repository(
      ...transformed(
        args.transform?.repository,
        `${name}-repo`,
        {
          name: `costguard-${args.stack}/${args.service.name}`,
          imageScanningConfiguration: { scanOnPush: true },
          imageTagMutability: "MUTABLE",
          forceDelete: !args.isProduction,
        },
        parent,
      ),
    );
    new aws.ecr.LifecyclePolicy(...transformed(args.transform?.lifecyclePolicy, `${name}-repo-lifecycle`, { repository: repository.name, policy: JSON.stringify(ecrLifecyclePolicy()) }, parent));
    return repository;
  }

  /**
   * Pull from the service's repository, write its logs, read exactly its secrets (those it
   * declares, and the RDS-managed secret of each database it uses).
   */
  private createExecutionRole(name: string, args: CostAwareFargateServiceArgs, repository: aws.ecr.Repository, logGroup: aws.cloudwatch.LogGroup): aws.iam.Role {
    const s = args.service;
    const parent = { parent: this };
    const databases = args.databases ?? [];
    const secretArns = pulumi
      .all([this.scope.region, this.scope.accountId, this.scope.partition, pulumi.all(databases.map((db) => db.secretArn))])
      .apply(([r, account, p, dbSecrets]) => [...new Set([...Object.values(s.secrets).map((ref) => secretResourceArn(ref, r, account, p)), ...dbSecrets])]);
    const executionRole = new aws.iam.Role(
      ...transformed(
        args.transform?.executionRole,
        `${name}-exec`,
        { description: `costguard ${args.stack}: ECS execution role of ${s.name}`, assumeRolePolicy: JSON.stringify(trustPolicy()) },
        parent,
      ),
    );
    new aws.iam.RolePolicy(
      ...transformed(
        args.transform?.executionPolicy,
        `${name}-exec-policy`,
        {
          role: executionRole.id,
          policy: pulumi.all([repository.arn, logGroup.arn, secretArns]).apply(([repoArn, logArn, secrets]) =>
            JSON.stringify({ Version: "2012-10-17", Statement: executionStatements(repoArn, logArn, secrets) }),
          ),
        },
        parent,
      ),
    );
    return executionRole;
  }

  /** What the application itself may do: nothing until the owner adds policies. */
  private createTaskRole(name: string, args: CostAwareFargateServiceArgs): aws.iam.Role {
    const { accountId, region, partition } = this.scope;
    return new aws.iam.Role(
      ...transformed(
        args.transform?.taskRole,
        `${name}-task`,
        {
          description: `costguard ${args.stack}: task role of ${args.service.name}`,
          assumeRolePolicy: pulumi.all([accountId, region, partition]).apply(([account, r, p]) => JSON.stringify(trustPolicy({ account, region: r, partition: p }))),
        },
        { parent: this },
      ),
    );
  }

  private createLoadBalancer(name: string, args: CostAwareFargateServiceArgs, port: number) {
    const s = args.service;
    const parent = { parent: this };
    const securityGroup = new aws.ec2.SecurityGroup(
      ...transformed(
        args.transform?.loadBalancerSecurityGroup,
        `${name}-alb-sg`,
        {
          description: `costguard ${s.name}: HTTP to the load balancer`,
          vpcId: this.vpcId,
          ingress: [{ protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: s.ingressCidrs, description: "HTTP" }],
          egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "to the tasks" }],
        },
        parent,
      ),
    );
    const alb = new awsx.lb.ApplicationLoadBalancer(
      ...transformed(
        args.transform?.loadBalancer,
        `${name}-alb`,
        {
          subnetIds: this.subnetIds,
          securityGroups: [securityGroup.id],
          defaultSecurityGroup: { skip: true },
          defaultTargetGroup: { port, protocol: "HTTP", targetType: "ip", vpcId: this.vpcId, healthCheck: { path: "/", matcher: "200-399" } },
          listener: { port: 80, protocol: "HTTP" },
        },
        parent,
      ),
    );
    return { securityGroup, targetGroupArn: alb.defaultTargetGroup.arn, dnsName: alb.loadBalancer.dnsName };
  }

  private createTaskSecurityGroup(name: string, args: CostAwareFargateServiceArgs, albSecurityGroup: aws.ec2.SecurityGroup | undefined): aws.ec2.SecurityGroup {
    const s = args.service;
    const taskIngress =
      s.port === undefined
        ? []
        : albSecurityGroup
          ? [{ protocol: "tcp", fromPort: s.port, toPort: s.port, securityGroups: [albSecurityGroup.id], description: "from the load balancer" }]
          : [{ protocol: "tcp", fromPort: s.port, toPort: s.port, cidrBlocks: s.ingressCidrs, description: "service port" }];
    return new aws.ec2.SecurityGroup(
      ...transformed(
        args.transform?.securityGroup,
        `${name}-sg`,
        {
          description: `costguard ${s.name}: tasks`,
          vpcId: this.vpcId,
          ingress: taskIngress,
          // No NAT: tasks reach ECR, logs and their secrets over their public IP.
          egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "image pulls, logs, secrets, outbound calls" }],
        },
        { parent: this },
      ),
    );
  }

  /**
   * Each database admits this service's tasks on its port, and the container gets libpq's
   * variables: the address in plain text, user and password from the secret by reference.
   */
  private attachDatabases(name: string, args: CostAwareFargateServiceArgs, taskSecurityGroup: aws.ec2.SecurityGroup) {
    const databases = args.databases ?? [];
    const dbVariables = databaseVariables(databases.map((db) => db.name));
    const environment: { name: string; value: pulumi.Input<string> }[] = [];
    const secrets: { name: string; valueFrom: pulumi.Input<string> }[] = [];
    databases.forEach((db, i) => {
      new aws.vpc.SecurityGroupIngressRule(
        ...transformed(
          args.transform?.databaseIngress,
          `${name}-to-db-${db.name}`,
          {
            securityGroupId: db.securityGroupId,
            referencedSecurityGroupId: taskSecurityGroup.id,
            ipProtocol: "tcp",
            fromPort: db.port,
            toPort: db.port,
            description: `PostgreSQL from the tasks of service ${args.service.name}`,
          },
          { parent: this },
        ),
      );
      const v = dbVariables[i]!;
      environment.push({ name: v.host, value: db.address }, { name: v.port, value: String(db.port) }, { name: v.name, value: db.databaseName }, { name: v.sslMode, value: "require" });
      secrets.push({ name: v.user, valueFrom: pulumi.interpolate`${db.secretArn}:username::` }, { name: v.password, valueFrom: pulumi.interpolate`${db.secretArn}:password::` });
    });
    return { environment, secrets };
  }

  private createService(
    name: string,
    args: CostAwareFargateServiceArgs,
    parts: {
      executionRole: aws.iam.Role;
      taskRole: aws.iam.Role;
      logGroup: aws.cloudwatch.LogGroup;
      taskSecurityGroup: aws.ec2.SecurityGroup;
      targetGroupArn?: pulumi.Output<string>;
      databases: ReturnType<CostAwareFargateService["attachDatabases"]>;
    },
  ): awsx.ecs.FargateService {
    const s = args.service;
    const { targetGroupArn } = parts;
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
      networkConfiguration: { subnets: this.subnetIds, assignPublicIp: true, securityGroups: [parts.taskSecurityGroup.id] },
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
        executionRole: { roleArn: parts.executionRole.arn },
        taskRole: { roleArn: parts.taskRole.arn },
        logGroup: { existing: { name: parts.logGroup.name } },
        container: {
          name: s.name,
          image: s.image,
          essential: true,
          // Fargate Spot warns two minutes ahead (SIGTERM): give the app all of it to drain.
          stopTimeout: 120,
          portMappings: s.port === undefined ? undefined : [{ containerPort: s.port, protocol: "tcp" }],
          environment: [...Object.entries(s.environment).map(([k, value]) => ({ name: k, value })), ...parts.databases.environment],
          secrets: [...Object.entries(s.secrets).map(([k, valueFrom]) => ({ name: k, valueFrom })), ...parts.databases.secrets],
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
    return new awsx.ecs.FargateService(...transformed(args.transform?.service, `${name}-service`, serviceArgs, { parent: this, dependsOn: [args.network.capacityProviders] }));
  }

  /**
   * CPU and memory alarms to the alert topic. A service declared at desiredCount 0 never runs
   * (its scheduled start restores 0 too): its alarms could never fire, yet each would be a
   * billed alarm metric.
   */
  private createAlarms(name: string, args: CostAwareFargateServiceArgs): void {
    const s = args.service;
    const alarmed = s.desiredCount > 0 ? [
      { key: "cpu", name: "CPUUtilization", threshold: args.cpuAlarmPercent },
      { key: "memory", name: "MemoryUtilization", threshold: args.memoryAlarmPercent },
    ] : [];
    for (const metric of alarmed) {
      new aws.cloudwatch.MetricAlarm(
        ...transformed(
          args.transform?.alarm,
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
          { parent: this },
        ),
      );
    }
  }

  /** Outside production: desired count 0 outside working hours, restored in the morning. */
  private createScaleToZero(name: string, args: CostAwareFargateServiceArgs): void {
    const s = args.service;
    const scaleToZero = s.scaleToZero.enabled ?? !args.isProduction;
    if (!scaleToZero || args.isProduction || s.desiredCount === 0) return;
    const parent = { parent: this };
    const target = new aws.appautoscaling.Target(
      ...transformed(
        args.transform?.scalingTarget,
        `${name}-scaling`,
        {
          serviceNamespace: "ecs",
          scalableDimension: "ecs:service:DesiredCount",
          resourceId: pulumi.interpolate`service/${args.network.clusterName}/${this.serviceName}`,
          minCapacity: s.desiredCount,
          maxCapacity: s.desiredCount,
        },
        parent,
      ),
    );
    const action = (key: string, schedule: string, capacity: number) =>
      new aws.appautoscaling.ScheduledAction(
        ...transformed(
          args.transform?.scheduledAction,
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
        ),
      );
    action("stop", s.scaleToZero.stopSchedule, 0);
    action("start", s.scaleToZero.startSchedule, s.desiredCount);
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
