import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { handleFailsafeEvent, type ActionCommandResult, type ErrorResult } from "../../runtime/failsafe/runCommands";
import { startWorld, type World } from "./world";

describe("failsafe admin commands", () => {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(() => w.close());

  const error = async (event: unknown) => {
    const r = (await handleFailsafeEvent(event, w.deps)) as ErrorResult;
    assert.equal(r.ok, false, JSON.stringify(r));
    return r.error;
  };

  it("rejects malformed events with a clear error and changes nothing", async () => {
    assert.match(await error("status"), /expected a JSON object .* got "status"/);
    assert.match(await error(null), /expected a JSON object/);
    assert.match(await error([1]), /got an array/);
    assert.match(await error({ command: "stop" }), /malformed admin command .*expected one of status, stop-env <env>, restore <env>, emergency-stop/);
    assert.match(await error({ command: "stop-env" }), /malformed admin command \(environment: /);
    assert.match(await error({ command: "restore", environment: "dev", dryRun: "yes" }), /dryRun/);
    assert.match(await error({ command: "reset-circuit", instanceType: "m5.large" }), /reset-circuit is not a failsafe command/);
    assert.deepEqual(w.account.writes(), []);
  });

  it("names the known environments when given an unknown one", async () => {
    assert.equal(await error({ command: "stop-env", environment: "qa" }), 'unknown environment "qa" (known: dev, staging, prod, untagged)');
    assert.match(await error({ command: "restore", environment: "Dev" }), /unknown environment "Dev"/);
  });

  it("refuses to stop a notify-only environment and says how to allow it", async () => {
    assert.match(await error({ command: "stop-env", environment: "prod" }), /prod's response is "notify".*environments\.prod\.response/);
    assert.equal(w.account.asgs.get("prod-web")!.desired, 2);
  });

  it("stop-env --dry-run lists what would stop and changes nothing", async () => {
    const r = (await handleFailsafeEvent({ command: "stop-env", environment: "staging", dryRun: true }, w.deps)) as ActionCommandResult;
    assert.equal(r.dryRun, true);
    assert.deepEqual(r.actions.map((a) => [a.kind, a.outcome]), [["scale-asg", "dry-run"], ["scale-service", "dry-run"], ["stop-instance", "dry-run"]]);
    assert.deepEqual(w.account.writes(), []);
    assert.match(r.message, /would stop 3 resources/);
  });

  it("emergency-stop stops every environment that allows it, untagged first, prod never", async () => {
    w.account.addInstance({ id: "i-orphan", type: "t3.micro", tags: {} });
    const r = (await handleFailsafeEvent({ command: "emergency-stop" }, w.deps)) as ActionCommandResult;
    assert.deepEqual(r.environments, ["dev", "staging", "untagged"]);
    assert.equal(r.actions[0]!.id, "i-orphan");
    assert.ok(!r.actions.some((a) => a.environment === "prod"));
    assert.equal(w.account.asgs.get("prod-web")!.desired, 2);
    assert.equal(w.account.asgs.get("dev-web")!.desired, 0);
    assert.equal(w.account.asgs.get("staging-web")!.desired, 0);
    assert.equal(w.account.instances.get("i-orphan")!.state, "stopped");
    assert.deepEqual(r.skipped, [{ environment: "dev", id: "i-devkeep", reason: "costguard:protect=true" }]);
  });
});
