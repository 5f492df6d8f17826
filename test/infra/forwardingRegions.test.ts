/** Which regions forward spot events to the home bus: every covered region but home; for "all", the regions enabled by default. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_ENABLED_REGIONS, forwardingRegions } from "../../components/crossRegionEvents";
import { AWS_REGIONS } from "../../config/stackConfigKeys";

describe("spot event forwarding regions", () => {
  it("is none by default (the stack's region only) and never the home region", () => {
    assert.deepEqual(forwardingRegions(undefined, "us-east-1"), []);
    assert.deepEqual(forwardingRegions(["us-east-1", "eu-west-1", "ap-south-1"], "us-east-1"), ["ap-south-1", "eu-west-1"]);
  });

  it('is the 17 regions enabled by default, less home, for "all": an opt-in region is covered by listing it', () => {
    const all = forwardingRegions("all", "eu-west-1");
    assert.equal(all.length, 16);
    assert.ok(!all.includes("eu-west-1") && !all.includes("af-south-1") && !all.includes("me-south-1"));
    for (const r of DEFAULT_ENABLED_REGIONS) assert.ok((AWS_REGIONS as readonly string[]).includes(r), `${r} is an AWS region`);
  });
});
