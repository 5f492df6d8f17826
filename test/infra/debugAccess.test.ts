/**
 * DebugAccess on its own under mocks: the component refuses any SSH in prod even when config
 * validation was bypassed (defence in depth; the prod policy pack refuses port 22 too), and
 * allows SSH from the configured CIDR elsewhere.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { DebugAccess } from "../../components/debugAccess";
import { RecordingMocks } from "../../tools/offline/mocks";
import { underMocks } from "../support/underMocks";

const mocks = new RecordingMocks("us-east-1");
const mocked = underMocks(mocks, "costguard", "prod");

describe("DebugAccess", () => {
  it("refuses SSH in prod, from anywhere or from a narrow CIDR", () =>
    mocked(() => {
      for (const cidr of ["0.0.0.0/0", "198.51.100.7/32"]) {
        assert.throws(() => new DebugAccess(`open-${cidr.length}`, { stack: "prod", isProduction: true, sshAllowedCidr: cidr }), /SSH \(from .*\) is refused in prod, as the prod policy pack refuses port 22: use SSM Session Manager/);
      }
    }));

  it("allows SSH from the configured CIDR outside prod, in the given VPC", () =>
    mocked(async () => {
      const narrow = new DebugAccess("narrow", { stack: "staging", isProduction: false, sshAllowedCidr: "198.51.100.7/32", vpcId: "vpc-0abc123" });
      const dev = new DebugAccess("dev", { stack: "dev", isProduction: false, sshAllowedCidr: "0.0.0.0/0" });
      const none = new DebugAccess("none", { stack: "prod", isProduction: true });
      await new Promise<void>((resolve) => pulumi.all([narrow.sshSecurityGroupId!, dev.sshSecurityGroupId!, none.instanceProfileName]).apply(() => resolve()));
      assert.equal(none.sshSecurityGroup, undefined);
      const ssh = mocks.resources.filter((r) => r.type === "aws:ec2/securityGroup:SecurityGroup").map((r) => [r.name, (r.inputs.ingress as { cidrBlocks: string[] }[])[0]!.cidrBlocks]);
      assert.deepEqual(ssh.sort(), [["dev-ssh", ["0.0.0.0/0"]], ["narrow-ssh", ["198.51.100.7/32"]]]);
      assert.equal(mocks.resources.find((r) => r.name === "narrow-ssh")!.inputs.vpcId, "vpc-0abc123");
      assert.equal(mocks.resources.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 3);
    }));
});
