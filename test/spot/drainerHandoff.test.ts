/** The spot-events handler hands an EKS node to the node optimizer function (and only when one is deployed). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { drainerFrom } from "../../runtime/handlers/spotEvents";
import { spotSettingsFromEnv } from "../../runtime/spot/settings";
import { spotStoresFromEnv } from "../../runtime/spot/store";

describe("spot events → node drainer", () => {
  it("does nothing when no node optimizer is deployed", () => {
    assert.equal(drainerFrom({}), undefined);
  });

  it("invokes the named node optimizer with a drain of the interrupted instance and waits for its outcome", async () => {
    const lambda = mockClient(LambdaClient);
    const calls: { fn: string; payload: unknown; type?: string }[] = [];
    lambda.on(InvokeCommand).callsFake(async (input: { FunctionName: string; InvocationType?: string; Payload: Uint8Array }) => {
      calls.push({ fn: input.FunctionName, type: input.InvocationType, payload: JSON.parse(new TextDecoder().decode(input.Payload)) });
      return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify({ action: "drain", outcome: { nodeName: "ip-10-0-0-1", evicted: 3, skipped: 1, failed: 0, deadlineReached: false } })) };
    });
    try {
      const drain = drainerFrom({ COSTGUARD_NODE_OPTIMIZER_FUNCTION: "costguard-dev-node-optimizer" })!;
      await drain({ kind: "interruption", instanceId: "i-0abc", clusterName: "shop", instanceType: "m5.large", availabilityZone: "us-east-1a" });
      assert.deepEqual(calls, [{ fn: "costguard-dev-node-optimizer", type: "RequestResponse", payload: { action: "drain", instanceId: "i-0abc" } }]);
    } finally {
      lambda.restore();
    }
  });

  it("says when the signal is only a rebalance recommendation, so the node optimizer can decline it", async () => {
    const lambda = mockClient(LambdaClient);
    const payloads: unknown[] = [];
    lambda.on(InvokeCommand).callsFake(async (input: { Payload: Uint8Array }) => {
      payloads.push(JSON.parse(new TextDecoder().decode(input.Payload)));
      return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify({ action: "not-drained", reason: "hint" })) };
    });
    try {
      const drain = drainerFrom({ COSTGUARD_NODE_OPTIMIZER_FUNCTION: "costguard-dev-node-optimizer" })!;
      await drain({ kind: "rebalance", instanceId: "i-0abc0000", clusterName: "shop", instanceType: "m5.large", availabilityZone: "us-east-1a" });
      assert.deepEqual(payloads, [{ action: "drain", instanceId: "i-0abc0000", signal: "rebalance-recommendation" }]);
    } finally {
      lambda.restore();
    }
  });

  it("fails (so EventBridge retries) when the drainer refuses", async () => {
    const lambda = mockClient(LambdaClient);
    lambda.on(InvokeCommand).callsFake(async () => ({ StatusCode: 200, FunctionError: "Unhandled", Payload: new TextEncoder().encode(`{"errorMessage":"boom"}`) }));
    try {
      const drain = drainerFrom({ COSTGUARD_NODE_OPTIMIZER_FUNCTION: "costguard-dev-node-optimizer" })!;
      await assert.rejects(drain({ kind: "interruption", instanceId: "i-0abc", clusterName: "shop", instanceType: "m5.large", availabilityZone: "us-east-1a" }), /failed to drain i-0abc/);
    } finally {
      lambda.restore();
    }
  });
});

describe("spot advice settings for another function", () => {
  it("reads COSTGUARD_SPOT_SETTINGS when asked, and names it when it is not JSON", () => {
    const base = { COSTGUARD_STACK: "dev", COSTGUARD_BREAKER_TABLE: "b", COSTGUARD_POOL_RISK_TABLE: "p", COSTGUARD_ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:1:t", AWS_REGION: "us-east-1", COSTGUARD_SETTINGS: '{"clusterName":"shop"}' };
    const settings = spotSettingsFromEnv({ ...base, COSTGUARD_SPOT_SETTINGS: JSON.stringify({ breaker: { threshold: 7 } }) }, "COSTGUARD_SPOT_SETTINGS");
    assert.equal(settings.breaker.threshold, 7, "the node optimizer's own COSTGUARD_SETTINGS is not read as spot settings");
    assert.throws(() => spotSettingsFromEnv({ ...base, COSTGUARD_SPOT_SETTINGS: "{oops" }, "COSTGUARD_SPOT_SETTINGS"), /COSTGUARD_SPOT_SETTINGS must be JSON/);
    assert.equal(spotSettingsFromEnv(base, "COSTGUARD_SPOT_SETTINGS").breaker.threshold, 3, "unset: the defaults");
  });

  it("builds the stores over the named tables, with the settings the spot functions read when none are given", () => {
    const env = { COSTGUARD_STACK: "dev", COSTGUARD_BREAKER_TABLE: "b", COSTGUARD_POOL_RISK_TABLE: "p", COSTGUARD_ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:1:t", AWS_REGION: "us-east-1", COSTGUARD_SETTINGS: JSON.stringify({ breaker: { threshold: 5 } }) };
    assert.equal(spotStoresFromEnv(env).breakers.settings.threshold, 5);
    assert.equal(spotStoresFromEnv(env, spotSettingsFromEnv({}, "COSTGUARD_SPOT_SETTINGS")).breakers.settings.threshold, 3);
    assert.throws(() => spotStoresFromEnv({ ...env, COSTGUARD_BREAKER_TABLE: "" }), /COSTGUARD_BREAKER_TABLE/);
  });
});
