import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readInventory, readSpotPrices, STOPPABLE_PARTS } from "../../runtime/failsafe/inventory";
import { FakeAccount } from "./fakeAccount";

describe("inventory adapter", () => {
  it("pages through everything with the largest page sizes and keeps tags, lifecycle and ASG membership", async () => {
    const account = new FakeAccount();
    for (let i = 0; i < 1200; i++) account.addInstance({ type: i % 2 ? "m5.large" : "t3.medium", spot: i % 3 === 0, tags: { Environment: i % 2 ? "dev" : "prod" } });
    account.addInstance({ id: "i-stopped", state: "stopped", tags: { Environment: "dev" } });
    account.addAsg({ name: "web", min: 1, max: 3, desired: 2, type: "t3.medium", tags: { Environment: "staging" } });
    for (let s = 0; s < 23; s++) account.addService({ name: `svc-${s}`, desired: 1, cpu: 512, memory: 1024, tags: { Environment: "dev" } });
    for (let v = 0; v < 501; v++) account.volumes.push({ id: `vol-${v}`, type: "gp3", size: 8, tags: {} });

    const inv = await readInventory(account.clients, "us-east-1");
    assert.equal(inv.instances.length, 1203, "1200 + 2 in the ASG + the stopped one");
    assert.equal(inv.instances.find((i) => i.id === "i-stopped")?.state, "stopped", "read so that its volumes keep its environment");
    assert.equal(inv.instances.filter((i) => i.state === "running").length, 1202);
    assert.equal(inv.instances.filter((i) => i.lifecycle === "spot").length, 400);
    assert.deepEqual(inv.instances.filter((i) => i.autoScalingGroup === "web").map((i) => i.tags.Environment), ["staging", "staging"]);
    assert.equal(inv.volumes.length, 501);
    assert.equal(inv.services.length, 23);
    assert.equal(inv.tasks.length, 23);
    assert.deepEqual(inv.tasks[0], { arn: inv.tasks[0]!.arn, cluster: inv.services[0]!.cluster, service: "svc-0", vcpu: 0.5, memoryGb: 1, spot: false, architecture: "x86_64", tags: {} });

    const count = (c: string) => account.calls.filter((x) => x.command === c).length;
    assert.equal(count("DescribeInstances"), 2, "1,203 instances: two pages of 1,000");
    assert.equal(count("DescribeVolumes"), 2, "501 volumes: two pages of 500");
    assert.equal(count("DescribeServices"), 3, "23 services: DescribeServices takes 10 at a time");
    assert.ok(account.calls.filter((x) => x.command === "DescribeInstances").every((x) => x.input.MaxResults === 1000));
  });

  it("reads only the stoppable kinds for an operator stop", async () => {
    const account = new FakeAccount();
    account.addInstance({ tags: { Environment: "dev" } });
    await readInventory(account.clients, "us-east-1", STOPPABLE_PARTS);
    const commands = new Set(account.calls.map((c) => c.command));
    assert.ok(!commands.has("DescribeVolumes") && !commands.has("DescribeLoadBalancers") && !commands.has("DescribeNatGateways"));
    assert.ok(commands.has("DescribeInstances") && commands.has("DescribeAutoScalingGroups") && commands.has("DescribeDBInstances") && commands.has("ListClusters"));
  });

  it("asks spot price history only for the spot instances' types, and not at all without spot", async () => {
    const account = new FakeAccount();
    account.addInstance({ type: "m5.large", tags: {} });
    const none = await readSpotPrices(account.clients.ec2, await readInventory(account.clients, "us-east-1", ["instances"]), new Date());
    assert.equal(none.size, 0);
    assert.equal(account.calls.filter((c) => c.command === "DescribeSpotPriceHistory").length, 0);
    account.addInstance({ type: "c5.xlarge", spot: true, tags: {} });
    await readSpotPrices(account.clients.ec2, await readInventory(account.clients, "us-east-1", ["instances"]), new Date());
    const call = account.calls.find((c) => c.command === "DescribeSpotPriceHistory")!;
    assert.deepEqual(call.input.InstanceTypes, ["c5.xlarge"]);
  });
});
