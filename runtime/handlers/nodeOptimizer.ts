/**
 * Kubernetes node optimizer (SPEC S5): `{ action: "drain", instanceId }` cordons and drains
 * the node of an interrupted instance within the notice; the schedule (`{ action: "rebalance" }`)
 * replaces on-demand nodes of the configured groups by spot nodes, one per group per run.
 * Anything else is refused before any AWS or Kubernetes call.
 */
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import * as z from "../shared/zod";
import { ENV } from "../contract";
import { SdkAsgGateway, type AsgGateway } from "../k8s/asgGateway";
import { NodeDrainer, realClock, summarizeDrain, type Clock, type DrainOutcome } from "../k8s/drain";
import { EksTokenSource } from "../k8s/eksToken";
import type { KubeNodes } from "../k8s/kubeApi";
import { KubeRestClient } from "../k8s/kubeRest";
import { Rebalancer, type CapacityAdvisor, type RebalanceResult } from "../k8s/rebalance";
import { NodeOptimizerEvent, NodeOptimizerRuntimeSettings } from "../k8s/settings";
import { publishEvent } from "../shared/events";
import { createLogger, type Log } from "../shared/observability";
import { eventExcerpt, problemsOf } from "../shared/invocation";
import { spotSettingsFromEnv } from "../spot/settings";
import { spotStoresFromEnv } from "../spot/store";

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

const HandlerEnv = z.object({
  [ENV.stack]: z.string().check(z.minLength(1)),
  [ENV.alertTopicArn]: z.string().check(z.startsWith("arn:")),
  [ENV.settings]: z.string().check(z.minLength(2)),
  [ENV.optimizerTable]: z.optional(z.string().check(z.minLength(1))),
  AWS_REGION: z.string().check(z.minLength(1)),
});

/** Builds the real dependencies from the Lambda environment. */
export function buildDeps(env: NodeJS.ProcessEnv = process.env): NodeOptimizerDeps {
  const e = HandlerEnv.parse(env);
  const settings = NodeOptimizerRuntimeSettings.parse(JSON.parse(e[ENV.settings]));
  const region = e.AWS_REGION;
  const ec2 = new EC2Client({ region });
  const tokens = new EksTokenSource({ clusterName: settings.clusterName, region, credentials: () => ec2.config.credentials() });
  const kube = new KubeRestClient({ clusterName: settings.clusterName, endpoint: settings.endpoint, certificateAuthority: settings.certificateAuthority, tokens });
  const table = e[ENV.optimizerTable];
  return {
    settings,
    kube,
    asg: new SdkAsgGateway(new AutoScalingClient({ region }), ec2),
    // The spot advice (circuit breaker + pool risk) when spot resilience is deployed beside it.
    advisor: env[ENV.breakerTable] ? spotStoresFromEnv(env, spotSettingsFromEnv(env, ENV.spotSettings)).advisor : unwiredAdvisor,
    sns: new SNSClient({ region }),
    topicArn: e[ENV.alertTopicArn],
    stack: e[ENV.stack],
    log: createLogger("costguard-nodeOptimizer"),
    store: table ? { doc: DynamoDBDocumentClient.from(new DynamoDBClient({ region }), { marshallOptions: { removeUndefinedValues: true } }), table } : undefined,
  };
}

let deps: NodeOptimizerDeps | undefined;
const log = createLogger("costguard-nodeOptimizer");

export const handler = async (event: unknown, context?: Context): Promise<NodeOptimizerResult> => {
  // Refused before the clients are even built.
  const accepted = acceptEvent(event, log);
  if (!accepted.ok) return accepted.result;
  deps ??= buildDeps();
  return handleNodeOptimizerEvent(event, { ...deps, runId: context?.awsRequestId }, () => context?.getRemainingTimeInMillis() ?? Infinity);
};
