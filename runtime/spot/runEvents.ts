/**
 * The spot events' run, for interruption signals: EventBridge `EC2 Spot Instance Interruption Warning` and
 * `EC2 Instance Rebalance Recommendation` events → instance lookup → breaker and pool risk →
 * metrics, alert event, and (for Kubernetes nodes) the drainer hook.
 *
 * Rebalance recommendations are recorded as a signal (a counter on the breaker item, a log
 * line) but do not count toward the breaker threshold and do not poison pools: AWS sends
 * them early and often, many are never followed by an interruption, and counting them would
 * open circuits on noise. An interruption warning is the fact that counts.
 *
 * Events of other regions and of member accounts arrive too (organisation mode): the instance is
 * read in the unit the event names (eventUnits.ts says which are accepted), and its pool is
 * keyed by the AZ ID, which is the same physical zone in every account (zones.ts).
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { GuardEventInput } from "../contract";
import { eventExcerpt } from "../shared/invocation";
import type { Log, MetricSink } from "../shared/observability";
import { ACCOUNT_ID, describeUnitError, type Unit } from "../shared/units";
import * as z from "../shared/zod";
import type { Transition } from "./breaker";
import { describeInstance } from "./inventory";
import type { InstanceFacts, NodeInterruption } from "./model";
import type { BreakerStore } from "./storeBreakers";
import { unitOfEvent, type EventUnitsDeps } from "./eventUnits";
import type { PoolRiskStore } from "./storePoolRisk";
import { ZoneIds } from "./zones";

export const INTERRUPTION_WARNING = "EC2 Spot Instance Interruption Warning";
export const REBALANCE_RECOMMENDATION = "EC2 Instance Rebalance Recommendation";

/** The two EventBridge events this function exists for; anything else is refused before any AWS call. */
export const SpotEvent = z.object({
  source: z.literal("aws.ec2"),
  "detail-type": z.enum([INTERRUPTION_WARNING, REBALANCE_RECOMMENDATION]),
  id: z.optional(z.string().check(z.maxLength(128))),
  account: z.optional(z.string().check(z.regex(ACCOUNT_ID, "must be a 12-digit AWS account id"))),
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region such as "us-east-1"')),
  time: z.optional(z.iso.datetime()),
  detail: z.object({
    "instance-id": z.string().check(z.regex(/^i-([0-9a-f]{8}|[0-9a-f]{17})$/, "must be an EC2 instance id such as i-0123456789abcdef0")),
    "instance-action": z.optional(z.string().check(z.maxLength(64))),
  }),
});
export type SpotEvent = z.infer<typeof SpotEvent>;

export interface SpotEventDeps extends EventUnitsDeps {
  /** An EC2 client of a unit: the function's own credentials in its own account, the member role in another. */
  ec2For: (unit: Unit) => EC2Client;
  /** AZ names → IDs per unit (default: over ec2For, cached for this deps object's life). */
  zones?: ZoneIds;
  breakers: BreakerStore;
  pools: PoolRiskStore;
  stack: string;
  publish: (event: Omit<GuardEventInput, "source">) => Promise<void>;
  metric: MetricSink;
  log: Log;
  /** Seam for the Kubernetes node optimizer: called for instances that are EKS nodes. */
  onNodeInterruption?: (node: NodeInterruption) => Promise<void>;
  now?: () => number;
}

export type SpotEventResult =
  /** Not an EC2 spot signal (or malformed): nothing was looked up or recorded. */
  | { outcome: "refused"; reason: string }
  | { outcome: "skipped"; reason: string }
  | { outcome: "recorded"; kind: "interruption" | "rebalance"; instance: InstanceFacts; counted: boolean; transitions: Transition[]; poolPoisoned: boolean };

