/**
 * Kubernetes node optimizer (SPEC S5): `{ action: "drain", instanceId }` cordons and drains
 * the node of an interrupted instance within the notice; the schedule (`{ action: "rebalance" }`)
 * replaces on-demand nodes of the configured groups by spot nodes, one per group per run.
 */
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { SNSClient } from "@aws-sdk/client-sns";
import type { Context } from "aws-lambda";
import { z } from "zod";
import { ENV } from "../contract";
import { SdkAsgGateway, type AsgGateway } from "../k8s/asgGateway";
import { NodeDrainer, realClock, summarizeDrain, type Clock, type DrainOutcome } from "../k8s/drain";
import { EksTokenSource } from "../k8s/eksToken";
import { ClientNodeKube, type KubeNodes } from "../k8s/kubeApi";
import { clusterKubeConfig } from "../k8s/kubeConfig";
import { spotStoresFromEnv } from "../spot/env";
import { Rebalancer, type CapacityAdvisor, type RebalanceResult } from "../k8s/rebalance";
import { NodeOptimizerEvent, NodeOptimizerRuntimeSettings } from "../k8s/settings";
import { publishEvent } from "../shared/events";
import { createLogger, type Log } from "../shared/observability";

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
}

/**
 * Until the spot advisor (circuit breaker + pool risk) is wired in, the rebalance fails safe:
 * it keeps on-demand and says why.
 */
export const unwiredAdvisor: CapacityAdvisor = {
  adviseCapacity: async () => ({ capacity: "on-demand", reason: "no capacity advisor wired (circuit breaker and pool risk not available): on-demand kept" }),
};

export type NodeOptimizerResult =
  | { action: "drain"; outcome: DrainOutcome }
  | { action: "rebalance"; results: RebalanceResult[]; notStarted: string[] }
  | { action: "invalid"; problems: string[] };

/** Leave room for the slowest replacement (wait Ready + drain) plus clean-up before starting a group. */
const startBudgetMs = (s: NodeOptimizerRuntimeSettings) => (s.nodeReadyTimeoutSeconds + s.rebalanceDrainSeconds + 60) * 1000;

export async function handleNodeOptimizerEvent(event: unknown, deps: NodeOptimizerDeps, remainingMs: () => number = () => Infinity): Promise<NodeOptimizerResult> {
  const parsed = NodeOptimizerEvent.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`);
    deps.log.error("malformed node optimizer event: skipped", { problems, event: JSON.stringify(event).slice(0, 500) });
    return { action: "invalid", problems };
  }
  const { settings, log } = deps;
  const clock = deps.clock ?? realClock;

  if ("action" in parsed.data && parsed.data.action === "drain") {
    const drainer = new NodeDrainer(deps.kube, { deadlineSeconds: settings.drainDeadlineSeconds, clock, log });
    const outcome = await drainer.drainNodeForInstance(parsed.data.instanceId);
    if (outcome.nodeFound) {
      const s = summarizeDrain(outcome);
      await publishEvent(deps.sns, deps.topicArn, {
        kind: "node-optimizer",
        severity: outcome.complete ? "info" : "warning",
        title: `${outcome.complete ? "Drained" : "Partly drained"} node ${outcome.node} (${outcome.instanceId}) on interruption`,
        stack: deps.stack,
        lines: [...outcome.pending.map((p) => `blocked: ${p.pod} (${p.reason})`), ...outcome.failed.map((f) => `refused: ${f.pod} (${f.reason})`)].slice(0, 10),
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
    log.info("rebalance", { group, outcome: result.outcome, reason: result.reason, oldInstanceId: result.oldInstanceId, newInstanceId: result.newInstanceId });
    if (result.outcome === "skipped") continue;
    await publishEvent(deps.sns, deps.topicArn, {
      kind: "node-optimizer",
      severity: result.rollbackErrors.length ? "critical" : result.outcome === "rolled-back" ? "warning" : "info",
      title: result.outcome === "replaced" ? `Replaced an on-demand node of ${group} by spot` : `Rebalance of ${group} rolled back at ${result.failedStep}`,
      stack: deps.stack,
      lines: [result.reason, ...result.rollbackErrors.map((e) => `rollback problem: ${e}`)],
      fields: { cluster: settings.clusterName, old: result.oldInstanceId ?? "-", new: result.newInstanceId ?? "-" },
    });
  }
  if (notStarted.length) log.warn("not enough time left in this run for every group; they are next run's", { notStarted });
  return { action: "rebalance", results, notStarted };
}

const HandlerEnv = z.object({
  [ENV.stack]: z.string().min(1),
  [ENV.alertTopicArn]: z.string().startsWith("arn:"),
  [ENV.settings]: z.string().min(2),
  AWS_REGION: z.string().min(1),
});

/** Builds the real dependencies from the Lambda environment. */
export function buildDeps(env: NodeJS.ProcessEnv = process.env): NodeOptimizerDeps {
  const e = HandlerEnv.parse(env);
  const settings = NodeOptimizerRuntimeSettings.parse(JSON.parse(e[ENV.settings]));
  const region = e.AWS_REGION;
  const ec2 = new EC2Client({ region });
  const tokens = new EksTokenSource({ clusterName: settings.clusterName, region, credentials: () => ec2.config.credentials() });
  const kube = new ClientNodeKube(clusterKubeConfig({ clusterName: settings.clusterName, endpoint: settings.endpoint, certificateAuthority: settings.certificateAuthority, tokens }));
  return {
    settings,
    kube,
    asg: new SdkAsgGateway(new AutoScalingClient({ region }), ec2),
    // The spot advice (circuit breaker + pool risk) when spot resilience is deployed beside it.
    advisor: env[ENV.breakerTable] ? spotStoresFromEnv(env, { settingsVar: ENV.spotSettings }).advisor : unwiredAdvisor,
    sns: new SNSClient({ region }),
    topicArn: e[ENV.alertTopicArn],
    stack: e[ENV.stack],
    log: createLogger("costguard-nodeOptimizer"),
  };
}

let deps: NodeOptimizerDeps | undefined;

export const handler = async (event: unknown, context?: Context): Promise<NodeOptimizerResult> => {
  deps ??= buildDeps();
  return handleNodeOptimizerEvent(event, deps, () => context?.getRemainingTimeInMillis() ?? Infinity);
};
