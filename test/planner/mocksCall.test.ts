/** The mocks' answers to invokes, one by one, against the shapes AWS (and the provider) return. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MOCK_ACCOUNT, RecordingMocks } from "../../tools/offline/mocks";

const call = (mocks: RecordingMocks, token: string, inputs: Record<string, unknown> = {}) => mocks.call({ token, inputs } as never) as Record<string, unknown>;

describe("RecordingMocks.call", () => {
  it("answers subnets, VPC, zones and AMI lookups with ids in each service's format, stable between calls", () => {
    const m = new RecordingMocks("us-west-2");
    const subnets = call(m, "aws:ec2/getSubnets:getSubnets", { filters: [{ name: "vpc-id", values: ["vpc-0123456789abcdef0"] }] });
    const ids = subnets.ids as string[];
    assert.ok(ids.length >= 2);
    for (const id of ids) assert.match(id, /^subnet-[0-9a-f]{17}$/);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(call(m, "aws:ec2/getSubnets:getSubnets", { filters: [{ name: "vpc-id", values: ["vpc-0123456789abcdef0"] }] }).ids, ids);

    const vpc = call(m, "aws:ec2/getVpc:getVpc", { default: true });
    assert.match(String(vpc.id), /^vpc-[0-9a-f]{17}$/);
    assert.equal(vpc.cidrBlock, "172.31.0.0/16");
    assert.equal(vpc.arn, `arn:aws:ec2:us-west-2:${MOCK_ACCOUNT}:vpc/${vpc.id}`);
    assert.equal(call(m, "aws:ec2/getVpc:getVpc", { id: "vpc-0aaaabbbbccccdddd" }).id, "vpc-0aaaabbbbccccdddd", "a VPC looked up by id keeps it");

    const zones = call(m, "aws:index/getAvailabilityZones:getAvailabilityZones");
    assert.deepEqual(zones.names, ["us-west-2a", "us-west-2b", "us-west-2c"]);
    assert.deepEqual(zones.zoneIds, ["usw2-az1", "usw2-az2", "usw2-az3"]);

    const ami = call(m, "aws:ec2/getAmi:getAmi", { mostRecent: true, owners: ["amazon"], filters: [{ name: "name", values: ["al2023-ami-*-arm64"] }] });
    assert.match(String(ami.id), /^ami-[0-9a-f]{17}$/);
    assert.equal(ami.imageId, ami.id);
    assert.equal(ami.architecture, "arm64");
    assert.equal(ami.rootDeviceType, "ebs");
    assert.equal(call(m, "aws:ec2/getAmi:getAmi", { filters: [{ name: "name", values: ["ubuntu/images/*"] }] }).architecture, "x86_64");
  });

  it("answers the account, the region and parameters", () => {
    const m = new RecordingMocks("eu-west-1");
    assert.equal(call(m, "aws:index/getCallerIdentity:getCallerIdentity").accountId, MOCK_ACCOUNT);
    assert.equal(call(m, "aws:index/getRegion:getRegion").name, "eu-west-1");
    const plain = call(m, "aws:ssm/getParameter:getParameter", { name: "/app/log-level" });
    assert.equal(typeof plain.value, "string");
    assert.ok(String(plain.value).length > 0);
    assert.equal(plain.arn, `arn:aws:ssm:eu-west-1:${MOCK_ACCOUNT}:parameter/app/log-level`);
    assert.match(String(call(m, "aws:ssm/getParameter:getParameter", { name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" }).value), /^ami-[0-9a-f]{17}$/);
    const ecs = JSON.parse(String(call(m, "aws:ssm/getParameter:getParameter", { name: "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended" }).value)) as { image_id: string };
    assert.match(ecs.image_id, /^ami-[0-9a-f]{17}$/);
  });

  it("answers a secret version with a JSON secret string", () => {
    const m = new RecordingMocks("us-east-1");
    const v = call(m, "aws:secretsmanager/getSecretVersion:getSecretVersion", { secretId: "app/db" });
    assert.equal(v.versionStage, "AWSCURRENT");
    assert.match(String(v.arn), new RegExp(`^arn:aws:secretsmanager:us-east-1:${MOCK_ACCOUNT}:secret:app/db-[A-Za-z0-9]{6}$`));
    assert.equal(typeof JSON.parse(String(v.secretString)), "object");
  });

  it("renders a policy document as IAM JSON (one value as a string, principals, conditions, Not* keys)", () => {
    const m = new RecordingMocks("us-east-1");
    const doc = JSON.parse(
      String(
        call(m, "aws:iam/getPolicyDocument:getPolicyDocument", {
          policyId: "p1",
          statements: [
            { actions: ["s3:GetObject", "s3:ListBucket"], resources: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"] },
            { effect: "Deny", notActions: ["iam:*"], notResources: ["*"] },
            { actions: ["sts:AssumeRole"], principals: [{ type: "AWS", identifiers: ["*"] }] },
            { actions: ["s3:PutObject"], resources: ["*"], principals: [{ type: "*", identifiers: ["*"] }], conditions: [{ test: "StringEquals", variable: "aws:PrincipalOrgID", values: ["o-1", "o-2"] }] },
          ],
        }).json,
      ),
    );
    assert.deepEqual(doc, {
      Version: "2012-10-17",
      Id: "p1",
      Statement: [
        { Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"] },
        { Effect: "Deny", NotAction: "iam:*", NotResource: "*" },
        { Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: "*" } },
        { Effect: "Allow", Action: "s3:PutObject", Resource: "*", Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": ["o-1", "o-2"] } } },
      ],
    });
  });

  it("merges source documents' statements first, and an override's statement replaces one with the same Sid", () => {
    const m = new RecordingMocks("us-east-1");
    const source = JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "A", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] });
    const override = JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "B", Effect: "Deny", Action: "s3:*", Resource: "*" }] });
    const doc = JSON.parse(
      String(call(m, "aws:iam/getPolicyDocument:getPolicyDocument", { sourcePolicyDocuments: [source], overridePolicyDocuments: [override], statements: [{ sid: "B", actions: ["s3:PutObject"], resources: ["*"] }] }).json),
    ) as { Statement: { Sid?: string; Effect: string }[] };
    assert.deepEqual(doc.Statement.map((s) => `${s.Sid}:${s.Effect}`), ["A:Allow", "B:Deny"]);
  });

  it("records each token it could not answer, and answers it with its inputs as before", () => {
    const m = new RecordingMocks("us-east-1");
    assert.deepEqual(call(m, "aws:route53/getZone:getZone", { name: "example.com" }), { name: "example.com" });
    call(m, "aws:route53/getZone:getZone", { name: "example.org" });
    call(m, "aws:index/getRegion:getRegion");
    assert.deepEqual(m.unansweredInvokes, [{ token: "aws:route53/getZone:getZone", calls: 2 }]);
  });
});
