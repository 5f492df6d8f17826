/**
 * Action adapter: applies stop actions (saving the values before the stop first) and restores
 * them. Each action is tried on its own: a throttled or failed action is reported and the run
 * goes on; the next run plans it again because the resource is still running.
 */
import { UpdateAutoScalingGroupCommand, type AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { UpdateServiceCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { StartDBInstanceCommand, StopDBInstanceCommand, type RDSClient } from "@aws-sdk/client-rds";
import type { ActionResult, StopAction } from "./model";
import type { FailsafeStore } from "./store";

/**
 * The IAM actions of the calls below, by kind of resource: each stop with the start that
 * restores it. The component allows them only on resources whose Environment tag names an
 * environment the failsafe may stop, and denies them on anything protected.
 */
export const STOP_ACTIONS = {
  instances: ["ec2:StopInstances", "ec2:StartInstances"],
  autoScalingGroups: ["autoscaling:UpdateAutoScalingGroup"],
  services: ["ecs:UpdateService"],
  databases: ["rds:StopDBInstance", "rds:StartDBInstance"],
} as const;

/** Only for spot instances EC2 cannot stop, in environments whose `unstoppableSpot` is terminate. */
export const TERMINATE_ACTION = "ec2:TerminateInstances";

/**
 * What StartInstances needs of a customer-managed KMS key when the instance's EBS volumes are
 * encrypted with it (EBS user guide, "Permissions for users"): EC2 creates a grant for the
 * volume and uses the key on the caller's behalf. Without these, restore fails on such volumes.
 */
export const EBS_KEY_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"] as const;
export const EBS_GRANT_ACTIONS = ["kms:CreateGrant"] as const;

export interface ActionClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  ecs: ECSClient;
  rds: RDSClient;
}

/** The clients of the unit that owns an action's resource (one set of clients: the home unit's). */
export type ActionClientsFor = ActionClients | ((action: StopAction) => ActionClients);
const clientsOf = (c: ActionClientsFor, a: StopAction): ActionClients => (typeof c === "function" ? c(a) : c);

const message = (err: unknown) => {
  const e = err as { name?: string; message?: string };
  return e.name && e.message && !e.message.startsWith(e.name) ? `${e.name}: ${e.message}` : (e.message ?? String(err));
};

async function stop(clients: ActionClients, a: StopAction): Promise<void> {
  switch (a.kind) {
    case "stop-instance":
      await clients.ec2.send(new StopInstancesCommand({ InstanceIds: [a.id] }));
      return;
    case "scale-asg":
      await clients.autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: a.id, MinSize: 0, DesiredCapacity: 0 }));
      return;
    case "scale-service":
      await clients.ecs.send(new UpdateServiceCommand({ cluster: a.cluster, service: a.service, desiredCount: 0 }));
      return;
    case "stop-db":
      await clients.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: a.id }));
      return;
    case "terminate-instance":
      await clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [a.id] }));
      return;
  }
}

async function start(clients: ActionClients, a: StopAction): Promise<void> {
  switch (a.kind) {
    case "stop-instance":
      await clients.ec2.send(new StartInstancesCommand({ InstanceIds: [a.id] }));
      return;
    case "scale-asg":
      await clients.autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: a.id, MinSize: a.previous.minSize, DesiredCapacity: a.previous.desiredCapacity }));
      return;
    case "scale-service":
      await clients.ecs.send(new UpdateServiceCommand({ cluster: a.cluster, service: a.service, desiredCount: a.previous.desiredCount }));
      return;
    case "stop-db":
      await clients.rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: a.id }));
      return;
    case "terminate-instance":
      // Never saved for restore: a terminated instance cannot be brought back.
      return;
  }
}

/**
 * EC2's answer when it will never stop an instance (a one-time spot instance, an
 * instance-store root): retrying is pointless, unlike throttling.
 */
export function isRefusal(err: unknown): boolean {
  const e = err as { name?: string; Code?: string };
  return e?.name === "UnsupportedOperation" || e?.Code === "UnsupportedOperation";
}

