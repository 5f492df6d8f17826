/**
 * DebugAccess on its own under mocks: the component refuses SSH from the whole internet in prod
 * even when config validation was bypassed (defence in depth), and allows a narrow CIDR.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { DebugAccess } from "../../components/debugAccess";
import { RecordingMocks } from "../../tools/offline/mocks";

const mocks = new RecordingMocks("us-east-1");
before(async () => {
  await pulumi.runtime.setMocks(mocks, "costguard", "prod", true);
});

describe("DebugAccess", () => {
  it("refuses a /0 SSH CIDR in prod", () => {
    assert.throws(() => new DebugAccess("open", { stack: "prod", isProduction: true, sshAllowedCidr: "0.0.0.0/0" }), /SSH from 0\.0\.0\.0\/0 is refused in prod: use SSM Session Manager/);
  });

  it("allows a narrow CIDR in prod and a /0 outside prod", async () => {
    const narrow = new DebugAccess("narrow", { stack: "prod", isProduction: true, sshAllowedCidr: "198.51.100.7/32" });
    const dev = new DebugAccess("dev", { stack: "dev", isProduction: false, sshAllowedCidr: "0.0.0.0/0" });
    const none = new DebugAccess("none", { stack: "prod", isProduction: true });
    await new Promise<void>((resolve) => pulumi.all([narrow.sshSecurityGroupId!, dev.sshSecurityGroupId!, none.instanceProfileName]).apply(() => resolve()));
    assert.equal(none.sshSecurityGroup, undefined);
    const ssh = mocks.resources.filter((r) => r.type === "aws:ec2/securityGroup:SecurityGroup").map((r) => [r.name, (r.inputs.ingress as { cidrBlocks: string[] }[])[0]!.cidrBlocks]);
    assert.deepEqual(ssh.sort(), [["dev-ssh", ["0.0.0.0/0"]], ["narrow-ssh", ["198.51.100.7/32"]]]);
    assert.equal(mocks.resources.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 3);
  });
});
