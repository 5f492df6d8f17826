/**
 * Pulumi mocks that answer like the AWS provider would at preview: physical names from
 * auto-naming, ARNs, ids, the outputs of awsx/eks remote components (which are single
 * resources under mocks), and `tagsAll` merged from the provider's default tags, as the real
 * provider computes it. Every registered resource is recorded for the plan and the tests.
 */
import type * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT = "123456789012";

export interface PlannedResource {
  type: string;
  name: string;
  urn?: string;
  /** Inputs as the program passed them (secrets unwrapped to their plain values). */
  inputs: Record<string, unknown>;
  /** Inputs plus what the mock computed (ids, ARNs, tagsAll). */
  state: Record<string, unknown>;
  /** Provider reference (`urn::id`), when the resource used an explicit provider. */
  provider?: string;
  custom: boolean;
}

function shortHash(text: string): string {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (h >>> 0).toString(16).padStart(8, "0").slice(0, 7);
}

function parseMaybeJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** Service part of an ARN, from a type token such as `aws:sqs/queue:Queue`. */
function serviceOf(type: string): string {
  const m = /^aws:([a-z0-9]+)\//.exec(type);
  const map: Record<string, string> = { cloudwatch: "logs", lambda: "lambda", dynamodb: "dynamodb", iam: "iam", s3: "s3" };
  return m ? (map[m[1]!] ?? m[1]!) : "unknown";
}