/** Applies stop actions in order. Dry-run actions are only reported. */
export async function applyStops(clients: ActionClientsFor, store: FailsafeStore, actions: StopAction[], now: number): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  for (const action of actions) {
    if (action.dryRun) {
      results.push({ action, outcome: "dry-run" });
      continue;
    }
    try {
      // Saved before acting: if the stop succeeds and anything after fails, restore still knows.
      if (action.kind !== "terminate-instance") await store.saveBeforeStop(action, now);
      await stop(clientsOf(clients, action), action);
      results.push({ action, outcome: "applied" });
    } catch (err) {
      if (action.kind === "stop-instance" && isRefusal(err)) {
        // Nothing was stopped: restore must not "start" it. The caller remembers the refusal.
        await store.forgetSaved(action);
        results.push({ action, outcome: "refused", error: message(err) });
      } else {
        results.push({ action, outcome: "failed", error: message(err) });
      }
    }
  }
  return results;
}

export interface RestoreResult {
  action: StopAction;
  outcome: "restored" | "gone" | "failed" | "dry-run";
  error?: string;
}

/** Errors meaning the resource no longer exists: nothing to bring back, forget it. */
const GONE = /NotFound|not found|ServiceNotFound|ServiceNotActive|DBInstanceNotFound|InvalidInstanceID/i;

/** Restore order: databases first, then instances, then the fleets and services that use them. */
const RESTORE_ORDER: StopAction["kind"][] = ["stop-db", "stop-instance", "scale-asg", "scale-service"];

/** Calls at once during a restore: fast enough for large environments, gentle on API rate limits. */
const RESTORE_CONCURRENCY = 8;

/** Brings back every saved resource of a group; a saved value is forgotten once restored. */
export async function restoreSaved(clients: ActionClientsFor, store: FailsafeStore, saved: StopAction[], dryRun: boolean): Promise<RestoreResult[]> {
  const ordered = [...saved].sort((a, b) => RESTORE_ORDER.indexOf(a.kind) - RESTORE_ORDER.indexOf(b.kind) || a.id.localeCompare(b.id));
  if (dryRun) return ordered.map((action) => ({ action, outcome: "dry-run" }));
  const results: RestoreResult[] = new Array(ordered.length);
  const one = async (i: number) => {
    const action = ordered[i]!;
    try {
      await start(clientsOf(clients, action), action);
      await store.forgetSaved(action);
      results[i] = { action, outcome: "restored" };
    } catch (err) {
      const text = message(err);
      if (GONE.test(text)) {
        await store.forgetSaved(action);
        results[i] = { action, outcome: "gone", error: text };
      } else {
        results[i] = { action, outcome: "failed", error: text };
      }
    }
  };
  // Kind by kind (databases before what uses them), a few calls at a time within a kind.
  for (const kind of RESTORE_ORDER) {
    const indexes = ordered.map((a, i) => (a.kind === kind ? i : -1)).filter((i) => i >= 0);
    for (let k = 0; k < indexes.length; k += RESTORE_CONCURRENCY) await Promise.all(indexes.slice(k, k + RESTORE_CONCURRENCY).map(one));
  }
  return results;
}

/** Human text for one action, used in audit records, events and guardctl output. */
export function describeAction(a: StopAction): string {
  const where = a.unit ? ` in ${a.unit.account}/${a.unit.region}` : "";
  return describeKind(a) + where;
}

function describeKind(a: StopAction): string {
  switch (a.kind) {
    case "stop-instance":
      return `stop instance ${a.id}`;
    case "scale-asg":
      return `scale ASG ${a.id} to 0 (was min ${a.previous.minSize}, desired ${a.previous.desiredCapacity})`;
    case "scale-service":
      return `scale service ${a.service} to 0 (was ${a.previous.desiredCount})`;
    case "stop-db":
      return `stop DB instance ${a.id}`;
    case "terminate-instance":
      return `terminate instance ${a.id} (${a.reason}; cannot be restored)`;
  }
}
