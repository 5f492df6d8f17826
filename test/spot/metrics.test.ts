import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMetrics, emfSink } from "../../runtime/shared/observability";

function captureStdout(run: () => void): string[] {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    run();
  } finally {
    process.stdout.write = write;
  }
  return lines.join("").split("\n").filter((l) => l.startsWith("{"));
}

describe("spot metrics (EMF)", () => {
  it("emits the contract's dimensions only, with type and AZ as metadata", () => {
    const sink = emfSink(createMetrics("test"));
    const [interruption, swap] = captureStdout(() => {
      sink("spotInterruptions", 1, {}, { instanceType: "m5.large", availabilityZone: "us-east-1a" });
      sink("spotSwaps", 1, { Outcome: "rolled-back" }, { group: "web" });
    }).map((l) => JSON.parse(l));
    assert.ok(interruption && swap, "two EMF documents");
    // No dimension at all (in particular no per-function "service" one that would multiply the metric).
    assert.deepEqual(interruption._aws.CloudWatchMetrics[0].Dimensions.flat(), []);
    assert.equal(interruption._aws.CloudWatchMetrics[0].Namespace, "CostGuard");
    assert.equal(interruption.SpotInterruptions, 1);
    assert.equal(interruption.instanceType, "m5.large");
    assert.deepEqual(swap._aws.CloudWatchMetrics[0].Dimensions, [["Outcome"]]);
    assert.equal(swap.Outcome, "rolled-back");
    assert.throws(() => sink("spotSwaps", 1), /SpotSwaps needs dimension Outcome/);
  });
});