export async function handleSpotEvent(raw: unknown, deps: SpotEventDeps): Promise<SpotEventResult> {
  const now = (deps.now ?? Date.now)();
  const parsed = SpotEvent.safeParse(raw);
  if (!parsed.success) {
    const reason = `refused: not an EC2 spot interruption warning or rebalance recommendation from EventBridge (${parsed.error.issues.map((i) => `${i.path.join(".") || "event"} ${i.message}`).join("; ")})`;
    deps.log.warn(reason, { event: eventExcerpt(raw) });
    deps.metric("spotEventsSkipped", 1);
    return { outcome: "refused", reason };
  }
  const event = parsed.data;
  const instanceId = event.detail["instance-id"];
  const kind = event["detail-type"] === INTERRUPTION_WARNING ? "interruption" : "rebalance";
  const accepted = await unitOfEvent(event, deps);
  if (!accepted.ok) {
    deps.log.warn(accepted.reason, { eventId: event.id, account: event.account, region: event.region, instanceId });
    deps.metric("spotEventsSkipped", 1);
    return { outcome: "refused", reason: accepted.reason };
  }
  const { unit } = accepted;
  const ec2 = deps.ec2For(unit);
  const zones = (deps.zones ??= new ZoneIds(deps.ec2For));
  let instance: InstanceFacts | undefined;
  try {
    instance = await describeInstance(ec2, instanceId);
    if (instance?.availabilityZoneId) zones.remember(unit, instance.availabilityZone, instance.availabilityZoneId);
  } catch (err) {
    // A member role missing or refusing, a region refusing: the event is not lost, Lambda retries
    // it and then dead-letters it (the function-error and dead-letter alarms alert).
    const failure = describeUnitError(unit, err);
    deps.log.error(`spot ${kind} of ${instanceId} not read: ${failure.error}`, { eventId: event.id, account: unit.account, region: unit.region, code: failure.code });
    throw new Error(failure.error, { cause: err });
  }
  if (!instance) {
    const reason = `unknown instance ${instanceId} in ${kind} event ${event.id ?? ""}`.trim();
    deps.log.warn(reason);
    deps.metric("spotEventsSkipped", 1);
    return { outcome: "skipped", reason };
  }
  const at = event.time ? Date.parse(event.time) : now;

  // The drain is the time-critical part (two-minute notice): start it before the bookkeeping.
  // Only the stack's own account's nodes: the node optimizer drains its own cluster.
  const drain =
    accepted.home && instance.clusterName && deps.onNodeInterruption
      ? deps.onNodeInterruption({
          kind,
          instanceId,
          clusterName: instance.clusterName,
          instanceType: instance.instanceType,
          availabilityZone: instance.availabilityZone,
          autoScalingGroup: instance.autoScalingGroup,
          deadline: kind === "interruption" ? new Date(at + 2 * 60_000) : undefined,
        })
      : Promise.resolve();

  // Pools and per-AZ circuits are keyed by the zone's ID, translated in the instance's own account.
  let availabilityZoneId: string | undefined;
  const record = async () => {
    if (kind === "rebalance") {
      const zoneId = deps.breakers.settings.perAz ? await zones.idOf(unit, instance.availabilityZone) : undefined;
      const step = await deps.breakers.recordRebalance(instance.instanceType, zoneId, at);
      return { counted: false, transitions: step.written ? step.transitions : [], poolPoisoned: false };
    }
    availabilityZoneId = await zones.idOf(unit, instance.availabilityZone);
    const pool = { availabilityZoneId: availabilityZoneId!, instanceType: instance.instanceType };
    const [step, risk] = await Promise.all([
      deps.breakers.recordInterruption(instance.instanceType, availabilityZoneId, instanceId, at),
      deps.pools.recordInterruption(pool, { environment: instance.environment, instanceId, account: unit.account, at }),
    ]);
    return { counted: step.counted, transitions: step.written ? step.transitions : [], poolPoisoned: risk.poisoned };
  };

  const [drained, recorded] = await Promise.allSettled([drain, record()]);
  if (drained.status === "rejected") deps.log.error("handing the node to the drainer failed", { instanceId, error: String(drained.reason) });
  if (recorded.status === "rejected") throw recorded.reason;
  const { counted, transitions, poolPoisoned } = recorded.value;

  const where = `${instance.availabilityZone}${availabilityZoneId ? ` (${availabilityZoneId})` : ""}${accepted.home ? "" : ` of account ${unit.account}`}`;
  const detail = { instanceType: instance.instanceType, availabilityZone: instance.availabilityZone, availabilityZoneId: availabilityZoneId ?? "", account: unit.account, region: unit.region, environment: instance.environment ?? "untagged" };
  if (kind === "interruption" && counted) deps.metric("spotInterruptions", 1, {}, detail);
  for (const t of transitions) {
    deps.metric("spotBreakerTransitions", 1, {}, { breaker: t.key, from: t.from, to: t.to });
    deps.log.warn("circuit breaker transition", { ...t, at: new Date(t.at).toISOString() });
  }
  deps.log.info(`spot ${kind} recorded`, { ...instance, availabilityZoneId, account: unit.account, region: unit.region, counted, poolPoisoned, transitions: transitions.length });

  if (kind === "interruption" && counted) {
    const opened = transitions.some((t) => t.to === "open");
    await deps.publish({
      kind: "spot",
      severity: opened || poolPoisoned ? "warning" : "info",
      title: `Spot interruption: ${instance.instanceType} in ${where}`,
      stack: deps.stack,
      lines: [
        `${instanceId} (${instance.environment ?? "untagged"}${instance.autoScalingGroup ? `, ASG ${instance.autoScalingGroup}` : ""}${instance.clusterName ? `, EKS ${instance.clusterName}` : ""}) gets two minutes' notice.`,
        ...transitions.map((t) => `Circuit ${t.key}: ${t.from} → ${t.to} (${t.reason}).`),
        ...(poolPoisoned ? [`Pool ${availabilityZoneId}/${instance.instanceType} poisoned${deps.scope?.organization ? " for every account of the organisation" : ""}: new launches in that zone use on-demand.`] : []),
      ],
      fields: { "instance type": instance.instanceType, "availability zone": instance.availabilityZone, "AZ ID": availabilityZoneId ?? "", account: unit.account, region: unit.region },
    });
  }
  // A drainer failure is retried (recording is idempotent per instance id).
  if (drained.status === "rejected") throw drained.reason;
  return { outcome: "recorded", kind, instance, counted, transitions, poolPoisoned };
}
