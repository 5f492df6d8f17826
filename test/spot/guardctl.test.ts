import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AdminCommand } from "../../runtime/contract";
import { resetCircuitCommand as cmd } from "../../tools/guardctl/spot";

describe("guardctl reset-circuit", () => {
  it("builds the AdminCommand payload the advice function accepts", () => {
    assert.deepEqual(cmd.payload(["m5.large"]), { command: "reset-circuit", instanceType: "m5.large" });
    assert.deepEqual(cmd.payload(["m5.large", "--az", "us-east-1a"]), { command: "reset-circuit", instanceType: "m5.large", availabilityZone: "us-east-1a" });
    assert.ok(AdminCommand.safeParse(cmd.payload(["c6g.xlarge"])).success);
    assert.equal(cmd.output, "spotAdviceFunction");
  });

  it("refuses bad usage with a message saying what is expected", () => {
    assert.throws(() => cmd.payload([]), /usage: reset-circuit <instance-type> \[--az <availability-zone>\]/);
    assert.throws(() => cmd.payload(["m5.large", "c5.large"]), /usage/);
    assert.throws(() => cmd.payload(["large"]), /"large" is not an EC2 instance type such as m5\.large/);
    assert.throws(() => cmd.payload([`${"m".repeat(5000)}.large`]), /is not an EC2 instance type such as m5\.large/);
    assert.throws(() => cmd.payload(["m5.large", "--az", "mars"]), /--az "mars" is not an availability zone/);
    assert.throws(() => cmd.payload(["m5.large", "--zone", "us-east-1a"]), /Unknown option '--zone'/);
  });

  it("renders the function's answer for an operator", () => {
    assert.equal(
      cmd.render({ command: "reset-circuit", key: "m5.large", previous: "open", state: "closed", interruptions: 4 }),
      "Circuit m5.large: open → closed. Spot launches of m5.large are allowed again (4 interruptions recorded so far).",
    );
    assert.match(cmd.render({ command: "reset-circuit", key: "m5.large@us-east-1a", previous: "closed", state: "closed", interruptions: 1 }), /was already closed; nothing changed \(1 interruption recorded/);
    assert.throws(() => cmd.render({ error: 'this function handles "reset-circuit" only' }), /reset-circuit failed/);
    assert.throws(() => cmd.render({ capacity: "on-demand" }), /unexpected answer/);
  });
});
