/**
 * The enforcer's inventory: every instance that is pending, running, stopping or stopped, as
 * plain records, and which of the unauthorised ones have termination protection.
 */
import { DescribeInstanceAttributeCommand, paginateDescribeInstances, type EC2Client } from "@aws-sdk/client-ec2";
import type { InstanceRecord } from "./decide";

/** The IAM actions of the reads below; EC2's Describe calls support no resource-level permissions (granted on "*"). */
export const INVENTORY_ACTIONS = ["ec2:DescribeInstances", "ec2:DescribeInstanceAttribute"] as const;

export async function listInstances(ec2: EC2Client): Promise<InstanceRecord[]> {
  const out: InstanceRecord[] = [];
  const filter = { Filters: [{ Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] }] };
  for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 1000 }, filter)) {
    for (const r of page.Reservations ?? []) {
      for (const i of r.Instances ?? []) {
        if (!i.InstanceId) continue;
        const tags: Record<string, string> = {};
        for (const t of i.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? "";
        out.push({ id: i.InstanceId, state: i.State?.Name ?? "unknown", instanceType: i.InstanceType ?? "unknown", tags, launchTime: i.LaunchTime ? new Date(i.LaunchTime).toISOString() : undefined });
      }
    }
  }
  return out;
}

/**
 * Which of these instances have termination protection on. The attribute is not in
 * DescribeInstances, so it takes one call per instance: only unauthorised candidates are
 * asked, a few at a time to stay under EC2's request rate.
 */
export async function withTerminationProtection(ec2: EC2Client, ids: string[], concurrency = 5): Promise<Set<string>> {
  const on = new Set<string>();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const out = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: "disableApiTermination" }));
      if (out.DisableApiTermination?.Value) on.add(id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return on;
}
