/**
 * Answers to the lookups (invokes) programs make most, shaped as AWS and the provider return
 * them: ids in each service's format, stable for the same arguments, so what a program builds
 * from them (an instance in a subnet from an AMI, a role policy from a policy document) is what
 * the rules and the estimator see. A lookup not listed here gets no answer (`undefined`): the
 * mocks then record its token for the plan's output.
 */
import { hex17, shortHash, uuid } from "./arns";

export interface InvokeContext {
  region: string;
  account: string;
}

type Inputs = Record<string, unknown>;
type Answer = Record<string, unknown>;

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const filterValues = (inputs: Inputs, name: string): string[] =>
  list(inputs.filters).flatMap((f) => (f && typeof f === "object" && (f as { name?: unknown }).name === name ? list((f as { values?: unknown }).values).map(String) : []));
/** The same arguments always give the same ids. */
const keyOf = (token: string, inputs: Inputs) => `${token}:${JSON.stringify(inputs)}`;

/** `us-east-1` → `use1`, `ap-southeast-2` → `apse2`: the prefix of the region's zone ids. */
export function zoneIdPrefix(region: string): string {
  const parts = region.split("-");
  const number = parts.pop() ?? "1";
  const [area = "us", ...rest] = parts;
  const directions: Record<string, string> = { northeast: "ne", northwest: "nw", southeast: "se", southwest: "sw", central: "c", north: "n", south: "s", east: "e", west: "w", gov: "g" };
  return `${area}${rest.map((p) => directions[p] ?? p[0]).join("")}${number}`;
}

function amiId(seed: string): string {
  return `ami-${hex17(seed)}`;
}

function ami(inputs: Inputs, ctx: InvokeContext): Answer {
  const names = filterValues(inputs, "name");
  const arch = filterValues(inputs, "architecture")[0] ?? (names.some((n) => /arm64|aarch64/.test(n)) ? "arm64" : "x86_64");
  const id = amiId(keyOf("ami", inputs));
  const name = (names[0] ?? "offline-plan-image").replace(/\*/g, "20250101");
  const owner = list(inputs.owners).map(String)[0];
  return {
    id,
    imageId: id,
    arn: `arn:aws:ec2:${ctx.region}::image/${id}`,
    name,
    architecture: arch,
    ownerId: owner && /^\d{12}$/.test(owner) ? owner : "137112412989",
    imageOwnerAlias: owner === "amazon" ? "amazon" : undefined,
    platformDetails: "Linux/UNIX",
    rootDeviceName: "/dev/xvda",
    rootDeviceType: "ebs",
    virtualizationType: "hvm",
    state: "available",
    public: true,
    creationDate: "2025-01-01T00:00:00.000Z",
    blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volume_size: "8", volume_type: "gp3", delete_on_termination: "true", encrypted: "false" } }],
    mostRecent: inputs.mostRecent ?? false,
    owners: inputs.owners ?? [],
    filters: inputs.filters ?? [],
  };
}

/** A public AMI parameter's value is an AMI id; the ECS "recommended" ones are a JSON record. */
function parameterValue(name: string): string {
  if (/^\/aws\/service\/ecs\/optimized-ami\/.*\/recommended$/.test(name)) {
    return JSON.stringify({ image_id: amiId(name), image_name: "amzn2-ami-ecs-hvm-2.0.20250101-x86_64-ebs", os: "Amazon Linux 2", ecs_agent_version: "1.90.0" });
  }
  if (/^\/aws\/service\/.*(ami|image_id)/.test(name)) return amiId(name);
  return `offline-plan-value-of-${name.replace(/^\//, "").replace(/\//g, "-")}`;
}

/** Terraform's policy document: a single value is written as a string, a list as an array. */
const oneOrMany = (v: unknown): unknown => {
  const items = list(v).map(String);
  return items.length === 1 ? items[0] : items;
};

function principals(v: unknown): unknown {
  const out: Record<string, unknown> = {};
  for (const p of list(v) as { type?: string; identifiers?: unknown }[]) {
    if (p.type === "*") return "*";
    const ids = [...list(out[p.type ?? "AWS"]), ...list(p.identifiers)];
    out[p.type ?? "AWS"] = ids;
  }
  return Object.fromEntries(Object.entries(out).map(([k, ids]) => [k, oneOrMany(ids)]));
}

function statement(s: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (s.sid) out.Sid = s.sid;
  out.Effect = s.effect ?? "Allow";
  if (list(s.actions).length) out.Action = oneOrMany(s.actions);
  if (list(s.notActions).length) out.NotAction = oneOrMany(s.notActions);
  if (list(s.resources).length) out.Resource = oneOrMany(s.resources);
  if (list(s.notResources).length) out.NotResource = oneOrMany(s.notResources);
  if (list(s.principals).length) out.Principal = principals(s.principals);
  if (list(s.notPrincipals).length) out.NotPrincipal = principals(s.notPrincipals);
  const conditions = list(s.conditions) as { test: string; variable: string; values: unknown }[];
  if (conditions.length) {
    const c: Record<string, Record<string, unknown>> = {};
    for (const { test, variable, values } of conditions) (c[test] ??= {})[variable] = oneOrMany(values);
    out.Condition = c;
  }
  return out;
}

/**
 * aws.iam.getPolicyDocument as the provider renders it: source documents' statements first, then
 * the program's (replacing a source statement with the same Sid), then overrides (replacing by
 * Sid, else appended).
 */
