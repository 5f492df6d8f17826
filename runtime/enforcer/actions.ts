/**
 * The enforcer's actions on an instance: its flag tag (`costguard:unauthorized-since`) put or
 * taken off, and the stop or termination once the grace period is over.
 */
import { CreateTagsCommand, DeleteTagsCommand, StopInstancesCommand, TerminateInstancesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { TAGS } from "../contract";

/**
 * The IAM action each method below needs. The component allows the tag only on instances that
 * carry none of the authorisation tags, the stop or termination only on those that also carry
 * the flag, and denies all of them on anything protected.
 */
export const ENFORCE_ACTIONS = {
  tag: "ec2:CreateTags",
  untag: "ec2:DeleteTags",
  stop: "ec2:StopInstances",
  terminate: "ec2:TerminateInstances",
} as const satisfies Record<keyof Ec2Actions, string>;

export class Ec2Actions {
  constructor(private readonly ec2: EC2Client) {}
  tag(id: string, since: string) {
    return this.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: TAGS.unauthorizedSince, Value: since }] }));
  }
  untag(id: string) {
    return this.ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: TAGS.unauthorizedSince }] }));
  }
  stop(id: string) {
    return this.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
  }
  terminate(id: string) {
    return this.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  }
}
