/**
 * The clean-up's actions on EC2: each step of a plan (decideCleanup.ts) applied, or in dry-run
 * only described. A failing step is recorded and the rest go on; the next run plans it again.
 */
import { CreateSnapshotCommand, CreateTagsCommand, DeleteSnapshotCommand, DeleteTagsCommand, DeleteVolumeCommand, ReleaseAddressCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { TAGS } from "../contract";
import { describeStep, type CleanupPlan, type CleanupStep } from "./decideCleanup";
import type { CleanupMode } from "./settings";

/**
 * The IAM action each step needs. The component allows them only on resources IAM can see are
 * eligible (carrying costguard's mark, not kept by a retention policy), and denies them all on
 * anything protected.
 */
export const CLEANUP_ACTIONS = {
  mark: "ec2:CreateTags",
  unmark: "ec2:DeleteTags",
  "release-address": "ec2:ReleaseAddress",
  "delete-volume": "ec2:DeleteVolume",
  "delete-snapshot": "ec2:DeleteSnapshot",
  "snapshot-volume": "ec2:CreateSnapshot",
} as const satisfies Record<CleanupStep["op"], string>;

export interface StepResult {
  step: CleanupStep;
  description: string;
  status: "dry-run" | "done" | "failed";
  error?: string;
  /** Snapshot created by a snapshot-volume step. */
  snapshotId?: string;
}

/** Runs the plan (mode apply) or describes it (dry-run). A failing step is recorded and the rest go on. */
export async function applyCleanup(ec2: EC2Client, plan: CleanupPlan, mode: Exclude<CleanupMode, "off">): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of plan.steps) {
    const description = describeStep(step);
    if (mode === "dry-run") {
      results.push({ step, description, status: "dry-run" });
      continue;
    }
    try {
      const snapshotId = await runStep(ec2, step);
      results.push({ step, description, status: "done", snapshotId });
    } catch (err) {
      results.push({ step, description, status: "failed", error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    }
  }
  return results;
}

async function runStep(ec2: EC2Client, step: CleanupStep): Promise<string | undefined> {
  switch (step.op) {
    case "mark":
      await ec2.send(new CreateTagsCommand({ Resources: [step.resourceId], Tags: [{ Key: TAGS.cleanupDue, Value: step.dueDate }] }));
      return;
    case "unmark":
      await ec2.send(new DeleteTagsCommand({ Resources: [step.resourceId], Tags: [{ Key: TAGS.cleanupDue }] }));
      return;
    case "release-address":
      await ec2.send(new ReleaseAddressCommand({ AllocationId: step.resourceId }));
      return;
    case "snapshot-volume": {
      const tags: { Key: string; Value: string }[] = [{ Key: TAGS.backupOf, Value: step.resourceId }];
      if (step.environment) tags.push({ Key: TAGS.environment, Value: step.environment });
      const out = await ec2.send(
        new CreateSnapshotCommand({
          VolumeId: step.resourceId,
          Description: `costguard: backup of ${step.resourceId} before deleting it as waste`,
          TagSpecifications: [{ ResourceType: "snapshot", Tags: tags }],
        }),
      );
      return out.SnapshotId;
    }
    case "delete-volume":
      await ec2.send(new DeleteVolumeCommand({ VolumeId: step.resourceId }));
      return;
    case "delete-snapshot":
      await ec2.send(new DeleteSnapshotCommand({ SnapshotId: step.resourceId }));
      return;
  }
}
