/**
 * Small Pulumi programs (test/fixtures/programs) planned as `npm run plan -- --program DIR` plans
 * them, each of a shape the estimator used to get wrong: instance families outside the old
 * 11-family catalog, resources it could not price counted as $0 while the cap passed, remote
 * components (awsx, eks, aws-apigateway) whose children the mocks never show, usage-priced
 * services, free types reported as unpriced. Expected figures are list prices (us-east-1,
 * 730 h/month) worked out by hand below.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { planHere } from "../planner/cli";

const H = 730;

interface LineItem {
  resource: string;
  type: string;
  what: string;
  monthlyUsd: number;
  basis: string;
  expandedFrom?: string;
  dependsOnUsage?: string;
}
interface PlanJson {
  resources: { type: string; name: string }[];
  expanded: { urn: string; type: string; name: string; component: string }[];
  estimate: { lineItems: LineItem[]; unpriced: { resource: string; type: string; reason: string }[]; listMonthlyUsd: number; afterFreeTierMonthlyUsd: number; freeResources: number };
  policies: { results: { name: string; violations: { level: string; message: string; urn?: string }[] }[] };
}

const cache = new Map<string, Promise<{ code: number | null; out: string }>>();
/** `npm run plan -- --program test/fixtures/programs/<program>`, run once per arguments. */
function plan(program: string, opts: { stack?: string; json?: boolean } = {}): Promise<{ code: number | null; out: string }> {
  const args = ["--program", path.join("test", "fixtures", "programs", program), "--stack", opts.stack ?? "dev", ...(opts.json ? ["--json"] : [])];
  const key = args.join(" ");
  if (!cache.has(key)) {
    cache.set(
      key,
      planHere(...args).then((r) => {
        assert.ok(r.status === 0 || r.status === 1, `plan of ${program} failed (${r.status}):\n${r.stderr}`);
        return { code: r.status, out: r.stdout };
      }),
    );
  }
  return cache.get(key)!;
}
const planJson = async (program: string, stack = "dev") => JSON.parse((await plan(program, { stack, json: true })).out) as PlanJson;
const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 0.005, `${what}: ${actual} ≠ ${expected}`);
const sumOf = (items: LineItem[]) => items.reduce((s, i) => s + i.monthlyUsd, 0);
const itemsOf = (p: PlanJson, resource: string) => p.estimate.lineItems.filter((i) => i.resource === resource);
const violationsOf = (p: PlanJson, policy: string) => p.policies.results.find((r) => r.name === policy)!.violations.filter((v) => !v.message.startsWith("can't run "));

