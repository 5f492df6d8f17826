/**
 * The report reads the tables the other capabilities write: here they are written through the
 * real stores (waste findings, spot breakers, failsafe audit) into dynalite, then read back the
 * way the report handler reads them.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { FailsafeStore } from "../../runtime/failsafe/store";
import { dynamoTableReader, readHistory } from "../../runtime/report/inventoryHistory";
import { BreakerStore } from "../../runtime/spot/storeBreakers";
import { BreakerSettings } from "../../runtime/spot/settings";
import type { StoredFinding } from "../../runtime/waste/model";
import { FindingsStore } from "../../runtime/waste/store";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";

const NOW = Date.parse("2026-11-23T09:00:00Z");
const MINUTE = 60_000;

function stored(kind: StoredFinding["kind"], resourceId: string, monthlyUsd: number, status: StoredFinding["status"], environment: string): StoredFinding {
  return { id: `${kind}#${resourceId}`, kind, resourceId, region: "us-east-1", environment, monthlyUsd, upperBound: false, detail: `${kind} ${resourceId}`, status, firstSeen: "2026-11-10T06:00:00.000Z", lastSeen: "2026-11-23T06:00:00.000Z" };
}

describe("reading the other capabilities' tables, as their stores write them (dynalite)", () => {
  let db: LocalDynamo;

  before(async () => {
    db = await startDynalite();
    await db.createTable("findings");
    await db.createTable("breakers");
    await db.createTable("audit", { sortKey: "S" });

    // The waste scanner's findings, with its first-seen and last-scan bookkeeping beside them.
    const findings = [stored("unattached-volume", "vol-0a1b2c3d", 8, "open", "dev"), stored("unattached-eip", "eipalloc-0123", 3.65, "open", "untagged"), stored("old-snapshot", "snap-0old", 1.25, "resolved", "dev")];
    const empty = { "unattached-volume": new Map(), "unattached-eip": new Map(), "stopped-instance": new Map() };
    const seen = { ...empty, "unattached-volume": new Map([["vol-0a1b2c3d", "2026-11-10T06:00:00.000Z"]]) };
    await new FindingsStore(db.doc, "findings").save(findings, empty, seen, new Date(NOW), { openFindings: 2, totalMonthlyUsd: 11.65 });

    // Spot breakers per AZ: c5.xlarge opens at its third interruption in us-west-2a; m5.large only saw a rebalance signal.
    const breakers = new BreakerStore(db.doc, "breakers", BreakerSettings.parse({ perAz: true }), { now: () => NOW });
    for (const id of ["i-1", "i-2", "i-3"]) await breakers.recordInterruption("c5.xlarge", "us-west-2a", id, NOW - MINUTE);
    await breakers.recordRebalance("m5.large", "us-west-2b", NOW - MINUTE);

    // Failsafe audit: a decision, two applied stops, a dry-run, a failed stop, and an old stop.
    const audit = new FailsafeStore(db.doc, { samples: "-", state: "-", audit: "audit" }, 48);
    const action = (time: number, environment: string, kind: string, id: string, outcome: string) =>
      audit.audit({ group: environment, type: "action", time, runId: `run-${time}`, summary: `${outcome}: ${kind} ${id}`, detail: { environment, kind, id, outcome, text: `${kind} ${id}` } });
    await audit.audit({ group: "decisions", type: "decision", time: NOW - 2 * 86_400_000, runId: "run-d", summary: "single: dev over $8/h" });
    await action(NOW - 2 * 86_400_000, "dev", "stop-instance", "i-0abc", "applied");
    await action(NOW - 2 * 86_400_000, "dev", "scale-asg", "asg-web", "applied");
    await action(NOW - 3 * 86_400_000, "staging", "stop-instance", "i-0def", "dry-run");
    await action(NOW - 3 * 86_400_000, "staging", "stop-db", "db-1", "failed");
    await action(NOW - 22 * 86_400_000, "staging", "stop-instance", "i-0old", "applied");
  });
  after(() => db.close());

  it("keeps open findings, every breaker with its type and AZ, and the week's actions; nothing is 'unreadable'", async () => {
    const readers = { findings: dynamoTableReader(db.doc, "findings"), breakers: dynamoTableReader(db.doc, "breakers"), audit: dynamoTableReader(db.doc, "audit") };
    const history = await readHistory(readers, new Date(NOW - 7 * 86_400_000).toISOString());
    assert.deepEqual(history.findings!.map((f) => [f.resourceId, f.monthlyUsd, f.environment]).sort(), [
      ["eipalloc-0123", 3.65, "untagged"],
      ["vol-0a1b2c3d", 8, "dev"],
    ]);
    assert.deepEqual(history.breakers!.map((b) => `${b.instanceType}@${b.availabilityZone}:${b.state}:${b.interruptions}`).sort(), ["c5.xlarge@us-west-2a:open:3", "m5.large@us-west-2b:closed:0"]);
    assert.deepEqual(history.audit!.map((a) => `${a.environment} ${a.action} ${a.resourceId}${a.dryRun ? " (dry-run)" : ""}`).sort(), [
      "dev scale-asg asg-web",
      "dev stop-instance i-0abc",
      "staging stop-instance i-0def (dry-run)",
    ]);
    assert.equal(history.skipped, 0, "bookkeeping items, decisions and failed attempts are not unreadable records");
  });

  it("counts a record that does not decode, without losing the others", async () => {
    await db.doc.send(new PutCommand({ TableName: "findings", Item: { pk: "finding#gp2-volume#vol-bad", kind: "gp2-volume", monthlyUsd: "lots" } }));
    const history = await readHistory({ findings: dynamoTableReader(db.doc, "findings") }, new Date(NOW - 7 * 86_400_000).toISOString());
    assert.equal(history.skipped, 1);
    assert.equal(history.findings!.length, 2);
  });
});
