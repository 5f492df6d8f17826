import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { startDynalite, type LocalDynamo } from "./localDynamo";

// Every dynalite-backed test relies on this: without the wait for ACTIVE, about one in twenty
// reads right after CreateTable failed here with ResourceNotFoundException (and once in CI).
describe("local DynamoDB for tests", () => {
  let db: LocalDynamo;
  before(async () => {
    db = await startDynalite();
  });
  after(() => db.close());

  it("a table is ACTIVE and readable as soon as createTable resolves, every time", async () => {
    for (let i = 0; i < 150; i++) {
      await db.createTable(`t-${i}`, i % 2 ? { sortKey: "N" } : {});
      const key = i % 2 ? { pk: "x", sk: 1 } : { pk: "x" };
      const read = await db.doc.send(new GetCommand({ TableName: `t-${i}`, Key: key }));
      assert.equal(read.Item, undefined);
    }
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: "t-1" }));
    assert.deepEqual(Table?.KeySchema?.map((k) => `${k.AttributeName}:${k.KeyType}`), ["pk:HASH", "sk:RANGE"]);
  });
});
