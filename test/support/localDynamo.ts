/**
 * One dynalite server on a free loopback port, for every test (and bench) that needs DynamoDB.
 *
 * Tables follow costguard's key shape by default: a string `pk`, optionally a sort key `sk`.
 * `createTable` resolves only once the table is ACTIVE: dynalite answers CreateTable while the
 * table is still CREATING and flips it to ACTIVE in a later write of its own, even with
 * `createTableMs: 0`; on a busy machine the test's first GetItem could win that race and get
 * "ResourceNotFoundException: Requested resource not found" (it failed CI once).
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface TableShape {
  /** Name of the string partition key; costguard's own tables use `pk`. */
  partitionKey?: string;
  /** Adds a sort key `sk` of this type (string or number). */
  sortKey?: "S" | "N";
}

export interface LocalDynamo {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** What a handler under test needs in process.env to reach this server with the SDK's default client. */
  handlerEnv: Record<string, string>;
  createTable(name: string, shape?: TableShape): Promise<void>;
  /** Creates a table named `<prefix>-<n>`, a name no other table of this server has, and answers the name: a fresh table per test. */
  newTable(prefix: string, shape?: TableShape): Promise<string>;
  close(): Promise<void>;
}

/** How long a table may stay CREATING before the test fails with a clear message. */
const ACTIVE_WITHIN_MS = 10_000;

export async function startDynalite(): Promise<LocalDynamo> {
  const dynalite = require("dynalite") as (opts: object) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // Idle keep-alive sockets must outlive the client's reuse of them (else ECONNRESET under load).
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ region: "us-east-1", endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

  async function createTable(name: string, shape: TableShape = {}): Promise<void> {
    const { partitionKey = "pk", sortKey } = shape;
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: "S" }, ...(sortKey ? [{ AttributeName: "sk", AttributeType: sortKey }] : [])],
        KeySchema: [{ AttributeName: partitionKey, KeyType: "HASH" }, ...(sortKey ? [{ AttributeName: "sk", KeyType: "RANGE" as const }] : [])],
      }),
    );
    // The SDK's waitUntilTableExists polls at whole seconds at best; dynalite is ready within a
    // few milliseconds, so poll it tightly instead.
    const deadline = Date.now() + ACTIVE_WITHIN_MS;
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      if (Table?.TableStatus === "ACTIVE") return;
      if (Date.now() > deadline) throw new Error(`dynalite table ${name} still ${Table?.TableStatus} after ${ACTIVE_WITHIN_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  let tables = 0;
  async function newTable(prefix: string, shape?: TableShape): Promise<string> {
    const name = `${prefix}-${++tables}`;
    await createTable(name, shape);
    return name;
  }

  return {
    client,
    doc,
    handlerEnv: { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_ENDPOINT_URL_DYNAMODB: endpoint },
    createTable,
    newTable,
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
