import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { emptyOutcome } from "../../runtime/nodeOptimizer/actionsDrain";
import { InvokedNodeDrainer } from "../../runtime/nodeOptimizer/remoteDrainer";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe("drain by invoking the node optimizer function", () => {
  it("sends { action: drain, instanceId } and returns the function's outcome", async () => {
    const lambda = new LambdaClient({ region: "eu-west-1" });
    const outcome = { ...emptyOutcome({ name: "node-a", ready: true, unschedulable: false }, "i-0123456789abcdef0"), cordoned: true, evicted: ["shop/web-1"], complete: true };
    const mock = mockClient(lambda);
    mock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: enc({ action: "drain", outcome }) as never });
    const got = await new InvokedNodeDrainer(lambda, "fn").onNodeInterruption("i-0123456789abcdef0");
    assert.deepEqual(got?.evicted, ["shop/web-1"]);
    assert.equal(got?.complete, true);
    const input = mock.commandCalls(InvokeCommand)[0]!.args[0].input;
    assert.equal(input.FunctionName, "fn");
    assert.equal(input.InvocationType, "RequestResponse");
    assert.deepEqual(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)), { action: "drain", instanceId: "i-0123456789abcdef0" });
  });

  it("says which signal asked, and returns nothing when the optimizer does not drain on a rebalance recommendation", async () => {
    const lambda = new LambdaClient({ region: "eu-west-1" });
    const mock = mockClient(lambda);
    mock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: enc({ action: "not-drained", reason: "a rebalance recommendation is a hint" }) as never });
    assert.equal(await new InvokedNodeDrainer(lambda, "fn").onNodeInterruption("i-0123456789abcdef0", "rebalance-recommendation"), undefined);
    const input = mock.commandCalls(InvokeCommand)[0]!.args[0].input;
    assert.deepEqual(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)), { action: "drain", instanceId: "i-0123456789abcdef0", signal: "rebalance-recommendation" });
  });

  it("throws when the function errors or refuses the request, so the caller's retry applies", async () => {
    const lambda = new LambdaClient({ region: "eu-west-1" });
    const mock = mockClient(lambda);
    mock
      .on(InvokeCommand)
      .resolvesOnce({ StatusCode: 200, FunctionError: "Unhandled", Payload: enc({ errorMessage: "connect ETIMEDOUT" }) as never })
      .resolves({ StatusCode: 200, Payload: enc({ action: "invalid", problems: ["instanceId: must be an EC2 instance id"] }) as never });
    const drainer = new InvokedNodeDrainer(lambda, "fn");
    await assert.rejects(drainer.onNodeInterruption("i-0123456789abcdef0"), /failed to drain i-0123456789abcdef0: Unhandled.*ETIMEDOUT/);
    await assert.rejects(drainer.onNodeInterruption("i-0123456789abcdef0"), /refused the drain.*must be an EC2 instance id/);
  });
});
