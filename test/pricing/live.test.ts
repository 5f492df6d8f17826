import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DescribeSpotPriceHistoryCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetProductsCommand, PricingClient } from "@aws-sdk/client-pricing";
import { mockClient } from "aws-sdk-client-mock";
import { catalog } from "../../runtime/pricing/catalog";
import { fetchEc2OnDemandPrices, fetchSpotPrices, withLivePrices } from "../../runtime/pricing/live";

const product = (instanceType: string, usd: string) =>
  JSON.stringify({ product: { attributes: { instanceType } }, terms: { OnDemand: { "X.Y": { priceDimensions: { "X.Y.Z": { unit: "Hrs", pricePerUnit: { USD: usd } } } } } } });
const options = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } };

describe("live price refresh", () => {
  it("reads on-demand prices from the Price List API, page by page, for the wanted types only", async () => {
    const mock = mockClient(PricingClient);
    mock.on(GetProductsCommand).resolvesOnce({ PriceList: [product("t3.medium", "0.0420")], NextToken: "p2" }).resolves({ PriceList: [product("m5.large", "0.0970"), product("x1.32xlarge", "13.338")] });
    const prices = await fetchEc2OnDemandPrices(new PricingClient(options), "us-east-1", ["t3.medium", "m5.large"]);
    assert.deepEqual([...prices], [["t3.medium", 0.042], ["m5.large", 0.097]]);
    const filters = mock.commandCalls(GetProductsCommand)[0]!.args[0].input.Filters!;
    assert.ok(filters.some((f) => f.Field === "location" && f.Value === "US East (N. Virginia)"));
    assert.equal(mock.commandCalls(GetProductsCommand).length, 2);
  });

  it("averages the latest spot price of each AZ", async () => {
    const mock = mockClient(EC2Client);
    mock.on(DescribeSpotPriceHistoryCommand).resolves({
      SpotPriceHistory: [
        { InstanceType: "m5.large", AvailabilityZone: "us-east-1a", SpotPrice: "0.0300" },
        { InstanceType: "m5.large", AvailabilityZone: "us-east-1b", SpotPrice: "0.0400" },
        { InstanceType: "m5.large", AvailabilityZone: "us-east-1a", SpotPrice: "0.0900" }, // older
      ],
    });
    const spot = await fetchSpotPrices(new EC2Client(options), ["m5.large"]);
    assert.ok(Math.abs(spot.get("m5.large")! - 0.035) < 1e-12);
  });

  it("lays live prices over the catalog for their region only, keeping the rest", () => {
    const book = withLivePrices(catalog, { region: "us-east-1", onDemand: new Map([["t3.medium", 0.05]]), spot: new Map([["t3.medium", 0.01]]), source: { date: "2026-11-23", source: "test" } });
    assert.equal(book.ec2OnDemandHourly("us-east-1", "t3.medium"), 0.05);
    assert.equal(book.ec2SpotHourly("us-east-1", "t3.medium"), 0.01);
    assert.equal(book.ec2OnDemandHourly("eu-west-1", "t3.medium"), catalog.ec2OnDemandHourly("eu-west-1", "t3.medium"));
    assert.equal(book.ec2OnDemandHourly("us-east-1", "m5.large"), 0.096);
    assert.equal(book.natGatewayHourly("us-east-1"), 0.045);
  });
});
