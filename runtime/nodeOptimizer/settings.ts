/**
 * The node optimizer's settings: the cluster (name, endpoint and CA: the component reads them with
 * `aws.eks.getCluster`, so the function needs no eks:DescribeCluster permission nor the EKS
 * client), the node groups it rebalances, and the deadlines of a drain and of a rebalance. The
 * component checks them with `parseNodeOptimizerSettings` at preview and puts them in
 * COSTGUARD_SETTINGS; the handler reads them back with `nodeOptimizerSettingsFromEnv`. (The spot
 * advice's settings, which it consults, come as spot/settings.ts's, in COSTGUARD_SPOT_SETTINGS.)
 */
import { checkSettings, settingsFromEnv } from "../shared/settings";
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
export type NodeOptimizerRuntimeSettingsInput = z.input<typeof NodeOptimizerRuntimeSettings>;

/** The settings as the handler will read them; throws naming every problem, after `what`. */
export function parseNodeOptimizerSettings(value: unknown, what = "node optimizer settings"): NodeOptimizerRuntimeSettings {
  return checkSettings(NodeOptimizerRuntimeSettings, value, what);
}

/** The settings the component put in the function's COSTGUARD_SETTINGS. */
export function nodeOptimizerSettingsFromEnv(env: Record<string, string | undefined> = process.env): NodeOptimizerRuntimeSettings {
  return settingsFromEnv(NodeOptimizerRuntimeSettings, env);
}
