/** The dev stack's waste scanner and enforcer under mocks: default modes are read-only. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { stackRun, type StackRun } from "../support/stackRun";
import { actions, resource, settingsOf, statementFor, statements } from "./guardFunction.helpers";

describe("waste scanner and enforcer (dev stack, defaults)", () => {
  let run: StackRun;
  before(async () => {
    run = await stackRun({ stack: "dev" });
  });

  it("declares both components with their functions, tables and schedules", () => {
    resource(run, "costguard:waste:WasteScanner", "waste");
    resource(run, "costguard:enforcer:SecurityEnforcer", "enforcer");
    assert.equal(resource(run, "aws:cloudwatch/eventRule:EventRule", "waste-scan-schedule").inputs.scheduleExpression, "cron(0 6 * * ? *)");
    assert.equal(resource(run, "aws:cloudwatch/eventRule:EventRule", "enforcer-check-schedule").inputs.scheduleExpression, "rate(1 hour)");
    assert.equal(run.parents.get("aws:dynamodb/table:Table::waste-findings"), "costguard:waste:WasteScanner::waste");
    assert.equal(run.parents.get("costguard:functions:GuardFunction::enforcer-check"), "costguard:enforcer:SecurityEnforcer::enforcer");
  });

  it("tables are on-demand and expire old records by TTL", () => {
    for (const name of ["waste-findings", "enforcer-table"]) {
      const t = resource(run, "aws:dynamodb/table:Table", name).inputs;
      assert.equal(t.billingMode, "PAY_PER_REQUEST");
      assert.deepEqual(t.ttl, { attributeName: "expiresAt", enabled: true });
    }
  });

  it("passes the configured settings to the handlers", () => {
    assert.deepEqual(settingsOf(run, "waste-scan"), { unattachedVolumeDays: 7, snapshotAgeDays: 30, stoppedInstanceDays: 14, cleanup: "off", cleanupGraceDays: 7, cleanupMaxActionsPerRun: 20 });
    assert.deepEqual(settingsOf(run, "enforcer-check"), { authorizationTags: ["ManagedBy=costguard", "aws:autoscaling:groupName", "eks:cluster-name"], mode: "audit", graceHours: 24, maxActionsPerRun: 20 });
  });

  it("clean-up off: the scanner can read EC2 and its table, and change nothing in EC2", () => {
    const s = statements(run, "waste-scan");
    const ec2 = actions(s).filter((a) => a.startsWith("ec2:"));
    assert.ok(ec2.length > 0);
    assert.ok(ec2.every((a) => a.startsWith("ec2:Describe")), `only Describe calls, got ${ec2.join(", ")}`);
    assert.ok(actions(s).includes("sns:Publish"));
    assert.ok(statementFor(s, "dynamodb:BatchWriteItem").every((x) => String(x.Resource).includes(":table/")));
  });

  it("audit mode: the enforcer can neither tag, stop nor terminate", () => {
    const ec2 = actions(statements(run, "enforcer-check")).filter((a) => a.startsWith("ec2:"));
    assert.deepEqual(ec2.sort(), ["ec2:DescribeInstanceAttribute", "ec2:DescribeInstances"]);
  });

  it("exports the function and table names", () => {
    assert.equal(run.outputs.wasteScannerFunction, resource(run, "aws:lambda/function:Function", "waste-scan-fn").state.name);
    assert.equal(run.outputs.securityEnforcerFunction, resource(run, "aws:lambda/function:Function", "enforcer-check-fn").state.name);
    assert.equal(run.outputs.wasteFindingsTable, resource(run, "aws:dynamodb/table:Table", "waste-findings").state.name);
    assert.equal(run.outputs.enforcerTable, resource(run, "aws:dynamodb/table:Table", "enforcer-table").state.name);
  });
});
