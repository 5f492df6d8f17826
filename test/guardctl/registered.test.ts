/** reset-circuit and report-now as operators type them: routed to their own functions, rendered. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { guardctl, USAGE } from "../../tools/guardctl";

const OUTPUTS: Record<string, string> = { spotAdviceFunction: "costguard-spot-advice", costReportFunction: "costguard-cost-report" };

async function run(answer: (fn: string, payload: Record<string, unknown>) => unknown, ...argv: string[]) {
  const lambda = new LambdaClient({ region: "us-east-1" });
  const invoked: { fn: string; payload: Record<string, unknown> }[] = [];
  mockClient(lambda)
    .on(InvokeCommand)
    .callsFake(async (input: { FunctionName: string; Payload: Uint8Array }) => {
      const payload = JSON.parse(new TextDecoder().decode(input.Payload));
      invoked.push({ fn: input.FunctionName, payload });
      return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(answer(input.FunctionName, payload))) };
    });
  const out: string[] = [];
  const err: string[] = [];
  const code = await guardctl(argv, { lambda, stackOutput: (name) => (OUTPUTS[name] ? { value: OUTPUTS[name] } : { problem: "no such output" }), out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, invoked, out: out.join("\n"), err: err.join("\n") };
}

describe("guardctl commands of other capabilities", () => {
  it("lists reset-circuit and report-now in its usage", () => {
    assert.match(USAGE, /reset-circuit <instance-type> \[--az <availability-zone>\]/);
    assert.match(USAGE, /report-now \[YYYY-MM-DD\]/);
  });

  it("reset-circuit invokes the spot advice function, with --az, and says what changed", async () => {
    const r = await run(() => ({ key: "m5.large#us-east-1a", previous: "open", state: "closed", interruptions: 4 }), "reset-circuit", "m5.large", "--az", "us-east-1a");
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.invoked, [{ fn: "costguard-spot-advice", payload: { command: "reset-circuit", instanceType: "m5.large", availabilityZone: "us-east-1a" } }]);
    assert.match(r.out, /Circuit m5\.large#us-east-1a: open → closed/);
  });

  it("reset-circuit refuses a malformed instance type before invoking anything", async () => {
    const r = await run(() => ({}), "reset-circuit", "large");
    assert.equal(r.code, 64);
    assert.equal(r.invoked.length, 0);
    assert.match(r.err, /"large" is not an EC2 instance type such as m5\.large/);
  });

  it("report-now invokes the cost report function with the date and prints where the report is", async () => {
    const r = await run(
      () => ({ ok: true, date: "2026-11-22", bucket: "costguard-reports", keys: { markdown: "reports/cost/2026/11/22.md", html: "reports/cost/2026/11/22.html" }, yesterdayUsd: 12.5, monthToDateUsd: 250, forecastUsd: 380, requestsUsed: 3 }),
      "report-now",
      "2026-11-22",
    );
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.invoked, [{ fn: "costguard-cost-report", payload: { command: "report-now", date: "2026-11-22" } }]);
    assert.match(r.out, /s3:\/\/costguard-reports\/reports\/cost\/2026\/11\/22\.html/);
    assert.match(r.out, /day\s+\$12\.50/);
  });

  it("report-now reports a failed run with exit 1", async () => {
    const r = await run(() => ({ ok: false, error: "Cost Explorer is not enabled for this account" }), "report-now");
    assert.equal(r.code, 1);
    assert.match(r.err, /report-now failed: Cost Explorer is not enabled/);
  });
});
