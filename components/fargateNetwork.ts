/**
 * Where a cost-aware Fargate service's traffic goes: the load balancer (only when asked), the
 * tasks' security group, and the ingress rule each of its databases gets for the tasks, with the
 * variables that tell the container where its databases are.
 */
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { databaseVariables } from "./database";
import type { CostAwareFargateServiceArgs } from "./fargateServiceArgs";
import { transformed } from "./transform";

/** The VPC and subnets the service runs in. */
export interface ServiceSubnets {
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
}

/** What the container gets for its databases: plain variables, and secrets by reference. */
export interface DatabaseWiring {
  environment: { name: string; value: pulumi.Input<string> }[];
  secrets: { name: string; valueFrom: pulumi.Input<string> }[];
}

export function createLoadBalancer(component: pulumi.Resource, net: ServiceSubnets, name: string, args: CostAwareFargateServiceArgs, port: number) {
  const s = args.service;
  const parent = { parent: component };
  const securityGroup = new aws.ec2.SecurityGroup(
    ...transformed(
      args.transform?.loadBalancerSecurityGroup,
      `${name}-alb-sg`,
      {
        description: `costguard ${s.name}: HTTP to the load balancer`,
        vpcId: net.vpcId,
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
        subnetIds: net.subnetIds,
        securityGroups: [securityGroup.id],
        defaultSecurityGroup: { skip: true },
        defaultTargetGroup: { port, protocol: "HTTP", targetType: "ip", vpcId: net.vpcId, healthCheck: { path: "/", matcher: "200-399" } },
        listener: { port: 80, protocol: "HTTP" },
      },
      parent,
    ),
  );
  return { securityGroup, targetGroupArn: alb.defaultTargetGroup.arn, dnsName: alb.loadBalancer.dnsName };
}

export function createTaskSecurityGroup(component: pulumi.Resource, net: ServiceSubnets, name: string, args: CostAwareFargateServiceArgs, albSecurityGroup: aws.ec2.SecurityGroup | undefined): aws.ec2.SecurityGroup {
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
        vpcId: net.vpcId,
        ingress: taskIngress,
        // No NAT: tasks reach ECR, logs and their secrets over their public IP.
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "image pulls, logs, secrets, outbound calls" }],
      },
      { parent: component },
    ),
  );
}

/**
 * Each database admits this service's tasks on its port, and the container gets libpq's
 * variables: the address in plain text, user and password from the secret by reference.
 */
export function attachDatabases(component: pulumi.Resource, name: string, args: CostAwareFargateServiceArgs, taskSecurityGroup: aws.ec2.SecurityGroup): DatabaseWiring {
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
        { parent: component },
      ),
    );
    const v = dbVariables[i]!;
    environment.push({ name: v.host, value: db.address }, { name: v.port, value: String(db.port) }, { name: v.name, value: db.databaseName }, { name: v.sslMode, value: "require" });
    secrets.push({ name: v.user, valueFrom: pulumi.interpolate`${db.secretArn}:username::` }, { name: v.password, valueFrom: pulumi.interpolate`${db.secretArn}:password::` });
  });
  return { environment, secrets };
}
