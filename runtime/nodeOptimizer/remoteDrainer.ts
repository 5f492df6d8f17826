/**
 * The NodeInterruptionHandler for callers without Kubernetes access (the spot-events
 * handler): invokes the node optimizer function with `{ action: "drain", instanceId }` and
 * waits for its DrainOutcome. The caller needs lambda:InvokeFunction on it
 * (NodeOptimizer.invokeStatements()) and a timeout above drainDeadlineSeconds plus a cold start;
 * the function name reaches it as ENV.nodeOptimizerFunction.
 */
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { DrainOutcome } from "./actionsDrain";
import type { NodeOptimizerEvent } from "./run";

/** The IAM action of the call below, on the node optimizer function. */
export const DRAIN_INVOKE_ACTION = "lambda:InvokeFunction";

export class InvokedNodeDrainer {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
  ) {}

  /** The node's drain outcome; undefined when the optimizer does not drain on this signal (a rebalance recommendation, by default). */
  async onNodeInterruption(instanceId: string, signal: "interruption-warning" | "rebalance-recommendation" = "interruption-warning"): Promise<DrainOutcome | undefined> {
    // Typed as the event the node optimizer's handler validates, so the two cannot drift apart.
    const request: NodeOptimizerEvent = signal === "interruption-warning" ? { action: "drain", instanceId } : { action: "drain", instanceId, signal };
    const res = await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: "RequestResponse",
        Payload: new TextEncoder().encode(JSON.stringify(request)),
      }),
    );
    const text = res.Payload ? new TextDecoder().decode(res.Payload) : "";
    if (res.FunctionError) throw new Error(`node optimizer ${this.functionName} failed to drain ${instanceId}: ${res.FunctionError} ${text.slice(0, 300)}`);
    const body = JSON.parse(text || "{}") as { action?: string; outcome?: DrainOutcome; problems?: string[] };
    if (body.action === "not-drained") return undefined;
    if (body.action !== "drain" || !body.outcome) throw new Error(`node optimizer ${this.functionName} refused the drain of ${instanceId}: ${(body.problems ?? [text]).join("; ").slice(0, 300)}`);
    return body.outcome;
  }
}
