/** guardctl's --account and --region: checked locally, passed through as `account`/`region`, shown in --help. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { guardctl } from "../../tools/guardctl";

async function run(...argv: string[]) {
  const lambda = new LambdaClient({ region: "us-east-1" });
  const invoked: Record<string, unknown>[] = [];
  mockClient(lambda)
    .on(InvokeCommand)
    .callsFake(async (input: { Payload: Uint8Array }) => {
      invoked.push(JSON.parse(new TextDecoder().decode(input.Payload)));
      return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify({ ok: true, command: "stop-env", dryRun: true, environments: ["dev"], message: "done", actions: [], skipped: [], stack: "prod", maxActionsPerRun: 20, groups: [] })) };
    });
  const out: string[] = [];
  const err: string[] = [];
  const code = await guardctl(argv, { lambda, stackOutput: () => ({ value: "costguard-failsafe" }), out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, invoked, out: out.join("\n"), err: err.join("\n") };
}

describe("guardctl --account and --region", () => {
  it("passes them through exactly, on each failsafe command", async () => {
    for (const argv of [["status"], ["stop-env", "dev", "--dry-run"], ["restore", "dev"], ["emergency-stop", "--dry-run"]]) {
      const r = await run(...argv, "--account", "222222222222", "--region", "eu-west-1");
      assert.equal(r.code, 0, r.err);
      assert.equal(r.invoked.length, 1);
      assert.equal(r.invoked[0]!.account, "222222222222", argv.join(" "));
      assert.equal(r.invoked[0]!.region, "eu-west-1", argv.join(" "));
    }
    const onlyRegion = await run("stop-env", "dev", "--region", "ap-southeast-2");
    assert.deepEqual(onlyRegion.invoked, [{ command: "stop-env", environment: "dev", region: "ap-southeast-2" }]);
    const neither = await run("status");
    assert.deepEqual(neither.invoked, [{ command: "status" }], "without the flags the payload is as it always was");
  });

  it("refuses a bad account id or an unknown region with one line, before invoking anything", async () => {
    const bad = await run("stop-env", "dev", "--account", "12345");
    assert.equal(bad.code, 64);
    assert.equal(bad.invoked.length, 0);
    assert.match(bad.err.split("\n")[0]!, /--account must be a 12-digit AWS account id \(got "12345"\)/);
    const unknown = await run("status", "--region", "eu-wset-1");
    assert.equal(unknown.code, 64);
    assert.equal(unknown.invoked.length, 0);
    assert.match(unknown.err.split("\n")[0]!, /--region "eu-wset-1" is not an AWS region .*eu-west-1/);
  });

  it("refuses them on commands that do not take them", async () => {
    const r = await run("report-now", "--account", "222222222222");
    assert.equal(r.code, 64);
    assert.match(r.err, /report-now does not take --account/);
  });

  it("--help shows them", async () => {
    const r = await run("--help");
    assert.match(r.out, /--account <12-digit id>/);
    assert.match(r.out, /--region <region>/);
  });
});
