/**
 * Remote components expanded by rule (tools/offline/expand.ts): what awsx, eks and aws-apigateway
 * create from their inputs, as a real preview would register it. Built on engine records by hand:
 * the fixture programs (test/pricing/programs.test.ts) cover the same through `npm run plan`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { engineUrn, UNKNOWN, type EngineResource, type WireMap } from "../../tools/offline/engine";
import { expandComponents } from "../../tools/offline/expand";

const STACK = { stack: "dev", project: "demo", region: "us-east-1", firstPreview: true, config: { "aws:region": "us-east-1", "aws:defaultTags": JSON.stringify({ tags: { Environment: "dev" } }) } };
const root = engineUrn("dev", "demo", undefined, "pulumi:pulumi:Stack", "demo-dev");

function component(type: string, name: string, inputs: WireMap, parent = root, providers?: Record<string, string>): EngineResource {
  return { urn: engineUrn("dev", "demo", parent, type, name), type, name, custom: false, parent, inputs, outputs: { ...inputs }, dependencies: [], propertyDependencies: {}, ...(providers ? { providers } : {}) };
}
const expand = (...resources: EngineResource[]) => expandComponents(resources, STACK);
const ofType = (x: ReturnType<typeof expand>, type: string) => x.engine.filter((r) => r.type === type);

describe("awsx:ec2:Vpc expanded by rule", () => {
  it("Single: one NAT gateway and one Elastic IP, which every private subnet routes through", () => {
    const x = expand(component("awsx:ec2:Vpc", "net", { numberOfAvailabilityZones: 2, natGateways: { strategy: "Single" } }));
    const [nat, ...more] = ofType(x, "aws:ec2/natGateway:NatGateway");
    assert.deepEqual(more, []);
    assert.equal(nat!.name, "net-1");
    assert.equal(ofType(x, "aws:ec2/eip:Eip").length, 1);
    const privateRoutes = ofType(x, "aws:ec2/route:Route").filter((r) => r.name.includes("private"));
    assert.equal(privateRoutes.length, 2);
    assert.ok(privateRoutes.every((r) => r.propertyDependencies.natGatewayId?.[0] === nat!.urn));
    assert.equal(ofType(x, "aws:ec2/subnet:Subnet").length, 4);
  });

  it("None, or no private subnet to use them: no NAT gateway; given Elastic IPs: no new ones", () => {
    assert.equal(ofType(expand(component("awsx:ec2:Vpc", "net", { natGateways: { strategy: "None" } })), "aws:ec2/natGateway:NatGateway").length, 0);
    assert.equal(ofType(expand(component("awsx:ec2:Vpc", "net", { subnetSpecs: [{ type: "Public" }] })), "aws:ec2/natGateway:NatGateway").length, 0, "awsx refuses NAT gateways without private subnets");
    const given = expand(component("awsx:ec2:Vpc", "net", { numberOfAvailabilityZones: 2, natGateways: { strategy: "OnePerAz", elasticIpAllocationIds: ["eipalloc-1", "eipalloc-2"] } }));
    assert.deepEqual(ofType(given, "aws:ec2/natGateway:NatGateway").map((n) => n.inputs.allocationId), ["eipalloc-1", "eipalloc-2"]);
    assert.equal(ofType(given, "aws:ec2/eip:Eip").length, 0);
  });

  it("is not expanded when its NAT strategy is unknown at preview, and says so", () => {
    const x = expand(component("awsx:ec2:Vpc", "net", { natGateways: { strategy: UNKNOWN } }));
    assert.equal(x.expanded.size, 0);
    assert.match(x.notes[0]!, /net \(awsx:ec2:Vpc\) was not expanded: natGateways is unknown at preview/);
  });

  it("children are what a first preview shows: engine URNs, ids unknown, the provider's default tags in tagsAll", () => {
    const x = expand(component("awsx:ec2:Vpc", "net", { numberOfAvailabilityZones: 1, tags: { Team: "data" } }));
    const subnet = ofType(x, "aws:ec2/subnet:Subnet").find((s) => s.name === "net-public-1")!;
    assert.equal(subnet.urn, "urn:pulumi:dev::demo::awsx:ec2:Vpc$aws:ec2/vpc:Vpc$aws:ec2/subnet:Subnet::net-public-1");
    assert.equal(subnet.inputs.mapPublicIpOnLaunch, true);
    assert.equal(subnet.inputs.vpcId, UNKNOWN);
    assert.equal(subnet.outputs.id, UNKNOWN);
    assert.deepEqual(subnet.outputs.tagsAll, { Environment: "dev", Name: "net-public-1", Team: "data", SubnetType: "Public" });
    const provider = x.engine.find((r) => r.urn === subnet.provider)!;
    assert.match(provider.urn, /::pulumi:providers:aws::default_\d+_\d+_\d+$/, "the default provider, registered before its first user");
    assert.ok(x.engine.indexOf(provider) < x.engine.indexOf(subnet));
  });

  it("children use the AWS provider their component inherits from a parent component", () => {
    const p: EngineResource = { urn: engineUrn("dev", "demo", undefined, "pulumi:providers:aws", "aws"), type: "pulumi:providers:aws", name: "aws", custom: true, inputs: { region: "eu-west-1" }, outputs: {}, dependencies: [], propertyDependencies: {} };
    const outer = component("acme:net:Network", "outer", {}, root, { aws: p.urn });
    const x = expand(p, outer, component("awsx:ec2:Vpc", "net", {}, outer.urn));
    const children = x.engine.filter((r) => x.expanded.has(r.urn) && r.custom);
    assert.ok(children.length > 0);
    assert.ok(children.every((c) => c.provider === p.urn));
  });

  it("a component that already has its children (a real engine's record) is left alone", () => {
    const vpc = component("awsx:ec2:Vpc", "net", {});
    const child: EngineResource = { ...component("aws:ec2/vpc:Vpc", "net", {}, vpc.urn), custom: true };
    assert.equal(expand(vpc, child).expanded.size, 0);
  });
});

describe("eks and aws-apigateway components expanded by rule", () => {
  it("eks:index:Cluster: a default node group of t3.medium × 2 unless skipped, Fargate or Auto Mode", () => {
    const x = expand(component("eks:index:Cluster", "k8s", {}));
    assert.deepEqual(ofType(x, "aws:ec2/launchTemplate:LaunchTemplate").map((r) => r.inputs.instanceType), ["t3.medium"]);
    assert.deepEqual(ofType(x, "aws:autoscaling/group:Group").map((r) => r.inputs.desiredCapacity), [2]);
    for (const off of [{ skipDefaultNodeGroup: true }, { fargate: true }, { autoMode: { enabled: true } }] as WireMap[]) {
      const y = expand(component("eks:index:Cluster", "k8s", off));
      assert.deepEqual(y.engine.filter((r) => y.expanded.has(r.urn)).map((r) => r.type), ["aws:eks/cluster:Cluster"], JSON.stringify(off));
    }
  });

  it("aws-apigateway:index:RestAPI: the REST API, its deployment and stage, a Lambda permission per handler", () => {
    const x = expand(component("aws-apigateway:index:RestAPI", "api", { routes: [{ path: "/", method: "GET", eventHandler: UNKNOWN }, { path: "/static", localPath: "www" }] }));
    assert.deepEqual(x.engine.filter((r) => x.expanded.has(r.urn)).map((r) => r.type).sort(), ["aws:apigateway/deployment:Deployment", "aws:apigateway/restApi:RestApi", "aws:apigateway/stage:Stage", "aws:lambda/permission:Permission"]);
    assert.equal(ofType(x, "aws:apigateway/stage:Stage")[0]!.inputs.stageName, "stage");
  });
});
