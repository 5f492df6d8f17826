/** Each resource rule with a compliant and a violating resource. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  allowedInstanceTypes,
  ebsGp3,
  forbiddenResourceTypes,
  iamLeastPrivilege,
  logGroupRetention,
  noOpenAdminPorts,
  noPlainSecrets,
  rdsSafety,
  requiredTags,
  snsEncryptedInProd,
  ssmInsteadOfSshInProd,
} from "../../policy/policies";
import { provider, res, TAGS, violations } from "./helpers";

describe("forbidden-resource-types", () => {
  it("flags a NAT gateway and an Elastic IP, and says how to allow them", async () => {
    const v = await violations(forbiddenResourceTypes, [res("aws:ec2/natGateway:NatGateway", "nat"), res("aws:ec2/eip:Eip", "ip"), res("aws:elasticache/cluster:Cluster", "cache")]);
    assert.equal(v.length, 3);
    assert.match(v[0]!, /natGateway.*"nat" is a forbidden expensive resource type.*allowedTypes/);
  });
  it("forbids the ElastiCache types that bill, not the free plumbing beside them (subnet and parameter groups, users)", async () => {
    const billed = ["aws:elasticache/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/serverlessCache:ServerlessCache", "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup"];
    const free = ["aws:elasticache/subnetGroup:SubnetGroup", "aws:elasticache/parameterGroup:ParameterGroup", "aws:elasticache/user:User", "aws:elasticache/userGroup:UserGroup"];
    const v = await violations(forbiddenResourceTypes, [...billed, ...free].map((t, i) => res(t, `r${i}`)));
    assert.deepEqual(v.map((m) => m.split(" ")[0]), billed);
  });
  it("passes allowed and ordinary types", async () => {
    assert.deepEqual(await violations(forbiddenResourceTypes, [res("aws:ec2/natGateway:NatGateway", "nat"), res("aws:sqs/queue:Queue", "q")], { "forbidden-resource-types": { allowedTypes: ["aws:ec2/natGateway:NatGateway"] } }), []);
  });
  it("checks the NAT gateways an awsx:ec2:Vpc creates (one per AZ by default)", async () => {
    const v = await violations(forbiddenResourceTypes, [res("awsx:ec2:Vpc", "vpc", { numberOfAvailabilityZones: 2 })]);
    assert.match(v[0]!, /awsx:ec2:Vpc "vpc" creates NAT gateways \(natGateways strategy OnePerAz/);
    assert.deepEqual(await violations(forbiddenResourceTypes, [res("awsx:ec2:Vpc", "vpc", { natGateways: { strategy: "None" } })]), []);
  });
});

describe("required-tags", () => {
  it("accepts tags from the provider's default tags (tagsAll and the provider's props)", async () => {
    assert.deepEqual(await violations(requiredTags, [res("aws:sqs/queue:Queue", "q", {}, { state: {} , provider: provider(TAGS) })]), []);
    assert.deepEqual(await violations(requiredTags, [res("aws:sqs/queue:Queue", "q", { tagsAll: TAGS })]), []);
  });
  it("flags a taggable resource missing a required tag, and a bad Environment value", async () => {
    const v = await violations(requiredTags, [res("aws:ec2/instance:Instance", "i", { tags: { Project: "x" } }), res("aws:sqs/queue:Queue", "q", { tags: { Environment: "qa", Project: "x" } })]);
    assert.equal(v.length, 2);
    assert.match(v[0]!, /"i" is missing tag Environment/);
    assert.match(v[1]!, /Environment="qa", which is not one of dev, staging, prod/);
  });
  it("ignores types AWS cannot tag", async () => {
    assert.deepEqual(await violations(requiredTags, [res("aws:iam/rolePolicy:RolePolicy", "p"), res("aws:lambda/permission:Permission", "perm")]), []);
  });
});

describe("allowed-instance-types", () => {
  it("allows small burstable types in dev and flags others, per kind", async () => {
    assert.deepEqual(await violations(allowedInstanceTypes, [res("aws:ec2/instance:Instance", "ok", { instanceType: "t4g.small", tags: TAGS })]), []);
    const v = await violations(allowedInstanceTypes, [
      res("aws:ec2/instance:Instance", "big", { instanceType: "m5.4xlarge", tags: TAGS }),
      res("aws:rds/instance:Instance", "db", { instanceClass: "db.r5.large", tags: TAGS }),
      res("aws:elasticache/cluster:Cluster", "cache", { nodeType: "cache.r6g.large", tags: TAGS }),
      res("aws:autoscaling/group:Group", "asg", { mixedInstancesPolicy: { launchTemplate: { overrides: [{ instanceType: "c5.xlarge" }, { instanceType: "t3.micro" }] } } }),
    ]);
    assert.equal(v.length, 4);
    assert.match(v[0]!, /m5\.4xlarge \(instanceType\), not allowed in dev/);
    assert.match(v[3]!, /c5\.xlarge \(mixedInstancesPolicy override\)/);
  });
  it("uses the Environment tag first: prod allows m5.4xlarge", async () => {
    assert.deepEqual(await violations(allowedInstanceTypes, [res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { instanceType: "m5.4xlarge", tags: { Environment: "prod" } })]), []);
    const v = await violations(allowedInstanceTypes, [res("aws:ec2/instance:Instance", "i", { instanceType: "t3.micro", tags: { Environment: "qa" } })]);
    assert.match(v[0]!, /environment "qa", which has no allow-list/);
  });
});

describe("log-group-retention", () => {
  it("flags a log group kept forever and passes one with retention", async () => {
    assert.match((await violations(logGroupRetention, [res("aws:cloudwatch/logGroup:LogGroup", "lg")]))[0]!, /keeps logs forever/);
    assert.deepEqual(await violations(logGroupRetention, [res("aws:cloudwatch/logGroup:LogGroup", "lg", { retentionInDays: 14 })]), []);
  });
  it("checks the log group an awsx Fargate service creates", async () => {
    const svc = (retentionInDays: number) => res("awsx:ecs:FargateService", "svc", { taskDefinitionArgs: { logGroup: { args: { retentionInDays } }, container: { name: "app", image: "nginx" } } });
    assert.match((await violations(logGroupRetention, [svc(0)]))[0]!, /retentionInDays 0 \(kept forever\)/);
    assert.deepEqual(await violations(logGroupRetention, [svc(14), res("awsx:ecs:FargateService", "default", { taskDefinitionArgs: { container: { name: "app", image: "nginx" } } })]), []);
  });
  it("caps retention when configured", async () => {
    assert.match((await violations(logGroupRetention, [res("aws:cloudwatch/logGroup:LogGroup", "lg", { retentionInDays: 3653 })], { "log-group-retention": { maxRetentionDays: 400 } }))[0]!, /3653 days, more than the 400/);
  });
});

describe("ebs-gp3", () => {
  it("flags gp2 volumes, unset volume types and gp2 devices of instances and launch templates", async () => {
    const v = await violations(ebsGp3, [
      res("aws:ebs/volume:Volume", "v", { size: 10, type: "gp2" }),
      res("aws:ebs/volume:Volume", "unset", { size: 10 }),
      res("aws:ec2/instance:Instance", "i", { rootBlockDevice: { volumeType: "gp2" } }),
      res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeType: "gp2" } }] }),
    ]);
    assert.equal(v.length, 4);
    assert.match(v[1]!, /unset: AWS defaults to gp2/);
    assert.match(v[3]!, /blockDeviceMappings\[0\]\.ebs\.volumeType/);
  });
  it("passes gp3", async () => {
    assert.deepEqual(await violations(ebsGp3, [res("aws:ebs/volume:Volume", "v", { size: 10, type: "gp3" }), res("aws:ec2/instance:Instance", "i", { rootBlockDevice: { volumeType: "gp3" } })]), []);
  });
});

describe("rds-safety", () => {
  const good = { instanceClass: "db.t4g.micro", storageEncrypted: true, backupRetentionPeriod: 7, publiclyAccessible: false, tags: TAGS };
  it("passes a private, encrypted, single-AZ dev database with 7 days of backups", async () => {
    assert.deepEqual(await violations(rdsSafety, [res("aws:rds/instance:Instance", "db", good)]), []);
  });
  it("flags public, unencrypted, short backups, and multi-AZ in dev, each with its fix", async () => {
    const v = await violations(rdsSafety, [res("aws:rds/instance:Instance", "db", { ...good, publiclyAccessible: true, storageEncrypted: false, backupRetentionPeriod: 1, multiAz: true })]);
    assert.equal(v.length, 4);
    assert.match(v.join("\n"), /publiclyAccessible: false/);
    assert.match(v.join("\n"), /storageEncrypted: true/);
    assert.match(v.join("\n"), /at least 7/);
    assert.match(v.join("\n"), /multi-AZ in dev/);
  });
  it("allows multi-AZ in prod and checks clusters' encryption", async () => {
    assert.deepEqual(await violations(rdsSafety, [res("aws:rds/instance:Instance", "db", { ...good, multiAz: true, tags: { Environment: "prod" } })]), []);
    assert.match((await violations(rdsSafety, [res("aws:rds/cluster:Cluster", "c", { backupRetentionPeriod: 7 })]))[0]!, /not encrypted/);
  });
});

describe("no-open-admin-ports", () => {
  it("flags SSH and RDP open to the internet, in groups and in separate rules", async () => {
    const v = await violations(noOpenAdminPorts, [
      res("aws:ec2/securityGroup:SecurityGroup", "sg", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] }),
      res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "rdp", { ipProtocol: "tcp", fromPort: 3389, toPort: 3389, cidrIpv6: "::/0" }),
      res("aws:ec2/securityGroupRule:SecurityGroupRule", "all", { type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }),
    ]);
    assert.equal(v.length, 3);
    assert.match(v[0]!, /opens port 22 to 0\.0\.0\.0\/0/);
    assert.match(v[2]!, /port 22 and 3389/);
  });
  it("passes SSH from a known CIDR and HTTPS from anywhere", async () => {
    assert.deepEqual(
      await violations(noOpenAdminPorts, [
        res("aws:ec2/securityGroup:SecurityGroup", "sg", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] }, { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }] }),
        res("aws:ec2/securityGroupRule:SecurityGroupRule", "egress", { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }),
      ]),
      [],
    );
  });
});

describe("ssm-instead-of-ssh-in-prod", () => {
  const ssh = { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] }] };
  it("flags any SSH ingress and key pairs in prod", async () => {
    const v = await violations(ssmInsteadOfSshInProd, [
      res("aws:ec2/securityGroup:SecurityGroup", "sg", { ...ssh, tags: { Environment: "prod" } }),
      res("aws:ec2/instance:Instance", "i", { keyName: "ops", iamInstanceProfile: "ssm-profile", tags: { Environment: "prod" } }),
      res("aws:ec2/instance:Instance", "no-profile", { tags: { Environment: "prod" } }),
    ]);
    assert.equal(v.length, 3);
    assert.match(v[2]!, /"no-profile" has no instance profile in prod/);
    assert.match(v[0]!, /allows SSH \(port 22\) in prod.*SSM Session Manager/);
    assert.match(v[1]!, /key pair "ops"/);
  });
  it("leaves dev alone, and uses the configured environment for untagged rules", async () => {
    assert.deepEqual(await violations(ssmInsteadOfSshInProd, [res("aws:ec2/securityGroup:SecurityGroup", "sg", { ...ssh, tags: { Environment: "dev" } })]), []);
    const rule = res("aws:ec2/securityGroupRule:SecurityGroupRule", "r", { type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"] });
    assert.equal((await violations(ssmInsteadOfSshInProd, [rule], { "ssm-instead-of-ssh-in-prod": { environment: "prod" } })).length, 1);
  });
});

describe("no-plain-secrets", () => {
  it("flags secret-named plain values and secret-looking values in Lambda and container environments", async () => {
    const v = await violations(noPlainSecrets, [
      res("aws:lambda/function:Function", "fn", { environment: { variables: { DB_PASSWORD: "hunter2", NOTIFY: "https://hooks.slack.com/services/T0/B0/abc" } } }),
      res("aws:ecs/taskDefinition:TaskDefinition", "td", { containerDefinitions: JSON.stringify([{ name: "app", environment: [{ name: "API_KEY", value: "abc123" }] }]) }),
      res("awsx:ecs:FargateService", "svc", { taskDefinitionArgs: { container: { name: "web", environment: [{ name: "DATABASE_URL", value: "postgres://app:s3cret@db:5432/app" }] } } }),
    ]);
    assert.equal(v.length, 4);
    assert.match(v[0]!, /sets DB_PASSWORD in plain text/);
    assert.match(v[1]!, /looks like a Slack webhook URL/);
    assert.match(v[2]!, /container "app" sets API_KEY/);
    assert.match(v[3]!, /URL with a password/);
  });
  it("passes references to SSM parameters and Secrets Manager", async () => {
    assert.deepEqual(
      await violations(noPlainSecrets, [
        res("aws:lambda/function:Function", "fn", {
          environment: { variables: { COSTGUARD_SLACK_WEBHOOK_PARAMETER: "/costguard/dev/slack-webhook-url", DB_PASSWORD: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db", LOG_LEVEL: "INFO" } },
        }),
      ]),
      [],
    );
  });
});

describe("iam-least-privilege", () => {
  const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
  it("flags * and service:* actions, NotAction, unconditioned mutations on *, admin policies", async () => {
    const v = await violations(iamLeastPrivilege, [
      res("aws:iam/rolePolicy:RolePolicy", "p", {
        policy: doc(
          { Sid: "All", Effect: "Allow", Action: "*", Resource: "*" },
          { Sid: "S3", Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b/*" },
          { Sid: "Stop", Effect: "Allow", Action: ["ec2:StopInstances"], Resource: "*" },
          { Sid: "Not", Effect: "Allow", NotAction: "iam:*", Resource: "*" },
        ),
      }),
      res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "admin", { policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }),
    ]);
    assert.equal(v.length, 5);
    assert.match(v.join("\n"), /statement "Stop" allows ec2:StopInstances on every resource \("\*"\) without a condition/);
    assert.match(v.join("\n"), /attaches arn:aws:iam::aws:policy\/AdministratorAccess/);
  });
  it("passes read-only actions on *, conditioned mutations and named resources", async () => {
    const v = await violations(iamLeastPrivilege, [
      res("aws:iam/policy:Policy", "p", {
        policy: doc(
          { Effect: "Allow", Action: ["ec2:DescribeInstances", "ce:GetCostAndUsage"], Resource: "*" },
          { Effect: "Allow", Action: "ec2:StopInstances", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/Environment": "dev" } } },
          { Effect: "Allow", Action: "sns:Publish", Resource: "arn:aws:sns:us-east-1:123456789012:alerts" },
          { Effect: "Deny", Action: "*", Resource: "*" },
        ),
      }),
    ]);
    assert.deepEqual(v, []);
  });
});

describe("sns-encrypted-in-prod", () => {
  it("flags an unencrypted prod topic and passes an encrypted one or a dev one", async () => {
    assert.match((await violations(snsEncryptedInProd, [res("aws:sns/topic:Topic", "t", { tags: { Environment: "prod" } })]))[0]!, /in prod is not encrypted/);
    assert.deepEqual(await violations(snsEncryptedInProd, [res("aws:sns/topic:Topic", "t", { kmsMasterKeyId: "arn:aws:kms:us-east-1:1:key/x", tags: { Environment: "prod" } })]), []);
    assert.deepEqual(await violations(snsEncryptedInProd, [res("aws:sns/topic:Topic", "t", { tags: { Environment: "dev" } })]), []);
  });
});
