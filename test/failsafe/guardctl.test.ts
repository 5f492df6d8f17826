/**
 * guardctl against a mocked deployment: the Lambda client is mocked (aws-sdk-client-mock) and
 * answers with what the real failsafe handler logic returns over the fake account + dynalite.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { runCheck } from "../../runtime/failsafe/run";
import { handleFailsafeEvent } from "../../runtime/failsafe/runCommands";
import { COMMANDS, guardctl } from "../../tools/guardctl";
import { MINUTE, startWorld, T0, type World } from "./world";

describe("guardctl against a mocked deployment", () => {
  let w: World;
  const lambda = new LambdaClient({ region: "us-east-1" });
  const invoked: { FunctionName?: string; payload: unknown }[] = [];
  let now = T0;

  before(async () => {
    w = await startWorld();
    mockClient(lambda)
      .on(InvokeCommand)
      .callsFake(async (input: { FunctionName: string; Payload: Uint8Array }) => {
        const payload = JSON.parse(new TextDecoder().decode(input.Payload));
        invoked.push({ FunctionName: input.FunctionName, payload });
        if (input.FunctionName !== "costguard-failsafe-fn") {
          return { StatusCode: 200, FunctionError: "Unhandled", Payload: new TextEncoder().encode(JSON.stringify({ errorType: "ResourceNotFoundException", errorMessage: "Function not found" })) };
        }
        const response = await handleFailsafeEvent(payload, w.at(now));
        return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(response)) };
      });
    // History: two steady checks, then a dev spike the failsafe stops.
    await runCheck(w.at(T0 - 5 * MINUTE));
    w.account.addInstance({ id: "i-runaway", type: "c5.xlarge", tags: { Environment: "dev" } });
    await runCheck(w.at(T0));
    now = T0 + MINUTE;
  });
  after(() => w.close());

  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await guardctl(argv, {
      lambda,
      stackOutput: (name, stack) => (name === "failsafeFunction" && stack !== "missing" ? { value: "costguard-failsafe-fn" } : { problem: "no such stack" }),
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };

  it("status prints each environment's burn rate, limit, state and last actions as a table", async () => {
    const r = await run("status", "--stack", "dev");
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(invoked.at(-1), { FunctionName: "costguard-failsafe-fn", payload: { command: "status" } });
    const lines = r.out.split("\n");
    const header = lines.find((l) => l.startsWith("ENVIRONMENT"))!;
    assert.match(header, /BURN \$\/H\s+LIMIT \$\/H\s+SPIKE LIMIT\s+RESPONSE\s+STATE\s+TO RESTORE\s+LAST ACTION/);
    const row = (env: string) => lines.find((l) => l.startsWith(`${env} `))!.split(/\s{2,}/);
    const dev = row("dev");
    assert.equal(dev[2], "8.00");
    assert.equal(dev[4], "stop");
    assert.equal(dev[5], "stopped, breaching (spike)");
    assert.equal(dev[6], "5");
    assert.match(dev[7]!, /applied: /);
    assert.equal(row("prod")[4], "notify");
    assert.equal(row("prod")[5], "active");
    assert.equal(row("global")[2], "25.00");
    assert.match(r.out, /Last actions:\n\s+dev\s+2026-11-23 12:00:00\s+applied: /);
    assert.match(r.out, /restore <env>\s+\(held: dev\)/);
  });

  it("restore dev brings it back and reports each resource", async () => {
    const r = await run("restore", "dev");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^restore dev: restored 5 of 5 resources/);
    assert.match(r.out, /dev\s+restored\s+restore: scale ASG dev-web back to min 2, desired 3/);
    assert.equal(w.account.asgs.get("dev-web")!.desired, 3);
    const status = await run("status");
    assert.match(status.out.split("\n").find((l) => l.startsWith("dev "))!, /\s+active\s+0\s+/);
  });

  it("stop-env --dry-run sends dryRun and changes nothing", async () => {
    const writes = w.account.writes().length;
    const r = await run("stop-env", "staging", "--dry-run");
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(invoked.at(-1)!.payload, { command: "stop-env", environment: "staging", dryRun: true });
    assert.match(r.out, /stop-env \(dry-run\) staging: would stop 3 resources/);
    assert.equal(w.account.writes().length, writes);
  });

  it("prints the function's error for an unknown environment and exits 1", async () => {
    const r = await run("stop-env", "qa");
    assert.equal(r.code, 1);
    assert.equal(r.err, 'stop-env failed: unknown environment "qa" (known: dev, staging, prod, untagged)');
  });

  it("says what is wrong with the command line (exit 64)", async () => {
    const calls = invoked.length;
    assert.equal((await run()).code, 64);
    assert.match((await run("stop-env")).err, /stop-env takes one environment name \(got none\)\nusage: npm run guardctl -- stop-env <env> \[--dry-run\]/);
    assert.match((await run("status", "dev")).err, /status takes no arguments/);
    assert.match((await run("reboot")).err, /unknown command "reboot"/);
    assert.match((await run("status", "--colour")).err, /Unknown option '--colour'/);
    assert.equal(invoked.length, calls, "nothing was invoked");
  });

  it("needs a function name when the stack output cannot be read, and reports invoke failures", async () => {
    const missing = await run("status", "--stack", "missing");
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot find the function for status: no such stack; pass --function <name>/);
    const wrong = await run("status", "--function", "nope");
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /nope failed: ResourceNotFoundException: Function not found/);
  });

  it("takes new commands from a COMMANDS entry", () => {
    assert.deepEqual(Object.keys(COMMANDS).sort(), ["emergency-stop", "report-now", "reset-circuit", "restore", "status", "stop-env"]);
    for (const name of ["status", "stop-env", "restore", "emergency-stop"]) assert.equal(COMMANDS[name]!.output, "failsafeFunction");
    assert.equal(COMMANDS["reset-circuit"]!.output, "spotAdviceFunction");
    assert.equal(COMMANDS["report-now"]!.output, "costReportFunction");
  });
});
