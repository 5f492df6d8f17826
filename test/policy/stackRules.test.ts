/** Stack rules over small stacks. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ecrLifecyclePolicy, lambdaLogGroupRetention, s3BucketSecurity, stackCostCap } from "../../policy/policies";
import { provider, res, run, TAGS, violations } from "./helpers";

describe("stack-cost-cap", () => {
  const fn = res("aws:lambda/function:Function", "fn", { architectures: ["arm64"], memorySize: 128 });
  it("passes a stack inside the free tier", async () => {
    assert.deepEqual(await violations(stackCostCap, [fn, res("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm", { period: 300 })]), []);
  });
  it("fails a stack over the cap and lists its biggest items, most expensive first", async () => {
    const v = await violations(stackCostCap, [fn, res("aws:ec2/eip:Eip", "ip"), res("aws:ec2/natGateway:NatGateway", "nat"), res("aws:kms/key:Key", "key")]);
    assert.equal(v.length, 1);
    assert.match(v[0]!, /\$37\.95\/month after the free tier exceeds the cap of \$1\.00/); // 32.85 + 0.45 + 3.65 + 1.00
    assert.ok(v[0]!.indexOf("nat (") < v[0]!.indexOf("ip (") && v[0]!.indexOf("ip (") < v[0]!.indexOf("key ("), v[0]);
  });
  it("applies the list-price cap when configured, and the stack's own cap", async () => {
    const alarms = Array.from({ length: 10 }, (_, i) => res("aws:cloudwatch/metricAlarm:MetricAlarm", `a${i}`, { period: 300 }));
    const dashboards = Array.from({ length: 2 }, (_, i) => res("aws:cloudwatch/dashboard:Dashboard", `d${i}`));
    const stack = [...alarms, ...dashboards]; // $7.00 list, $0 after free tier
    assert.deepEqual(await violations(stackCostCap, stack), []);
    assert.match((await violations(stackCostCap, stack, { "stack-cost-cap": { maxListMonthlyUsd: 5 } }))[0]!, /\$7\.00\/month at list price exceeds the cap of \$5\.00/);
    assert.deepEqual(await violations(stackCostCap, [res("aws:ec2/natGateway:NatGateway", "nat")], { "stack-cost-cap": { maxMonthlyUsd: 50 } }), []);
  });
  it("prices in the provider's region", async () => {
    const nat = res("aws:ec2/natGateway:NatGateway", "nat", {}, { provider: provider(TAGS, "eu-west-1") });
    assert.match((await violations(stackCostCap, [nat]))[0]!, /\$35\.52\/month/); // 0.048 × 730 + 10 × 0.048
  });
  it("never passes as within the cap while a resource is unpriced: a warning by default, a violation with unpriced: fail", async () => {
    const stack = [fn, res("aws:sagemaker/notebookInstance:NotebookInstance", "notebook"), res("aws-static-website:index:Website", "site")];
    const warn = (await run(stackCostCap, stack)).violations;
    assert.deepEqual(warn.map((v) => v.level), ["advisory"]);
    assert.match(warn[0]!.message, /≥ \$0\.00\/month .*2 resources could not be priced: notebook \(aws:sagemaker\/notebookInstance:NotebookInstance\), site \(aws-static-website:index:Website\)/);
    const fail = (await run(stackCostCap, stack, { "stack-cost-cap": { unpriced: "fail" } })).violations;
    assert.deepEqual(fail.map((v) => v.level), ["mandatory"]);
    const over = await violations(stackCostCap, [...stack, res("aws:ec2/natGateway:NatGateway", "nat")]);
    assert.equal(over.length, 1);
    assert.match(over[0]!, /exceeds the cap .* 2 resources could not be priced \(the total is a lower bound\): notebook/);
  });
});

describe("ecr-lifecycle-policy", () => {
  it("flags a repository without a lifecycle policy and an awsx repository that skips it", async () => {
    const v = await violations(ecrLifecyclePolicy, [res("aws:ecr/repository:Repository", "repo", { name: "repo-1" }), res("awsx:ecr:Repository", "x", { lifecyclePolicy: { skip: true } })]);
    assert.equal(v.length, 2);
    assert.match(v[0]!, /"repo" has no lifecycle policy/);
  });
  it("passes a repository with its lifecycle policy, and awsx's default policy", async () => {
    assert.deepEqual(
      await violations(ecrLifecyclePolicy, [res("aws:ecr/repository:Repository", "repo", { name: "repo-1" }), res("aws:ecr/lifecyclePolicy:LifecyclePolicy", "lp", { repository: "repo-1", policy: "{}" }), res("awsx:ecr:Repository", "x", {})]),
      [],
    );
  });
});

describe("s3-bucket-security", () => {
  const bucket = res("aws:s3/bucket:Bucket", "reports", {}, { state: { bucket: "reports-1234567" } });
  const block = (flags: Partial<Record<string, boolean>> = {}) =>
    res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", { bucket: "reports-1234567", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true, ...flags });
  const sse = res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse", { bucket: "reports-1234567", rules: [] });
  it("passes a bucket with a full public access block and encryption", async () => {
    assert.deepEqual(await violations(s3BucketSecurity, [bucket, block(), sse]), []);
  });
  it("flags a bucket without a block, with a partial block, or without encryption", async () => {
    assert.match((await violations(s3BucketSecurity, [bucket, sse]))[0]!, /has no public access block/);
    assert.match((await violations(s3BucketSecurity, [bucket, block({ restrictPublicBuckets: false }), sse]))[0]!, /restrictPublicBuckets off/);
    assert.match((await violations(s3BucketSecurity, [bucket, block()]))[0]!, /declares no encryption/);
  });
});

describe("lambda-log-group-retention", () => {
  const fn = (name: string, inputs: Record<string, unknown>) => res("aws:lambda/function:Function", name, inputs);
  it("flags a function whose log group Lambda would create without retention", async () => {
    const v = await violations(lambdaLogGroupRetention, [fn("orphan", { name: "orphan-fn" }), res("aws:cloudwatch/logGroup:LogGroup", "other", { name: "/aws/lambda/other" })]);
    assert.equal(v.length, 1);
    assert.match(v[0]!, /"orphan" logs to a log group the stack does not declare/);
  });
  it("passes functions logging to a declared group, explicitly or by the default name", async () => {
    const lg = (name: string) => res("aws:cloudwatch/logGroup:LogGroup", name, { name, retentionInDays: 7 });
    assert.deepEqual(await violations(lambdaLogGroupRetention, [fn("a", { loggingConfig: { logGroup: "a-logs" } }), lg("a-logs"), fn("b", { name: "b-fn" }), lg("/aws/lambda/b-fn")]), []);
  });
});
