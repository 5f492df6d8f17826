/**
 * The node optimizer's run: `{ action: "drain", instanceId }` cordons and drains the node of an
 * interrupted instance within the notice (actionsDrain.ts); the schedule (`{ action: "rebalance" }`)
 * replaces on-demand nodes of the configured groups by spot nodes, one per group per run
 * (runRebalance.ts). Anything else is refused before any AWS or Kubernetes call.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SNSClient } from "@aws-sdk/client-sns";
import { publishEvent } from "../shared/events";
import { eventExcerpt, problemsOf } from "../shared/invocation";
import type { Log } from "../shared/observability";
import * as z from "../shared/zod";
import { NodeDrainer, realClock, summarizeDrain, type Clock, type DrainOutcome } from "./actionsDrain";
import type { AsgGateway } from "./asgGateway";
import type { KubeNodes } from "./kubeApi";
import type { CapacityAdvisor, RebalanceResult } from "./model";
import { Rebalancer } from "./runRebalance";
import type { NodeOptimizerRuntimeSettings } from "./settings";

/** An EC2 instance id (i- and 8 or 17 hex digits). */
const InstanceId = z.string().check(z.regex(/^i-([0-9a-f]{8}|[0-9a-f]{17})$/, "must be an EC2 instance id such as i-0123456789abcdef0"));

/**
 * What the node optimizer accepts; anything else is refused before any AWS or Kubernetes call.
 * A drain says which EC2 signal asked for it: a rebalance recommendation drains only when
 * drainOnRebalanceRecommendation is on.
 */
export const NodeOptimizerEvent = z.union([
  /** Direct invocation (the spot-events handler, an operator): drain the instance's node now. */
  z.strictObject({ action: z.literal("drain"), instanceId: InstanceId, signal: z.optional(z.enum(["interruption-warning", "rebalance-recommendation"])) }),
  /** The schedule's fixed input. */
  z.strictObject({ action: z.literal("rebalance") }),
  /** A schedule without input: EventBridge's own Scheduled Event. */
  z.object({ source: z.literal("aws.events"), "detail-type": z.literal("Scheduled Event") }),
]);
export type NodeOptimizerEvent = z.infer<typeof NodeOptimizerEvent>;

export interface NodeOptimizerDeps {
  settings: NodeOptimizerRuntimeSettings;
  kube: KubeNodes;
  asg: AsgGateway;
  advisor: CapacityAdvisor;
  sns: SNSClient;
  topicArn: string;
  stack: string;
  log: Log;
  clock?: Clock;
  /** The node optimizer's table: a lease per group and each group's rebalance journal. */
  store?: { doc: DynamoDBDocumentClient; table: string };
  /** Who this run is, in leases (the Lambda request id). */
  runId?: string;
}

/**
 * Until the spot advisor (circuit breaker + pool risk) is wired in, the rebalance fails safe:
 * it keeps on-demand and says why.
 */
const UNWIRED = "no capacity advisor wired (circuit breaker and pool risk not available): on-demand kept";
export const unwiredAdvisor: CapacityAdvisor = {
  adviseCapacity: async () => ({ capacity: "on-demand", reason: UNWIRED }),
  isHealthy: async () => ({ healthy: false, reason: UNWIRED }),
};

export type NodeOptimizerResult =
  | { action: "drain"; outcome: DrainOutcome }
  /** A drain asked on a signal the settings do not drain on (a rebalance recommendation, by default). */
  | { action: "not-drained"; reason: string }
  | { action: "rebalance"; results: RebalanceResult[]; notStarted: string[] }
  | { action: "invalid"; problems: string[] };

/** Leave room for the slowest replacement (wait Ready + drain) plus clean-up before starting a group. */
const startBudgetMs = (s: NodeOptimizerRuntimeSettings) => (s.nodeReadyTimeoutSeconds + s.rebalanceDrainSeconds + 60) * 1000;

/** Validates first: a malformed invocation (undefined included) is refused with what was expected, touching nothing. */
export function acceptEvent(event: unknown, log: Pick<Log, "error">): { ok: true; event: NodeOptimizerEvent } | { ok: false; result: NodeOptimizerResult } {
  const parsed = NodeOptimizerEvent.safeParse(event);
  if (parsed.success) return { ok: true, event: parsed.data };
  const problems = [
    'expected {"action":"drain","instanceId":"i-…"}, {"action":"rebalance"} or the schedule\'s Scheduled Event',
    ...problemsOf(parsed.error),
  ];
  log.error("malformed node optimizer event: refused", { problems, event: eventExcerpt(event) });
  return { ok: false, result: { action: "invalid", problems } };
}

