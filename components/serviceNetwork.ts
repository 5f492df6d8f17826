/**
 * ServiceNetwork: one VPC without NAT gateways (public subnets, plus isolated ones for
 * databases; a NAT gateway is $33/month before traffic) and one ECS cluster with the FARGATE and FARGATE_SPOT capacity
 * providers, shared by the stack's Fargate services. Container Insights stays off (it bills
 * custom metrics). awsx's Vpc is a remote component: its inputs are what tests and policies see.
 */
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { transformed, type Transform } from "./transform";

export interface ServiceNetworkArgs {
  /** Stack name, used in names. */
  stack: string;
  /** True in production: services there run on on-demand FARGATE by default. */
  isProduction: boolean;
  /** Availability zones of the VPC (public subnets are free; 2 keeps Spot capacity choices open). */
  availabilityZones?: number;
  /** Add isolated subnets (no route out, free) for the stack's databases' DB subnet groups. */
  isolatedSubnets?: boolean;
  transform?: ServiceNetworkTransform;
}

export interface ServiceNetworkTransform {
  vpc?: Transform<awsx.ec2.VpcArgs, pulumi.ComponentResourceOptions>;
  cluster?: Transform<aws.ecs.ClusterArgs>;
  capacityProviders?: Transform<aws.ecs.ClusterCapacityProvidersArgs>;
}

/** A VPC with public subnets only (no NAT gateway) and an ECS cluster for Fargate services. */
export class ServiceNetwork extends pulumi.ComponentResource {
  public readonly vpc: awsx.ec2.Vpc;
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  /** Isolated subnets, when asked for (`isolatedSubnets`); empty otherwise. */
  public readonly isolatedSubnetIds: pulumi.Output<string[]>;
  public readonly cluster: aws.ecs.Cluster;
  public readonly clusterName: pulumi.Output<string>;
  public readonly clusterArn: pulumi.Output<string>;
  /** The cluster's capacity providers; services depend on them being associated. */
  public readonly capacityProviders: aws.ecs.ClusterCapacityProviders;

  constructor(name: string, args: ServiceNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:fargate:ServiceNetwork", name, {}, opts);
    const parent = { parent: this };
    const t = args.transform;
    this.vpc = new awsx.ec2.Vpc(
      ...transformed(t?.vpc, `${name}-vpc`, {
        cidrBlock: "10.20.0.0/16",
        numberOfAvailabilityZones: args.availabilityZones ?? 2,
        enableDnsHostnames: true,
        natGateways: { strategy: awsx.ec2.NatGatewayStrategy.None },
        subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
        // Isolated subnets come after the public ones, so adding them later leaves those in place.
        subnetSpecs: [{ type: awsx.ec2.SubnetType.Public, cidrMask: 24 }, ...(args.isolatedSubnets ? [{ type: awsx.ec2.SubnetType.Isolated, cidrMask: 24 }] : [])],
      }, parent),
    );
    this.vpcId = this.vpc.vpcId;
    this.publicSubnetIds = this.vpc.publicSubnetIds;
    this.isolatedSubnetIds = this.vpc.isolatedSubnetIds;

    this.cluster = new aws.ecs.Cluster(
      ...transformed(t?.cluster, `${name}-cluster`, { name: `costguard-${args.stack}-services`, settings: [{ name: "containerInsights", value: "disabled" }] }, parent),
    );
    this.clusterName = this.cluster.name;
    this.clusterArn = this.cluster.arn;
    this.capacityProviders = new aws.ecs.ClusterCapacityProviders(
      ...transformed(t?.capacityProviders, `${name}-capacity`, {
        clusterName: this.cluster.name,
        capacityProviders: ["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategies: capacityStrategy(args.isProduction, "X86_64"),
      }, parent),
    );
    this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, clusterName: this.clusterName });
  }
}

/**
 * Capacity provider strategy. Outside prod FARGATE_SPOT comes first and takes every task
 * (about 70 % cheaper; ECS does not fall back to FARGATE by itself, the FARGATE entry lets an
 * operator shift weight without a replacement). Fargate Spot runs X86_64 tasks only, so an
 * ARM64 task runs on FARGATE. In prod, FARGATE with a base of one task.
 */
export function capacityStrategy(isProduction: boolean, architecture: "X86_64" | "ARM64"): { capacityProvider: string; weight: number; base: number }[] {
  if (isProduction) return [{ capacityProvider: "FARGATE", base: 1, weight: 1 }];
  if (architecture === "ARM64") return [{ capacityProvider: "FARGATE", base: 0, weight: 1 }];
  return [
    { capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 },
    { capacityProvider: "FARGATE", base: 0, weight: 0 },
  ];
}