describe("prices: complete, and never a silent $0", { timeout: 120_000 }, () => {
  it("a t2.micro web server is priced, with the public IPv4 its subnet maps on launch", async () => {
    const p = await planJson("web-t2");
    assert.deepEqual(p.estimate.unpriced, []);
    const t2 = 0.0116; // t2.micro, us-east-1 (AWS Price List, 2026-07-20)
    near(sumOf(itemsOf(p, "web")), t2 * H + 8 * 0.08 + 0.005 * H, "web: t2.micro + 8 GB gp3 + public IPv4 (subnet maps public IPs)");
    near(sumOf(itemsOf(p, "worker")), t2 * H + 8 * 0.08, "worker: private subnet, no public IPv4");
    assert.match((await plan("web-t2")).out, /TOTAL\s+\$21\.87/);
  });

  it("an x1e.32xlarge is priced at $26.688/h and breaks the cap instead of passing it", async () => {
    const p = await planJson("big-memory");
    const compute = itemsOf(p, "analytics").find((i) => i.what.startsWith("x1e.32xlarge"))!;
    near(compute.monthlyUsd, 26.688 * H, "x1e.32xlarge on-demand");
    assert.ok(itemsOf(p, "analytics").some((i) => /public IPv4/.test(i.what) && /default VPC/.test(i.basis)), "the default VPC maps public IPs on launch");
    const cap = violationsOf(p, "stack-cost-cap");
    assert.equal(cap.length, 1);
    assert.equal(cap[0]!.level, "mandatory");
    assert.match(cap[0]!.message, /\$19,?4\d\d\.\d\d\/month after the free tier exceeds the cap/);
  });

  it("what the catalog cannot price is named, and the total is a lower bound the cap cannot confirm (warn)", async () => {
    const p = await planJson("unpriced");
    assert.deepEqual(p.estimate.unpriced.map((u) => u.resource).sort(), ["notebook", "site"], "the remote component of an AWS package is not skipped");
    const cap = p.policies.results.find((r) => r.name === "stack-cost-cap")!.violations;
    assert.equal(cap.length, 1);
    assert.equal(cap[0]!.level, "advisory");
    assert.match(cap[0]!.message, /^Estimated stack cost ≥ \$8\.23\/month after the free tier \(cap \$50\.00\): 2 resources could not be priced: /);
    assert.match(cap[0]!.message, /notebook \(aws:sagemaker\/notebookInstance:NotebookInstance\)/);
    assert.match(cap[0]!.message, /site \(aws-static-website:index:Website\)/);
    const text = (await plan("unpriced")).out;
    assert.match(text, /TOTAL\s+≥ \$8\.23/);
    assert.match(text, /Caps \(stack-cost-cap, mandatory\): ≥ \$8\.23 after free tier, cap \$50\.00 not confirmed: 2 resources unpriced/);
    assert.doesNotMatch(text, /Every resource with a price was priced/);
    assert.match(text, /site \(aws-static-website:index:Website\): a remote component the plan cannot open/);
    assert.equal((await plan("unpriced")).code, 0, "warn: advisory only");
  });

  it("with unpriced: fail, an unpriced resource fails the cap rule", async () => {
    const p = await planJson("unpriced", "strict");
    const cap = p.policies.results.find((r) => r.name === "stack-cost-cap")!.violations;
    assert.equal(cap.length, 1);
    assert.equal(cap[0]!.level, "mandatory");
    assert.equal((await plan("unpriced", { stack: "strict", json: true })).code, 1);
  });

  it("usage-priced services appear with their rate as 'depends on usage'; capacity the inputs fix is priced", async () => {
    const p = await planJson("usage-priced");
    assert.deepEqual(p.estimate.unpriced, []);
    const usage = (resource: string) => p.estimate.lineItems.filter((i) => i.resource === resource && i.dependsOnUsage);
    for (const [resource, rate] of [
      ["api-lb", /\$0\.008 per LCU-hour/],
      ["cdn", /\$0\.085 per GB/],
      ["rest", /\$3\.50 per million requests/],
      ["http", /\$1\.00 per million requests/],
      ["www", /\$0\.40 per million queries/],
      ["shared", /\$0\.30 per GB-month/],
      ["events", /\$0\.014 per million PUT payload units/],
    ] as const) {
      assert.ok(usage(resource).some((i) => rate.test(i.dependsOnUsage!)), `${resource}: ${JSON.stringify(usage(resource))}`);
      assert.ok(usage(resource).every((i) => i.monthlyUsd === 0), `${resource}: not counted in the total`);
    }
    near(sumOf(itemsOf(p, "events")), 2 * 0.015 * H, "Kinesis: 2 shards");
    near(sumOf(itemsOf(p, "sessions")), 2 * 0.1752 * H, "ElastiCache: 2 × cache.r7g.large Valkey");
    near(itemsOf(p, "warehouse").find((i) => i.what.startsWith("db.m5.8xlarge"))!.monthlyUsd, 0.178 * 16 * H, "db.m5.8xlarge PostgreSQL (16 × db.m5.large)");
    near(sumOf(itemsOf(p, "zone")), 0.5, "hosted zone");
    const text = (await plan("usage-priced")).out;
    assert.match(text, /Depends on usage \(not in the total\):/);
    assert.match(text, /api-lb\s+load balancer capacity units\s+\$0\.008 per LCU-hour/);
  });

  it("free types are recognised as free, not as 'no pricing rule'", async () => {
    const p = await planJson("free-types");
    assert.deepEqual(p.estimate.unpriced, []);
    assert.equal(p.estimate.listMonthlyUsd, 0);
    assert.ok(p.estimate.freeResources >= 13, `free resources: ${p.estimate.freeResources}`);
    assert.match((await plan("free-types")).out, /Every resource with a price was priced\./);
  });
});