export async function handleNodeOptimizerEvent(event: unknown, deps: NodeOptimizerDeps, remainingMs: () => number = () => Infinity): Promise<NodeOptimizerResult> {
  const accepted = acceptEvent(event, deps.log);
  if (!accepted.ok) return accepted.result;
  const request = accepted.event;
  const { settings, log } = deps;
  const clock = deps.clock ?? realClock;

  if ("action" in request && request.action === "drain") {
    if (request.signal === "rebalance-recommendation" && !settings.drainOnRebalanceRecommendation) {
      const reason = `a rebalance recommendation is a hint: ${request.instanceId} is drained on its interruption warning (set costguard:nodeOptimizer.drainOnRebalanceRecommendation to drain earlier)`;
      log.info("not draining on a rebalance recommendation", { instanceId: request.instanceId });
      return { action: "not-drained", reason };
    }
    const drainer = new NodeDrainer(deps.kube, { deadlineSeconds: settings.drainDeadlineSeconds, clock, log });
    const outcome = await drainer.drainNodeForInstance(request.instanceId);
    if (outcome.nodeFound) {
      const s = summarizeDrain(outcome);
      await publishEvent(deps.sns, deps.topicArn, {
        kind: "node-optimizer",
        severity: outcome.complete && !outcome.forced.length ? "info" : "warning",
        title: `${outcome.complete ? "Drained" : "Partly drained"} node ${outcome.node} (${outcome.instanceId}) on ${request.signal === "rebalance-recommendation" ? "a rebalance recommendation" : "interruption"}`,
        stack: deps.stack,
        lines: [
          ...outcome.forced.map((f) => `evicted although it ${f.reason}: ${f.pod}`),
          ...outcome.pending.map((p) => `blocked: ${p.pod} (${p.reason})`),
          ...outcome.failed.map((f) => `refused: ${f.pod} (${f.reason})`),
        ].slice(0, 15),
        fields: { cluster: settings.clusterName, evicted: String(s.evicted), skipped: String(s.skipped), "deadline reached": String(s.deadlineReached) },
      });
    }
    return { action: "drain", outcome };
  }

  const rebalancer = new Rebalancer(deps.asg, deps.kube, deps.advisor, {
    readyTimeoutSeconds: settings.nodeReadyTimeoutSeconds,
    drainSeconds: settings.rebalanceDrainSeconds,
    clock,
    log,
    store: deps.store,
    runId: deps.runId,
  });
  const results: RebalanceResult[] = [];
  const notStarted: string[] = [];
  for (const group of settings.autoScalingGroups) {
    if (remainingMs() < startBudgetMs(settings)) {
      notStarted.push(group);
      continue;
    }
    const result = await rebalancer.rebalanceGroup(group);
    results.push(result);
    log.info("rebalance", { group, outcome: result.outcome, reason: result.reason, oldInstanceId: result.oldInstanceId, newInstanceId: result.newInstanceId, resumed: result.resumed });
    if (result.outcome === "skipped") continue;
    const resumed = result.resumed ? " (finishing an interrupted run)" : "";
    await publishEvent(deps.sns, deps.topicArn, {
      kind: "node-optimizer",
      severity: result.rollbackErrors.length ? "critical" : result.outcome === "replaced" ? "info" : "warning",
      title:
        result.outcome === "replaced"
          ? `Replaced an on-demand node of ${group} by spot${resumed}`
          : result.outcome === "settled"
            ? `The group ${group} changed during a rebalance; settled without losing capacity${resumed}`
            : `Rebalance of ${group} rolled back at ${result.failedStep}${resumed}`,
      stack: deps.stack,
      lines: [result.reason, ...result.notes, ...result.rollbackErrors.map((e) => `rollback problem: ${e} (the next run tries again)`)].slice(0, 15),
      fields: { cluster: settings.clusterName, old: result.oldInstanceId ?? "-", new: result.newInstanceId ?? "-" },
    });
  }
  if (notStarted.length) log.warn("not enough time left in this run for every group; they are next run's", { notStarted });
  return { action: "rebalance", results, notStarted };
}
