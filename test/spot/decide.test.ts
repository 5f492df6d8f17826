import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rankCompatibleTypes, selectHealthyTypes } from "../../runtime/spot/decide";
import { smallPriceBook } from "./smallPriceBook";

const prices = smallPriceBook();

describe("compatible spot types", () => {
  it("keeps the architecture and at least the vCPU and memory, closest size first, then cheapest", () => {
    const ranked = rankCompatibleTypes(prices, { region: "us-east-1", instanceType: "m5.large" });
    assert.deepEqual(ranked, ["m5a.large", "m6i.large", "m5.large", "r5.large", "m5.xlarge"]);
    assert.ok(!ranked.includes("c5.large"), "less memory");
    assert.ok(!ranked.includes("m6g.large"), "other architecture");
    assert.ok(!ranked.includes("m5.2xlarge"), "more than twice the size");
    assert.ok(!ranked.includes("m5.metal"), "bare metal only replaces bare metal");
  });

  it("knows nothing about a type the price book does not list", () => {
    assert.deepEqual(rankCompatibleTypes(prices, { region: "us-east-1", instanceType: "x9.huge" }), []);
  });

  it("keeps only types whose pool is healthy and circuit closed, in rank order", async () => {
    const unhealthy = new Map([["m5a.large", "circuit m5a.large is open"], ["m5.large", "pool poisoned until 2026-12-08"]]);
    const health = { isHealthy: async (t: string) => (unhealthy.has(t) ? { healthy: false, reason: unhealthy.get(t)! } : { healthy: true, reason: "ok" }) };
    const ranked = rankCompatibleTypes(prices, { region: "us-east-1", instanceType: "m5.large" });
    const { types, skipped } = await selectHealthyTypes(ranked, "us-east-1a", health, 2);
    assert.deepEqual(types, ["m6i.large", "r5.large"]);
    assert.deepEqual(skipped.map((s) => s.type), ["m5a.large", "m5.large"]);
  });
});
