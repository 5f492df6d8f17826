/** Units (account × region): listing, bounded fan-out with failure isolation, client config. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ListAccountsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { pricedExactly, sumUnits } from "../../runtime/failsafe/scope";
import { catalog } from "../../runtime/pricing/catalog";
import { beyondHome, describeUnitError, listAccounts, mapUnits, memberRoleArn, unitClientConfig, type ScopeSettings, type Unit } from "../../runtime/shared/units";
import { defaultSettings } from "../failsafe/helpers";

const org = (accounts: "all" | string[], excludeAccounts: string[] = []): ScopeSettings => ({ regions: ["us-east-1"], concurrency: 4, organization: { memberRoleName: "m", accounts, excludeAccounts, externalId: "ext" } });
const env = (organizations?: OrganizationsClient) => ({ homeAccount: "111111111111", homeRegion: "us-east-1", ec2: new EC2Client({ region: "us-east-1" }), organizations });

describe("listAccounts", () => {
  it("is the home account alone without an organisation", async () => {
    assert.deepEqual(await listAccounts({ regions: ["us-east-1"], concurrency: 1 }, env()), ["111111111111"]);
  });

  it('"all": every ACTIVE account over every page, minus the excluded ones', async () => {
    const client = new OrganizationsClient({ region: "us-east-1" });
    const mock = mockClient(client);
    mock.on(ListAccountsCommand, { NextToken: undefined }).resolves({ Accounts: [{ Id: "222222222222", State: "ACTIVE" }, { Id: "333333333333", State: "SUSPENDED" }], NextToken: "p2" });
    mock.on(ListAccountsCommand, { NextToken: "p2" }).resolves({ Accounts: [{ Id: "444444444444", Status: "ACTIVE" }, { Id: "555555555555", State: "ACTIVE" }] });
    assert.deepEqual(await listAccounts(org("all", ["555555555555"]), env(client)), ["222222222222", "444444444444"]);
  });

  it("a list: de-duplicated and sorted, excluded ones left out", async () => {
    assert.deepEqual(await listAccounts(org(["444444444444", "222222222222", "444444444444", "333333333333"], ["333333333333"]), env()), ["222222222222", "444444444444"]);
  });
});

describe("mapUnits", () => {
  const units: Unit[] = Array.from({ length: 10 }, (_, i) => ({ account: String(200000000000 + i), region: "eu-west-1" }));

  it("never runs more than `concurrency` units at once, answers in input order, and one failure stays that unit's", async () => {
    let running = 0;
    let most = 0;
    const out = await mapUnits(units, 3, async (u) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      running--;
      if (u.account.endsWith("4")) throw Object.assign(new Error("User: x is not authorized to perform: sts:AssumeRole on resource: y"), { name: "AccessDenied" });
      return u.account;
    });
    assert.equal(most, 3);
    assert.deepEqual(out.map((o) => o.ok), units.map((u) => !u.account.endsWith("4")));
    const failed = out.find((o) => !o.ok)!;
    assert.ok(!failed.ok && /cannot assume the member role in account 200000000004/.test(failed.error));
  });

  it("names a region refusing the credentials as such", () => {
    const f = describeUnitError({ account: "222222222222", region: "me-south-1" }, Object.assign(new Error("AWS was not able to validate the provided access credentials"), { name: "AuthFailure" }));
    assert.match(f.error, /region me-south-1 of account 222222222222 refused the credentials \(a region not opted into\?\)/);
  });
});

describe("client config and scope", () => {
  it("each unit: its region, its account's credentials, adaptive retries", () => {
    const creds = async () => ({ accessKeyId: "a", secretAccessKey: "b" });
    const c = unitClientConfig({ account: "222222222222", region: "eu-west-1" }, () => creds);
    assert.deepEqual({ ...c, credentials: c.credentials === creds }, { region: "eu-west-1", retryMode: "adaptive", maxAttempts: 6, credentials: true });
    assert.equal("credentials" in unitClientConfig({ account: "111111111111", region: "us-east-1" }, () => undefined), false);
  });

  it("member role ARNs carry the partition of the home region", () => {
    assert.equal(memberRoleArn("222222222222", "m", "cn-north-1"), "arn:aws-cn:iam::222222222222:role/m");
    assert.equal(memberRoleArn("222222222222", "m", "us-gov-west-1"), "arn:aws-us-gov:iam::222222222222:role/m");
  });

  it("only a scope beyond the function's own account and region needs units", () => {
    assert.equal(beyondHome(undefined, "us-east-1"), false);
    assert.equal(beyondHome({ regions: ["us-east-1"], concurrency: 8 }, "us-east-1"), false);
    assert.equal(beyondHome({ regions: ["us-east-1", "eu-west-1"], concurrency: 8 }, "us-east-1"), true);
    assert.equal(beyondHome({ regions: "all", concurrency: 8 }, "us-east-1"), true);
    assert.equal(beyondHome(org(["222222222222"]), "us-east-1"), true);
  });
});

describe("prices per region", () => {
  it("marks burning regions without exact catalog prices as estimated", () => {
    assert.equal(pricedExactly(catalog, "eu-west-1"), true);
    assert.equal(pricedExactly(catalog, "ap-south-1"), false);
    const unit = (region: string, dev: number, estimated?: boolean) => ({ account: "222222222222", region, burn: { dev }, instancesByLifecycle: { spot: 0, "on-demand": 1 }, unpriced: {}, ...(estimated ? { estimated } : {}) });
    const f = sumUnits([unit("eu-west-1", 1), unit("ap-south-1", 2, true), unit("sa-east-1", 0, true)], defaultSettings());
    assert.deepEqual(f.estimatedRegions, ["ap-south-1"]);
    assert.equal(f.burn.dev, 3);
    assert.equal(f.totalUsdPerHour, 3);
  });
});