/** `urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>::<id>` → `<type>::<name>`. */
function providerKeyOfReference(reference: string): string {
  const parts = reference.split("::");
  const name = parts[parts.length - 2] ?? "";
  const type = (parts[parts.length - 3] ?? "").split("$").pop() ?? "";
  return `${type}::${name}`;
}

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: PlannedResource[] = [];
  private readonly providerTags = new Map<string, Record<string, string>>();

  constructor(private readonly region: string) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const { type, name } = args;
    const inputs = (args.inputs ?? {}) as Record<string, unknown>;
    const physical = (inputs.name as string | undefined) ?? `${name}-${shortHash(name)}`;
    // args.id is "" (not undefined) for a new resource: fall back to the physical name, else every id is unknown.
    const id = args.id || physical;
    const state: Record<string, unknown> = { ...inputs };

    if (type.startsWith("pulumi:providers:")) {
      const dt = parseMaybeJson(inputs.defaultTags) as { tags?: Record<string, string> } | undefined;
      // The provider reference later resources carry is `urn::id`, and at preview the id is the
      // unknown sentinel: key by the provider's type and name, which its urn carries.
      if (dt?.tags) this.providerTags.set(`${type}::${name}`, dt.tags);
      this.record(args, inputs, state);
      return { id, state };
    }

    if (type.startsWith("aws:")) {
      const svc = serviceOf(type);
      state.arn ??= `arn:aws:${svc}:${this.region}:${MOCK_ACCOUNT}:${physical}`;
      if ("name" in state || /Queue|Topic|Function|Table|Role|LogGroup|Cluster|Repository|Dashboard|Budget|EventRule|Schedule/.test(type)) state.name ??= physical;
      const defaults = args.provider ? this.providerTags.get(providerKeyOfReference(args.provider)) : undefined;
      if (defaults) state.tagsAll = { ...defaults, ...((inputs.tags as Record<string, string> | undefined) ?? {}) };
    }
    switch (type) {
      case "aws:sqs/queue:Queue":
        state.url = `https://sqs.${this.region}.amazonaws.com/${MOCK_ACCOUNT}/${physical}`;
        state.arn = `arn:aws:sqs:${this.region}:${MOCK_ACCOUNT}:${physical}`;
        break;
      case "aws:sns/topic:Topic":
        state.arn = `arn:aws:sns:${this.region}:${MOCK_ACCOUNT}:${physical}`;
        break;
      case "aws:lambda/function:Function":
        state.arn = `arn:aws:lambda:${this.region}:${MOCK_ACCOUNT}:function:${physical}`;
        state.invokeArn = `arn:aws:apigateway:${this.region}:lambda:path/2015-03-31/functions/${state.arn}/invocations`;
        break;
      case "aws:kms/key:Key":
        state.keyId = `key-${shortHash(name)}`;
        state.arn = `arn:aws:kms:${this.region}:${MOCK_ACCOUNT}:key/${state.keyId}`;
        break;
      case "aws:iam/role:Role":
        state.arn = `arn:aws:iam::${MOCK_ACCOUNT}:role/${physical}`;
        break;
      case "aws:cloudwatch/logGroup:LogGroup":
        state.arn = `arn:aws:logs:${this.region}:${MOCK_ACCOUNT}:log-group:${physical}`;
        break;
      case "aws:dynamodb/table:Table":
        state.arn = `arn:aws:dynamodb:${this.region}:${MOCK_ACCOUNT}:table/${physical}`;
        break;
      case "aws:s3/bucket:Bucket":
      case "aws:s3/bucketV2:BucketV2":
        state.bucket ??= physical;
        state.arn = `arn:aws:s3:::${state.bucket as string}`;
        state.bucketRegionalDomainName = `${state.bucket as string}.s3.${this.region}.amazonaws.com`;
        break;
      case "aws:ssm/parameter:Parameter":
        state.arn = `arn:aws:ssm:${this.region}:${MOCK_ACCOUNT}:parameter${inputs.name as string}`;
        break;
      case "aws:iam/instanceProfile:InstanceProfile":
        state.arn = `arn:aws:iam::${MOCK_ACCOUNT}:instance-profile/${physical}`;
        break;
      case "aws:ecr/repository:Repository":
        state.arn = `arn:aws:ecr:${this.region}:${MOCK_ACCOUNT}:repository/${physical}`;
        state.repositoryUrl = `${MOCK_ACCOUNT}.dkr.ecr.${this.region}.amazonaws.com/${physical}`;
        break;
      case "aws:ecs/cluster:Cluster":
        state.arn = `arn:aws:ecs:${this.region}:${MOCK_ACCOUNT}:cluster/${physical}`;
        break;
      case "aws:rds/instance:Instance": {
        // The RDS-managed master secret is named rds!db-<uuid> with a 6-character suffix.
        const id = (inputs.identifier as string | undefined) ?? physical;
        const suffix = shortHash(name);
        state.arn = `arn:aws:rds:${this.region}:${MOCK_ACCOUNT}:db:${id}`;
        state.address = `${id}.c${suffix}.${this.region}.rds.amazonaws.com`;
        state.port = (inputs.port as number | undefined) ?? 5432;
        state.endpoint = `${state.address as string}:${String(state.port)}`;
        if (inputs.manageMasterUserPassword === true) {
          state.masterUserSecrets = [{ secretArn: `arn:aws:secretsmanager:${this.region}:${MOCK_ACCOUNT}:secret:rds!db-${suffix}0-0000-4000-8000-${suffix}00000-AbC${suffix.slice(0, 3)}`, secretStatus: "active", kmsKeyId: "alias/aws/secretsmanager" }];
        }
        break;
      }
      // awsx v3 components are remote components: one resource with its inputs, outputs mocked.
      case "awsx:ec2:Vpc": {
        const azs = (inputs.numberOfAvailabilityZones as number | undefined) ?? 2;
        const suffix = shortHash(name);
        state.vpcId = `vpc-${suffix}`;
        const specs = ((inputs.subnetSpecs as { type?: string }[] | undefined) ?? []).map((spec) => spec.type);
        state.publicSubnetIds = Array.from({ length: azs }, (_, i) => `subnet-pub${i}-${suffix}`);
        state.privateSubnetIds = [];
        state.isolatedSubnetIds = specs.includes("Isolated") ? Array.from({ length: azs }, (_, i) => `subnet-iso${i}-${suffix}`) : [];
        state.natGateways = [];
        break;
      }
      case "awsx:ecs:FargateService":
        state.service = { name: physical, arn: `arn:aws:ecs:${this.region}:${MOCK_ACCOUNT}:service/${physical}`, id: physical };
        state.taskDefinition = { arn: `arn:aws:ecs:${this.region}:${MOCK_ACCOUNT}:task-definition/${physical}:1`, family: physical };
        break;
      case "awsx:lb:ApplicationLoadBalancer": {
        const suffix = shortHash(name);
        state.loadBalancer = {
          arn: `arn:aws:elasticloadbalancing:${this.region}:${MOCK_ACCOUNT}:loadbalancer/app/${name}/${suffix}`,
          dnsName: `${name}-${suffix}.${this.region}.elb.amazonaws.com`,
        };
        state.defaultTargetGroup = { arn: `arn:aws:elasticloadbalancing:${this.region}:${MOCK_ACCOUNT}:targetgroup/${name}/${suffix}` };
        state.vpcId = (inputs.defaultTargetGroup as { vpcId?: string } | undefined)?.vpcId;
        break;
      }
      case "awsx:ecr:Repository":
        state.url = `${MOCK_ACCOUNT}.dkr.ecr.${this.region}.amazonaws.com/${physical}`;
        break;
      default:
        break;
    }
    this.record(args, inputs, state);
    return { id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/offline-plan`, userId: "AIDAOFFLINEPLAN", id: MOCK_ACCOUNT };
      case "aws:index/getRegion:getRegion":
        return { name: this.region, region: this.region, id: this.region, endpoint: `ec2.${this.region}.amazonaws.com`, description: this.region };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
      case "aws:index/getAvailabilityZones:getAvailabilityZones":
        return { names: ["a", "b", "c"].map((s) => `${this.region}${s}`), zoneIds: ["az1", "az2", "az3"], id: this.region };
      case "aws:iam/getPolicyDocument:getPolicyDocument":
        return { json: JSON.stringify({ Version: "2012-10-17", Statement: args.inputs.statements ?? [] }), id: "policy" };
      // --- EKS (node optimizer): a public-endpoint cluster with access entries enabled ---
      case "aws:eks/getCluster:getCluster": {
        const name = String(args.inputs.name);
        return {
          id: name,
          name,
          arn: `arn:aws:eks:${this.region}:${MOCK_ACCOUNT}:cluster/${name}`,
          endpoint: `https://${shortHash(name).toUpperCase()}0OFFLINE.gr7.${this.region}.eks.amazonaws.com`,
          certificateAuthorities: [{ data: Buffer.from(`-----BEGIN CERTIFICATE-----\noffline-plan CA of ${name}\n-----END CERTIFICATE-----\n`).toString("base64") }],
          accessConfigs: [{ authenticationMode: "API_AND_CONFIG_MAP", bootstrapClusterCreatorAdminPermissions: true }],
          vpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ["0.0.0.0/0"], subnetIds: [], securityGroupIds: [], vpcId: "vpc-offline" },
          version: "1.33",
          status: "ACTIVE",
        };
      }
      default:
        return { ...args.inputs };
    }
  }

  private record(args: pulumi.runtime.MockResourceArgs, inputs: Record<string, unknown>, state: Record<string, unknown>): void {
    this.resources.push({ type: args.type, name: args.name, inputs, state, provider: args.provider, custom: args.custom ?? true });
  }
}
