/**
 * Only a scheduled EventBridge event or a well-formed operator command may make the failsafe do
 * anything. Dev is over its $8/h limit here, so anything taken for "run the check" would stop
 * resources: a mistyped command must be refused with a clear error and no AWS call at all.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { handleFailsafeEvent, type ErrorResult } from "../../runtime/failsafe/runCommands";
import type { CheckResult } from "../../runtime/failsafe/run";
import { scheduledEvent, startWorld, type World } from "./world";

describe("failsafe: only a scheduled event or a well-formed command acts", () => {
  let w: World;
  before(async () => {
    w = await startWorld();
    // 50 runaway dev instances at $0.17/h: dev burns ~$8.8/h, over its $8 limit.
    for (let n = 0; n < 50; n++) w.account.addInstance({ id: `i-runaway${n}`, type: "c5.xlarge", tags: { Environment: "dev" } });
  });
  after(() => w.close());

  const refused = async (event: unknown) => {
    const calls = w.account.calls.length;
    const published = w.account.published.length;
    const r = (await handleFailsafeEvent(event, w.deps)) as ErrorResult;
    assert.equal(r.ok, false, `${JSON.stringify(event)} was acted on: ${JSON.stringify(r).slice(0, 300)}`);
    assert.equal(w.account.calls.length, calls, `${JSON.stringify(event)}: no AWS call`);
    assert.equal(w.account.published.length, published, `${JSON.stringify(event)}: no alert`);
    return r.error;
  };

  it("refuses commands with a typo in the key, and says which key was meant", async () => {
    assert.match(await refused({ Command: "status" }), /did you mean "command"/);
    assert.match(await refused({ cmd: "status" }), /did you mean "command"/);
    assert.match(await refused({ comand: "stop-env", environment: "dev" }), /not a scheduled event or a failsafe command/);
  });

  it("refuses objects that are neither a schedule nor a command", async () => {
    for (const event of [{}, { hello: "world" }, { source: "aws.events" }, { source: "my.app", "detail-type": "Scheduled Event" }, { "detail-type": "EC2 Spot Instance Interruption Warning", source: "aws.ec2", detail: {} }]) {
      assert.match(await refused(event), /not a scheduled event or a failsafe command/);
    }
    for (const event of [undefined, null, "status", 42, true, [{ command: "status" }]]) {
      assert.match(await refused(event), /expected a JSON object/);
    }
  });

  it("refuses a command with an unknown field (a typo of dryRun must never stop for real)", async () => {
    assert.match(await refused({ command: "stop-env", environment: "dev", dryrun: true }), /dryrun/);
    assert.match(await refused({ command: "status", environment: "dev" }), /environment/);
    assert.match(await refused({ command: "stop-env", environment: "x".repeat(5000) }), /environment/);
  });

  it("a scheduled event still runs the check (and stops dev, which is over its limit)", async () => {
    const r = (await handleFailsafeEvent(scheduledEvent(), w.deps)) as CheckResult;
    assert.equal(r.ok, true);
    assert.equal(r.command, "check");
    assert.deepEqual(r.breaches.map((b) => b.group).filter((g) => g === "dev"), ["dev"]);
    assert.ok(w.account.writes().length > 0);
  });
});