export function policyDocumentJson(inputs: Inputs): string {
  const parsed = (docs: unknown) => list(docs).flatMap((d) => list((JSON.parse(String(d)) as { Statement?: unknown }).Statement) as Record<string, unknown>[]);
  const merged: Record<string, unknown>[] = [];
  const put = (s: Record<string, unknown>) => {
    const at = s.Sid ? merged.findIndex((m) => m.Sid === s.Sid) : -1;
    if (at >= 0) merged[at] = s;
    else merged.push(s);
  };
  parsed(inputs.sourcePolicyDocuments).forEach(put);
  (list(inputs.statements) as Record<string, unknown>[]).map(statement).forEach(put);
  parsed(inputs.overridePolicyDocuments).forEach(put);
  const doc: Record<string, unknown> = { Version: inputs.version ?? "2012-10-17" };
  if (inputs.policyId) doc.Id = inputs.policyId;
  doc.Statement = merged;
  return JSON.stringify(doc, null, 2);
}

/** The answer to `token` called with `inputs`, or undefined when the plan cannot answer it. */
export function answerInvoke(token: string, inputs: Inputs, ctx: InvokeContext): Answer | undefined {
  const { region, account } = ctx;
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: account, arn: `arn:aws:iam::${account}:user/offline-plan`, userId: "AIDAOFFLINEPLAN", id: account };
    case "aws:index/getRegion:getRegion":
      return { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      const prefix = zoneIdPrefix(region);
      return { names: ["a", "b", "c"].map((s) => `${region}${s}`), zoneIds: [1, 2, 3].map((n) => `${prefix}-az${n}`), groupNames: [region], state: inputs.state ?? "available", id: region };
    }
    case "aws:ec2/getVpc:getVpc": {
      const id = typeof inputs.id === "string" ? inputs.id : `vpc-${hex17(keyOf(token, inputs))}`;
      const isDefault = inputs.default === true;
      return {
        id,
        arn: `arn:aws:ec2:${region}:${account}:vpc/${id}`,
        cidrBlock: typeof inputs.cidrBlock === "string" ? inputs.cidrBlock : isDefault ? "172.31.0.0/16" : "10.0.0.0/16",
        default: isDefault,
        ownerId: account,
        instanceTenancy: "default",
        enableDnsHostnames: isDefault,
        enableDnsSupport: true,
        mainRouteTableId: `rtb-${hex17(`${id}/main`)}`,
        dhcpOptionsId: `dopt-${hex17(`${id}/dhcp`)}`,
        state: "available",
        tags: inputs.tags ?? {},
      };
    }
    case "aws:ec2/getSubnets:getSubnets": {
      const seed = keyOf(token, inputs);
      return { ids: [1, 2, 3].map((n) => `subnet-${hex17(`${seed}/${n}`)}`), filters: inputs.filters ?? [], tags: inputs.tags, id: region };
    }
    case "aws:ec2/getSubnet:getSubnet": {
      const id = typeof inputs.id === "string" ? inputs.id : `subnet-${hex17(keyOf(token, inputs))}`;
      return { id, arn: `arn:aws:ec2:${region}:${account}:subnet/${id}`, vpcId: `vpc-${hex17(`${id}/vpc`)}`, cidrBlock: "172.31.0.0/20", availabilityZone: `${region}a`, availabilityZoneId: `${zoneIdPrefix(region)}-az1`, mapPublicIpOnLaunch: true, ownerId: account, state: "available", tags: inputs.tags ?? {} };
    }
    case "aws:ec2/getAmi:getAmi":
      return ami(inputs, ctx);
    case "aws:ssm/getParameter:getParameter": {
      const name = String(inputs.name ?? "");
      const arnPath = name.startsWith("/") ? name : `/${name}`;
      const value = parameterValue(name);
      return { id: name, name, arn: `arn:aws:ssm:${region}:${account}:parameter${arnPath}`, type: "String", value, insecureValue: value, version: 1, withDecryption: inputs.withDecryption ?? true };
    }
    case "aws:secretsmanager/getSecretVersion:getSecretVersion": {
      const secretId = String(inputs.secretId ?? "secret");
      const name = secretId.startsWith("arn:") ? (secretId.split(":secret:")[1] ?? secretId).replace(/-[A-Za-z0-9]{6}$/, "") : secretId;
      const arn = secretId.startsWith("arn:") ? secretId : `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${shortHash(name).slice(0, 6).replace(/^./, "A")}`;
      const stage = typeof inputs.versionStage === "string" ? inputs.versionStage : "AWSCURRENT";
      const versionId = typeof inputs.versionId === "string" ? inputs.versionId : uuid(arn);
      // Most programs keep a JSON record in a secret and parse it: give one (placeholder values).
      const secretString = JSON.stringify({ username: "offline_plan_user", password: "offline-plan-placeholder", host: `${name.replace(/[^a-z0-9-]/gi, "-")}.offline.invalid`, port: 5432 });
      return { id: `${arn}|${stage}`, arn, secretId, secretString, secretBinary: "", versionId, versionStage: stage, versionStages: [stage], createdDate: "2025-01-01T00:00:00Z" };
    }
    case "aws:iam/getPolicyDocument:getPolicyDocument": {
      const json = policyDocumentJson(inputs);
      return { json, minifiedJson: JSON.stringify(JSON.parse(json)), id: shortHash(json) };
    }
    default:
      return undefined;
  }
}
