import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoTableReader, readHistory } from "../../runtime/report/history";
import { startDynalite, type LocalDynamo } from "../support/localDynamo";
import { FIXTURE_HISTORY } from "./fixtures/costExplorer";

describe("reading the other capabilities' tables (dynalite)", () => {
  let db: LocalDynamo;
  let doc: DynamoDBDocumentClient;

  before(async () => {
    db = await startDynalite();
    doc = db.doc;
    for (const [table, key] of [["findings", "resourceId"], ["breakers", "instanceType"], ["audit", "time"]] as const) {
      await db.createTable(table, { partitionKey: key });
    }
    const put = (table: string, items: Record<string, unknown>[]) => doc.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));
    await put("findings", FIXTURE_HISTORY.findings.filter((f) => "resourceId" in f));
    await put("breakers", FIXTURE_HISTORY.breakers);
    await put("audit", FIXTURE_HISTORY.audit);
  });
  after(() => db.close());

  it("scans every page and keeps the records the report understands", async () => {
    const readers = { findings: dynamoTableReader(doc, "findings"), breakers: dynamoTableReader(doc, "breakers"), audit: dynamoTableReader(doc, "audit") };
    const history = await readHistory(readers, "2026-11-16T09:00:00.000Z");
    assert.deepEqual(history.findings!.map((f) => [f.resourceId, f.monthlyUsd]).sort(), [["eipalloc-0123", 3.65], ["vol-0a1b2c3d", 8], ["vol-0feed", 2]]);
    assert.deepEqual(history.breakers!.map((b) => `${b.instanceType}:${b.state}`).sort(), ["c5.xlarge:open", "m5.large:closed"]);
    assert.equal(history.audit!.length, 3, "the record of 2026-11-01 is older than 7 days");
    assert.equal(history.skipped, 0);
  });
});
