/**
 * Operator commands limited to one account and/or region (guardctl --account/--region): they
 * show and act on that unit only, and refuse an account or region outside the failsafe's scope.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FailsafeDeps } from "../../runtime/failsafe/run";
import { handleFailsafeEvent, type ActionCommandResult, type ErrorResult, type StatusResult } from "../../runtime/failsafe/runCommands";
import { defaultSettings, startDynamo, type FailsafeDynamo } from "./helpers";
import { FakeOrg } from "./orgWorld";
import { startWorld, T0 } from "./world";

const [A, C] = ["222222222222", "444444444444"];

describe("operator commands scoped to an account and region", () => {
  let org: FakeOrg;
  let dynamo: FailsafeDynamo;
  let deps: FailsafeDeps;
  const run = (event: unknown) => handleFailsafeEvent(event, deps);
  const error = async (event: unknown) => {
    const r = (await run(event)) as ErrorResult;
    assert.equal(r.ok, false, JSON.stringify(r));
    return r.error;
  };

  before(async () => {
    org = new FakeOrg();
    org.unit(A, "us-east-1").addInstance({ id: "i-a1", type: "t3.medium", tags: { Environment: "dev" } });
    org.unit(C, "eu-west-1").addInstance({ id: "i-c1", type: "t3.medium", tags: { Environment: "dev" } });
    const settings = defaultSettings({ scope: { regions: ["us-east-1", "eu-west-1"], concurrency: 4, organization: { memberRoleName: "CostguardMember", accounts: [A, C], excludeAccounts: [], externalId: "ext-1" } } });
    dynamo = await startDynamo();
    deps = org.failsafeDeps(settings, dynamo.store(), T0);
  });
  after(() => dynamo.close());

  it("refuses an account or region outside the scope, naming the ones it covers", async () => {
    assert.equal(await error({ command: "status", account: "999999999999" }), `account 999999999999 is not in the failsafe's scope (accounts: ${A}, ${C})`);
    assert.equal(await error({ command: "stop-env", environment: "dev", region: "ap-south-1" }), "region ap-south-1 is not in the failsafe's scope (regions: us-east-1, eu-west-1)");
    assert.match(await error({ command: "stop-env", environment: "dev", account: "12" }), /malformed admin command \(account: /);
    assert.deepEqual(org.unit(A, "us-east-1").writes(), []);
  });

  it("stop-env in one account and region stops only there, and does not hold the environment stopped everywhere", async () => {
    const r = (await run({ command: "stop-env", environment: "dev", account: C, region: "eu-west-1" })) as ActionCommandResult;
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.deepEqual(r.actions.map((a) => [a.id, a.outcome]), [["i-c1", "applied"]]);
    assert.match(r.actions[0]!.text, new RegExp(`in ${C}/eu-west-1`));
    assert.equal(org.unit(C, "eu-west-1").instances.get("i-c1")!.state, "stopped");
    assert.equal(org.unit(A, "us-east-1").instances.get("i-a1")!.state, "running");
    assert.equal((await deps.store.getState("dev"))?.state ?? "active", "active");
  });

  it("status for one account shows that account's units, live", async () => {
    const s = (await run({ command: "status", account: A })) as StatusResult;
    assert.equal(s.ok, true, JSON.stringify(s));
    assert.deepEqual(s.units!.map((u) => `${u.account}/${u.region}`), [`${A}/eu-west-1`, `${A}/us-east-1`]);
    assert.ok(Math.abs(s.units!.find((u) => u.region === "us-east-1")!.burn.dev! - 0.0416) < 1e-9);
    assert.equal(s.groups.find((g) => g.name === "dev")!.savedResources, 0, "nothing of A was stopped");
  });

  it("restore limited to a unit brings back only what was stopped there", async () => {
    const none = (await run({ command: "restore", environment: "dev", account: A })) as ActionCommandResult;
    assert.match(none.message, /nothing to restore in dev/);
    const r = (await run({ command: "restore", environment: "dev", region: "eu-west-1" })) as ActionCommandResult;
    assert.deepEqual(r.actions.map((a) => [a.id, a.outcome]), [["i-c1", "restored"]]);
    assert.equal(org.unit(C, "eu-west-1").instances.get("i-c1")!.state, "running");
  });
});

describe("operator commands of a single-account failsafe", () => {
  it("refuses --account (organisation mode only) and a region other than its own", async () => {
    const w = await startWorld();
    try {
      const a = (await handleFailsafeEvent({ command: "status", account: "123456789012" }, w.deps)) as ErrorResult;
      assert.match(a.error, /covers only its own account/);
      const r = (await handleFailsafeEvent({ command: "stop-env", environment: "dev", region: "eu-west-1" }, w.deps)) as ErrorResult;
      assert.equal(r.error, "region eu-west-1 is not in the failsafe's scope (regions: us-east-1)");
      const ok = (await handleFailsafeEvent({ command: "stop-env", environment: "dev", region: "us-east-1", dryRun: true }, w.deps)) as ActionCommandResult;
      assert.equal(ok.ok, true);
      assert.ok(ok.actions.length > 0);
    } finally {
      await w.close();
    }
  });
});
