/**
 * What the node optimizer function is told at deploy time (COSTGUARD_SETTINGS, JSON) and
 * the events it accepts. The cluster endpoint and CA come from `aws.eks.getCluster` in the
 * component, so the function needs no eks:DescribeCluster permission (nor the EKS client).
 */
import * as z from "../shared/zod";

export const NodeOptimizerRuntimeSettings = z.object({
  clusterName: z.string().check(z.minLength(1)),
  /** API server URL (https). */
  endpoint: z.url(),
  /** Base64 PEM bundle of the cluster CA. */
  certificateAuthority: z.string().check(z.minLength(1)),
  autoScalingGroups: z._default(z.array(z.string().check(z.minLength(1))), []),
  drainDeadlineSeconds: z.int().check(z.positive()),
  nodeReadyTimeoutSeconds: z.int().check(z.positive()),
  rebalanceDrainSeconds: z.int().check(z.positive()),
  /** Drain a node on an EC2 rebalance recommendation too, not only on the interruption warning (off, as in AWS Node Termination Handler). */
  drainOnRebalanceRecommendation: z._default(z.boolean(), false),
});
export type NodeOptimizerRuntimeSettings = z.infer<typeof NodeOptimizerRuntimeSettings>;

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
