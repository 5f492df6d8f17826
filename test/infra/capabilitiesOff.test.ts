/**
 * Every capability that can be switched off, switched off: the stack's outputs are all still
 * there, each `null` where its capability is absent, never `undefined` (which Pulumi drops from
 * the stack with a warning, so a script reading `pulumi stack output` would find nothing).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { stackRun, type StackRun } from "../support/stackRun";

const OFF = JSON.stringify({ enabled: false });

describe("outputs with every optional capability off (dev stack)", () => {
  let run: StackRun;
  before(async () => {
    run = await stackRun({
      stack: "dev",
      config: { "costguard:failsafe": OFF, "costguard:spot": OFF, "costguard:wasteScanner": OFF, "costguard:enforcer": OFF, "costguard:report": OFF, "costguard:services": "[]", "costguard:databases": "[]" },
    });
  });

  it("declares none of them", () => {
    const types = new Set(run.resources.map((r) => r.type));
    for (const t of ["costguard:failsafe:Failsafe", "costguard:spot:SpotResilience", "costguard:waste:WasteScanner", "costguard:enforcer:SecurityEnforcer", "costguard:report:CostReport", "costguard:fargate:ServiceNetwork"]) assert.ok(!types.has(t), t);
  });

  it("exports every output, null where the capability is off, and warns about none", () => {
    const absent = ["failsafeFunction", "failsafeAuditTable", "spotAdviceFunction", "spotAdviceFunctionArn", "spotEventsFunction", "asgOptimizerFunction", "spotBreakerTable", "spotPoolRiskTable", "nodeOptimizerFunction", "wasteScannerFunction", "wasteFindingsTable", "securityEnforcerFunction", "enforcerTable", "serviceClusterName", "costReportFunction", "reportBucket"];
    for (const key of absent) assert.ok(key in run.outputs && run.outputs[key] === null, `${key}: ${String(run.outputs[key])}`);
    assert.deepEqual(Object.entries(run.outputs).filter(([, v]) => v === undefined).map(([k]) => k), []);
    assert.deepEqual(run.warnings.filter((w) => /Undefined value/.test(w)), []);
    assert.deepEqual([run.outputs.serviceNames, run.outputs.databaseIdentifiers], [[], []]);
  });
});