describe("components the mocks cannot open are expanded by rule", { timeout: 120_000 }, () => {
  it("awsx:ec2:Vpc: one NAT gateway and Elastic IP per AZ over 3 AZs, each a child the policy rules see", async () => {
    const p = await planJson("awsx-vpc");
    const nats = p.expanded.filter((r) => r.type === "aws:ec2/natGateway:NatGateway");
    assert.deepEqual(nats.map((n) => n.name).sort(), ["main-1", "main-2", "main-3"]);
    assert.equal(nats[0]!.urn, "urn:pulumi:dev::awsx-vpc::awsx:ec2:Vpc$aws:ec2/vpc:Vpc$aws:ec2/subnet:Subnet$aws:ec2/natGateway:NatGateway::main-1");
    assert.equal(p.expanded.filter((r) => r.type === "aws:ec2/subnet:Subnet").length, 6, "a public and a private subnet per AZ");
    const natItems = p.estimate.lineItems.filter((i) => i.type === "aws:ec2/natGateway:NatGateway" && i.what === "NAT gateway");
    assert.equal(natItems.length, 3);
    near(sumOf(natItems), 98.55, "3 × $0.045/h × 730 h");
    assert.ok(natItems.every((i) => i.expandedFrom === "main"), "marked as expanded by rule from the VPC");
    near(sumOf(p.estimate.lineItems.filter((i) => i.type === "aws:ec2/eip:Eip")), 3 * 3.65, "3 Elastic IPs");
    const forbidden = violationsOf(p, "forbidden-resource-types").map((v) => v.urn ?? "");
    assert.equal(forbidden.filter((u) => /\$aws:ec2\/(natGateway:NatGateway|eip:Eip)::main-[123]$/.test(u)).length, 6, "3 NAT gateways and 3 EIPs flagged");
    const text = (await plan("awsx-vpc")).out;
    assert.match(text, /aws:ec2\/natGateway:NatGateway\s+main-1\s+\(expanded by rule\)/);
    assert.match(text, /main-1 †/);
    assert.match(text, /† expanded by rule/);
  });

  it("eks:index:Cluster: the control plane and its default node group; a managed node group by its scaling config", async () => {
    const p = await planJson("eks-nodes");
    assert.deepEqual(p.estimate.unpriced, []);
    const nodes = p.estimate.lineItems.filter((i) => i.what.startsWith("3 × m5.4xlarge"));
    assert.equal(nodes.length, 1);
    near(nodes[0]!.monthlyUsd, 3 * 0.768 * H, "3 × m5.4xlarge");
    assert.equal(nodes[0]!.expandedFrom, "analytics");
    near(p.estimate.lineItems.find((i) => i.what === "EKS control plane")!.monthlyUsd, 73, "control plane");
    near(p.estimate.lineItems.find((i) => i.what.startsWith("2 × t3.large"))!.monthlyUsd, 2 * 0.0832 * H, "managed node group 2 × t3.large");
    assert.ok(violationsOf(p, "allowed-instance-types").some((v) => /aws:ec2\/launchTemplate:LaunchTemplate "analytics-launchTemplate" uses m5\.4xlarge/.test(v.message)), "the node launch template is checked too");
  });

  it("awsx FargateService and ApplicationLoadBalancer: the task size rounded up as awsx does, the load balancer as a child", async () => {
    const p = await planJson("fargate-alb");
    const tasks = p.estimate.lineItems.find((i) => i.type === "aws:ecs/service:Service" && /Fargate task/.test(i.what))!;
    assert.match(tasks.basis, /0\.5 vCPU\/1 GB/);
    near(tasks.monthlyUsd, 2 * (0.5 * 0.04048 + 1 * 0.004445) * H, "2 × 0.5 vCPU / 1 GB");
    const lb = p.estimate.lineItems.find((i) => i.type === "aws:lb/loadBalancer:LoadBalancer" && i.what === "application load balancer")!;
    near(lb.monthlyUsd, 0.0225 * H, "ALB hourly");
    assert.equal(lb.expandedFrom, "web-lb");
    assert.ok(violationsOf(p, "forbidden-resource-types").some((v) => /aws:lb\/loadBalancer:LoadBalancer "web-lb"/.test(v.message)));
  });
});
