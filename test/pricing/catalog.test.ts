import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { catalog, HOURS_PER_MONTH, SOURCES } from "../../runtime/pricing/catalog";
import { elasticacheQuote } from "../../runtime/pricing/elasticache";

describe("pricing catalog", () => {
  it("has the hand-checked figures for us-east-1", () => {
    assert.equal(catalog.ec2OnDemandHourly("us-east-1", "t3.medium"), 0.0416);
    assert.equal(catalog.publicIpv4Hourly("us-east-1"), 0.005);
    assert.equal(catalog.natGatewayHourly("us-east-1"), 0.045);
    assert.equal(catalog.natGatewayPerGb("us-east-1"), 0.045);
    assert.equal(catalog.ebsGbMonth("us-east-1", "gp3"), 0.08);
    assert.equal(catalog.ebsGbMonth("us-east-1", "gp2"), 0.1);
    assert.equal(catalog.snapshotGbMonth("us-east-1"), 0.05);
    assert.equal(catalog.costExplorerPerRequest(), 0.01);
    const cw = catalog.cloudwatch("us-east-1");
    assert.deepEqual([cw.alarmMonth, cw.dashboardMonth, cw.customMetricMonth], [0.1, 3, 0.3]);
    assert.equal(HOURS_PER_MONTH, 730);
  });

  it("scales sizes within a family by their normalization factor", () => {
    assert.equal(catalog.ec2OnDemandHourly("us-east-1", "t3.nano"), 0.0052);
    assert.equal(catalog.ec2OnDemandHourly("us-east-1", "t3.micro"), 0.0104);
    assert.equal(catalog.ec2OnDemandHourly("us-east-1", "m5.4xlarge"), 0.768);
    assert.equal(catalog.ec2OnDemandHourly("us-east-1", "c7g.medium"), 0.0363, "AWS lists it rounded: $0.0363, not 0.0725 / 2");
    assert.equal(catalog.ec2OnDemandHourly("us-east-1", "t4g.micro"), 0.0084);
  });

  it("prices every covered family in all three regions, Ireland dearer than Virginia", () => {
    for (const family of ["t3", "t4g", "m5", "m6i", "m7g", "c5", "c6i", "c7g", "r5", "r6i", "r7g"]) {
      const us = catalog.ec2OnDemandHourly("us-east-1", `${family}.large`)!;
      assert.ok(us > 0, family);
      assert.equal(catalog.ec2OnDemandHourly("us-west-2", `${family}.large`), us);
      assert.ok(catalog.ec2OnDemandHourly("eu-west-1", `${family}.large`)! > us, family);
    }
    const types = catalog.instanceTypes("us-east-1");
    for (const t of ["t3.nano", "t4g.2xlarge", "m7g.medium", "r6i.4xlarge"]) assert.ok(types.includes(t), t);
    assert.ok(!types.includes("m5.medium"), "m5 has no medium size");
  });

  it("knows instance specs and architecture, and says undefined for what does not exist", () => {
    assert.deepEqual(catalog.instanceSpec("m7g.xlarge"), { instanceType: "m7g.xlarge", vcpu: 4, memoryGiB: 16, architecture: "arm64" });
    assert.deepEqual(catalog.instanceSpec("r5.large"), { instanceType: "r5.large", vcpu: 2, memoryGiB: 16, architecture: "x86_64" });
    assert.equal(catalog.instanceSpec("m5.nano"), undefined);
    assert.equal(catalog.ec2OnDemandHourly("us-east-1", "m5.nano"), undefined);
    assert.equal(catalog.ec2SpotHourly("us-east-1", "t3.mediun"), undefined);
    assert.equal(catalog.rdsHourly("us-east-1", "db.x2g.16xlarge", "postgres", false), undefined);
  });

  it("estimates spot below on-demand and Fargate Spot below Fargate", () => {
    const od = catalog.ec2OnDemandHourly("us-east-1", "m5.large")!;
    const spot = catalog.ec2SpotHourly("us-east-1", "m5.large")!;
    assert.ok(spot < od / 2 && spot > 0);
    const fg = catalog.fargateHourly("us-east-1", 0.25, 0.5);
    assert.ok(Math.abs(fg - (0.25 * 0.04048 + 0.5 * 0.004445)) < 1e-9);
    assert.ok(catalog.fargateHourly("us-east-1", 0.25, 0.5, { spot: true }) < fg);
    assert.ok(catalog.fargateHourly("us-east-1", 0.25, 0.5, { architecture: "arm64" }) < fg);
  });

  it("bills multi-AZ RDS twice, instance and storage", () => {
    const single = catalog.rdsHourly("us-east-1", "db.t4g.micro", "postgres", false)!;
    assert.equal(catalog.rdsHourly("us-east-1", "db.t4g.micro", "postgres", true), single * 2);
    assert.equal(catalog.rdsStorageGbMonth("us-east-1", "gp3", true), 2 * catalog.rdsStorageGbMonth("us-east-1", "gp3", false));
  });

  it("prices the serverless services the guard uses", () => {
    const l = catalog.lambda("us-east-1");
    assert.equal(l.perRequest * 1e6, 0.2);
    assert.ok(l.gbSecond.arm64 < l.gbSecond.x86_64);
    assert.equal(catalog.kmsKeyMonth("us-east-1"), 1);
    assert.equal(catalog.ssmParameterMonth("us-east-1", "Standard"), 0);
    assert.equal(catalog.secretsManagerSecretMonth("us-east-1"), 0.4);
    assert.equal(catalog.loadBalancerHourly("us-east-1", "application"), 0.0225);
    assert.ok(elasticacheQuote("us-east-1", "cache.t4g.micro", "redis")!.hourly > 0);
  });

  it("dates and sources every kind of price, and prices other regions at us-east-1 rates", () => {
    for (const [kind, s] of Object.entries(SOURCES)) {
      assert.match(s.date, /^\d{4}-\d{2}-\d{2}$/, kind);
      assert.ok(s.source.length > 10, kind);
    }
    assert.equal(catalog.isCatalogRegion("ap-south-1"), false);
    assert.equal(catalog.ec2OnDemandHourly("ap-south-1", "t3.medium"), 0.0416);
  });

  it("prices every EC2 type AWS lists in us-east-1, from its dated Price List table", () => {
    assert.equal(catalog.ec2OnDemandHourly("us-east-1", "t2.micro"), 0.0116);
    assert.equal(catalog.ec2OnDemandHourly("us-east-1", "x1e.32xlarge"), 26.688);
    assert.equal(catalog.ec2OnDemandHourly("us-east-1", "p5.48xlarge"), 55.04);
    assert.equal(catalog.ec2OnDemandQuote("us-east-1", "x1e.32xlarge")!.derived, undefined, "a listed price");
    assert.match(catalog.sourceOf("ec2Table").source, /Price List API/);
    assert.equal(catalog.sourceOf("ec2Table").date, "2026-07-20");
  });

  it("keeps the checked regional prices and derives the rest from us-east-1 by a stated factor", () => {
    assert.deepEqual(catalog.ec2OnDemandQuote("eu-west-1", "t3.large"), { hourly: 0.0912 }, "checked");
    const x1e = catalog.ec2OnDemandQuote("eu-west-1", "x1e.32xlarge")!;
    assert.match(x1e.derived!, /^estimated: us-east-1 \$26\.688\/h × 1\.1\d+ \(eu-west-1 factor\)$/);
    assert.ok(x1e.hourly > 26.688 * 1.09 && x1e.hourly < 26.688 * 1.13, String(x1e.hourly));
    assert.equal(catalog.ec2OnDemandQuote("us-west-2", "t2.micro")!.hourly, 0.0116, "Oregon lists the checked families at Virginia's prices");
    assert.match(catalog.ec2OnDemandQuote("us-west-2", "t2.micro")!.derived!, /estimated/);
  });

  it("prices RDS sizes beyond the listed ones in proportion to the family's listed sizes, and says so", () => {
    const q = catalog.rdsQuote("us-east-1", "db.m5.8xlarge", "postgres", false)!;
    assert.equal(q.hourly, 2.848); // 2 × db.m5.4xlarge $1.424 (AWS lists $2.848)
    assert.match(q.derived!, /2 × db\.m5\.4xlarge/);
    assert.equal(catalog.rdsHourly("us-east-1", "db.r6g.16xlarge", "mysql", true), 2 * 0.43 * 16);
    assert.equal(catalog.rdsHourly("us-east-1", "db.t4g.2xlarge", "postgres", false), 0.516);
    assert.equal(catalog.rdsHourly("us-east-1", "db.m6g.24xlarge", "postgres", false), undefined, "db.m6g stops at 16xlarge");
    assert.equal(catalog.rdsQuote("us-east-1", "db.m5.large", "mysql", false)!.derived, undefined);
  });

  it("prices ElastiCache nodes per region and engine: Memcached as Redis OSS, Valkey 20 % less", () => {
    assert.deepEqual(elasticacheQuote("us-east-1", "cache.r7g.large", "redis"), { hourly: 0.219 });
    assert.equal(elasticacheQuote("us-east-1", "cache.r7g.large", "memcached")!.hourly, 0.219);
    assert.equal(elasticacheQuote("us-east-1", "cache.r7g.large", "valkey")!.hourly, 0.1752);
    assert.equal(elasticacheQuote("eu-west-1", "cache.m5.large", "redis")!.hourly, 0.172, "Ireland's own price");
    assert.ok(elasticacheQuote("ap-southeast-2", "cache.t4g.micro", "redis")!.hourly > 0.016, "35 regions");
    assert.equal(elasticacheQuote("us-east-1", "cache.r6gd.xlarge", "memcached"), undefined, "data tiering is Redis OSS/Valkey only");
    assert.match(catalog.sourceOf("elasticache").source, /Valkey 20 % less/);
  });
});

