import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { burnRateByEnvironment } from "../../runtime/failsafe/burnRate";
import { emptyInventory } from "../../runtime/failsafe/model";
import { testPrices } from "./helpers";

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);

describe("burn rate from inventory", () => {
  it("a stopped instance costs nothing but its volume stays in its environment (stopping dev must not make 'untagged' rise)", () => {
    const inv = emptyInventory("us-east-1");
    inv.instances.push({ id: "i-1", instanceType: "m5.large", availabilityZone: "us-east-1a", lifecycle: "on-demand", state: "stopped", tags: { Environment: "dev" } });
    inv.volumes.push({ id: "v-1", volumeType: "gp3", sizeGiB: 730, tags: {}, instanceId: "i-1" });
    const r = burnRateByEnvironment(inv, testPrices);
    close(r.groups.dev!.usdPerHour, 0.08);
    assert.equal(r.groups.untagged, undefined);
    assert.equal(r.groups.dev!.runningInstances, 0);
    assert.deepEqual(r.instancesByLifecycle, { spot: 0, "on-demand": 0 });
  });

  it("prices every kind and groups it by Environment, with an untagged group", () => {
    const inv = emptyInventory("us-east-1");
    inv.instances.push(
      { id: "i-1", instanceType: "m5.large", availabilityZone: "us-east-1a", lifecycle: "on-demand", tags: { Environment: "dev" }, publicIp: "203.0.113.1" },
      { id: "i-2", instanceType: "m5.large", availabilityZone: "us-east-1b", lifecycle: "spot", tags: { Environment: "dev" } },
      { id: "i-3", instanceType: "t3.medium", availabilityZone: "us-east-1a", lifecycle: "on-demand", tags: {}, publicIp: "203.0.113.9" },
      { id: "i-4", instanceType: "x9.weird", availabilityZone: "us-east-1a", lifecycle: "on-demand", tags: { Environment: "prod" } },
    );
    inv.volumes.push({ id: "v-1", volumeType: "gp3", sizeGiB: 730, tags: {}, instanceId: "i-1" }, { id: "v-2", volumeType: "gp2", sizeGiB: 73, tags: {} });
    inv.natGateways.push({ id: "nat-1", tags: { Environment: "prod" } });
    inv.loadBalancers.push({ arn: "arn:lb", name: "lb", kind: "application", tags: { Environment: "prod" } });
    inv.addresses.push({ publicIp: "203.0.113.9", instanceId: "i-3", tags: {} }, { publicIp: "203.0.113.50", tags: { Environment: "staging" } });
    inv.dbInstances.push(
      { id: "db-1", instanceClass: "db.t3.medium", engine: "postgres", multiAz: true, storageType: "gp3", allocatedGiB: 73, status: "available", tags: { Environment: "prod" } },
      { id: "db-2", instanceClass: "db.t3.medium", engine: "postgres", multiAz: false, storageType: "gp3", allocatedGiB: 730, status: "stopped", tags: { Environment: "dev" } },
    );
    inv.services.push({ cluster: "c", name: "api", desiredCount: 2, runningCount: 2, tags: { Environment: "staging" } });
    inv.tasks.push(
      { arn: "t1", cluster: "c", service: "api", vcpu: 1, memoryGb: 2, spot: false, architecture: "x86_64", tags: {} },
      { arn: "t2", cluster: "c", service: "api", vcpu: 1, memoryGb: 2, spot: true, architecture: "x86_64", tags: {} },
    );

    const r = burnRateByEnvironment(inv, testPrices);
    // dev: m5.large 0.096 + its public IP 0.005 + spot 0.0288 + 730 GiB gp3 attached to i-1 (0.08) + stopped DB storage only (730 × 0.115 / 730)
    close(r.groups.dev!.usdPerHour, 0.096 + 0.005 + 0.0288 + 0.08 + 0.115);
    close(r.groups.dev!.byKind.ec2!, 0.096 + 0.0288);
    // untagged: t3.medium 0.0416 + its Elastic IP counted once 0.005 + 73 GiB gp2 (0.01)
    close(r.groups.untagged!.usdPerHour, 0.0416 + 0.005 + 0.01);
    // staging: one EIP + Fargate tasks found through their service
    const task = 1 * 0.04048 + 2 * 0.004445;
    close(r.groups.staging!.usdPerHour, 0.005 + task + task * 0.3);
    // prod: NAT + ALB + multi-AZ DB (2 × 0.068) + 73 GiB storage; the unknown type is listed, not guessed
    close(r.groups.prod!.usdPerHour, 0.045 + 0.0225 + 0.136 + 0.0115);
    assert.deepEqual(r.unpriced, { "ec2:x9.weird": 1 });
    assert.deepEqual(r.instancesByLifecycle, { spot: 1, "on-demand": 3 });
    close(r.totalUsdPerHour, Object.values(r.groups).reduce((a, g) => a + g.usdPerHour, 0));
  });

  it("uses live spot prices when given (per AZ first, then per type)", () => {
    const inv = emptyInventory("us-east-1");
    inv.instances.push(
      { id: "i-1", instanceType: "m5.large", availabilityZone: "us-east-1a", lifecycle: "spot", tags: { Environment: "dev" } },
      { id: "i-2", instanceType: "m5.large", availabilityZone: "us-east-1b", lifecycle: "spot", tags: { Environment: "dev" } },
    );
    const r = burnRateByEnvironment(inv, testPrices, { spotPrices: new Map([["m5.large|us-east-1a", 0.04], ["m5.large", 0.05]]) });
    close(r.groups.dev!.usdPerHour, 0.09);
  });
});
