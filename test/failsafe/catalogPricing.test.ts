/** The failsafe's burn rate priced with the real catalog (as the deployed handler does), against us-east-1 list prices checked by hand. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { burnRateByEnvironment } from "../../runtime/failsafe/burnRate";
import { emptyInventory } from "../../runtime/failsafe/model";
import { catalog } from "../../runtime/pricing/catalog";

describe("burn rate with the shared catalog", () => {
  it("prices a dev t3.medium with a 100 GB gp3 volume and an untagged public IP by hand-checked figures", () => {
    const inv = emptyInventory("us-east-1");
    inv.instances.push({ id: "i-1", instanceType: "t3.medium", availabilityZone: "us-east-1a", lifecycle: "on-demand", tags: { Environment: "dev" } });
    inv.volumes.push({ id: "vol-1", volumeType: "gp3", sizeGiB: 100, tags: {}, instanceId: "i-1" });
    inv.addresses.push({ publicIp: "198.51.100.7", allocationId: "eipalloc-1", tags: {} });
    const report = burnRateByEnvironment(inv, catalog);
    // t3.medium $0.0416/h + 100 GB × $0.08/GB-month ÷ 730 h.
    assert.ok(Math.abs(report.groups.dev!.usdPerHour - (0.0416 + (100 * 0.08) / 730)) < 1e-9, String(report.groups.dev!.usdPerHour));
    // An unattached Elastic IP: $0.005/h, in the untagged group.
    assert.ok(Math.abs(report.groups.untagged!.usdPerHour - 0.005) < 1e-9);
    assert.deepEqual(report.unpriced, {});
  });
});
