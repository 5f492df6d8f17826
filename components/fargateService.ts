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
import { attachDatabases, createLoadBalancer, createTaskSecurityGroup, type DatabaseWiring } from "./fargateNetwork";
import { ecrLifecyclePolicy, executionStatements, secretResourceArn, trustPolicy } from "./fargatePolicies";
import type { CostAwareFargateServiceArgs } from "./fargateServiceArgs";
import { accountScope } from "./iam";
import { capacityStrategy } from "./serviceNetwork";
import { transformed } from "./transform";

export { capacityStrategy, ServiceNetwork } from "./serviceNetwork";
export { ecrLifecyclePolicy, secretResourceArn } from "./fargatePolicies";
export type { CostAwareFargateServiceArgs, CostAwareFargateServiceTransform, ServiceSpec } from "./fargateServiceArgs";

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
  /** The VPC and subnets the tasks run in: the service's own `vpc`, else the network's. */
  readonly vpcId: pulumi.Input<string>;
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;

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
    const loadBalancer = s.loadBalancer && s.port !== undefined ? createLoadBalancer(this, this, name, args, s.port) : undefined;
    this.loadBalancerDnsName = loadBalancer?.dnsName;
    const taskSecurityGroup = createTaskSecurityGroup(this, this, name, args, loadBalancer?.securityGroup);
    this.securityGroupId = taskSecurityGroup.id;
    const databases = attachDatabases(this, name, args, taskSecurityGroup);
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
      .all([this.scope.region, this.scope.accountId, this.scope.partition, pulumi.all(databases.map((db) => db.secretArn)), pulumi.all(Object.values(s.secrets))])
      .apply(([r, account, p, dbSecrets, references]) => [...new Set([...references.map((ref) => secretResourceArn(ref, r, account, p)), ...dbSecrets])]);
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

  private createService(
    name: string,
    args: CostAwareFargateServiceArgs,
    parts: {
      executionRole: aws.iam.Role;
      taskRole: aws.iam.Role;
      logGroup: aws.cloudwatch.LogGroup;
      taskSecurityGroup: aws.ec2.SecurityGroup;
      targetGroupArn?: pulumi.Output<string>;
      databases: DatabaseWiring;
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
