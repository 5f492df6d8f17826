/**
 * What a cost-aware Fargate service takes: the service itself (what `costguard:services`
 * declares, its defaults applied), where it runs, and the transforms of its children.
 */
import type * as aws from "@pulumi/aws";
import type * as awsx from "@pulumi/awsx";
import type * as pulumi from "@pulumi/pulumi";
import type { DatabaseAttachment } from "./database";
import type { ServiceNetwork } from "./serviceNetwork";
import type { Transform } from "./transform";

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
  secrets: Record<string, pulumi.Input<string>>;
  /** Plain, non-secret environment values. */
  environment: Record<string, pulumi.Input<string>>;
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

