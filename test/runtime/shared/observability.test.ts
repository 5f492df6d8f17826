/** EMF output as CloudWatch will read it: exactly the contract's dimensions, nothing more. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { METRIC_NAMESPACE } from "../../../runtime/contract";
import { createMetrics, emitMetric } from "../../../runtime/shared/observability";

function captureEmf(fn: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  const origLog = console.log;
  // Powertools writes EMF through its own console on stdout.
  process.stdout.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
  console.log = (...a: unknown[]) => void lines.push(a.map(String).join(" "));
  try {
    fn();
  } finally {
    process.stdout.write = original;
    console.log = origLog;
  }
  return lines.flatMap((l) => l.split("\n")).filter((l) => l.includes("_aws")).map((l) => JSON.parse(l));
}

describe("emitMetric", () => {
  it("emits the contract's dimension only (no service dimension), in the CostGuard namespace", () => {
    const docs = captureEmf(() => emitMetric(createMetrics("costguard-test"), "burnRate", 9.25, { Environment: "dev" }));
    assert.equal(docs.length, 1);
    const doc = docs[0] as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] }; Environment: string; BurnRateUsdPerHour: number };
    const cw = doc._aws.CloudWatchMetrics[0]!;
    assert.equal(cw.Namespace, METRIC_NAMESPACE);
    assert.deepEqual(cw.Dimensions, [["Environment"]]);
    assert.deepEqual(cw.Metrics.map((m) => m.Name), ["BurnRateUsdPerHour"]);
    assert.equal(doc.Environment, "dev");
    assert.equal(doc.BurnRateUsdPerHour, 9.25);
  });

  it("emits a dimensionless metric with no dimension at all", () => {
    const [doc] = captureEmf(() => emitMetric(createMetrics("costguard-test"), "failsafeActions", 3)) as { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } }[];
    assert.deepEqual(doc!._aws.CloudWatchMetrics[0]!.Dimensions.flat(), []);
  });

  it("refuses a metric without the dimension the contract requires", () => {
    assert.throws(() => emitMetric(createMetrics("costguard-test"), "burnRate", 1), /BurnRateUsdPerHour needs dimension Environment/);
  });
});
