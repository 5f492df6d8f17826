/** Shared fixtures of the hygiene tests: a small fixed price book and a dynalite server. */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { AddressInfo } from "node:net";
import type { WastePrices } from "../../runtime/waste/types";

/** Fixed figures (SPEC S11, us-east-1) so expected costs can be computed by hand. */
export const PRICES: WastePrices = {
  ebsGbMonth: (_region, type) => ({ gp2: 0.1, gp3: 0.08, io1: 0.125 })[type],
  snapshotGbMonth: () => 0.05,
  publicIpv4Hourly: () => 0.005,
};

export const DAY = 24 * 3600 * 1000;
export const HOUR = 3600 * 1000;

export interface LocalDynamo {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  createTable(name: string, rangeKey?: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<LocalDynamo> {
  const dynalite = require("dynalite") as (opts: object) => import("node:http").Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({ region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    client,
    doc,
    async createTable(name, rangeKey = false) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, ...(rangeKey ? [{ AttributeName: "sk", AttributeType: "S" as const }] : [])],
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, ...(rangeKey ? [{ AttributeName: "sk", KeyType: "RANGE" as const }] : [])],
        }),
      );
    },
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
