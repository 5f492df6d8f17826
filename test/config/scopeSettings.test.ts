/**
 * Stack config → the scope the failsafe, the waste scanner and the enforcer cover
 * (components/unitAccess.ts componentScope), as their handlers validate it (runtime/shared/units.ts
 * ScopeSettings): whatever config accepts, the handlers accept too.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateStackConfig } from "../../config/read";
import { componentScope } from "../../components/unitAccess";
import { FAILSAFE_CONCURRENCY } from "../../components/failsafe";
import { ScopeSettings } from "../../runtime/shared/units";

const org = { externalId: "costguard-ext-1", organizationId: "o-a1b2c3d4e5", deploymentTargets: ["r-ab12"] };
function scopeOf(config: Record<string, unknown>) {
  const values = Object.fromEntries(Object.entries({ "aws:region": "eu-west-1", ...config }).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  const r = validateStackConfig(values, "dev");
  assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
  return ScopeSettings.parse(componentScope(r.config, "eu-west-1", FAILSAFE_CONCURRENCY, "the failsafe") ?? { regions: ["eu-west-1"], concurrency: 8 });
}

describe("the scope handed to the handlers", () => {
  it("is none by default (the stack's own account and region, as before), and the stack's region with an organisation alone", () => {
    const values = { "aws:region": "eu-west-1" };
    const r = validateStackConfig(values, "dev");
    assert.ok(r.ok);
    assert.equal(componentScope(r.config, "eu-west-1", FAILSAFE_CONCURRENCY, "the failsafe"), undefined);
    assert.deepEqual(scopeOf({ "costguard:organization": { ...org, accounts: ["111111111111"] } }).regions, ["eu-west-1"]);
  });

  it("carries the organisation's accounts, exclusions, role and external id, and the regions", () => {
    const s = scopeOf({ "costguard:regions": "all", "costguard:organization": { ...org, accounts: ["111111111111"], excludeAccounts: ["222222222222"], concurrency: 200 } });
    assert.deepEqual(s, { regions: "all", organization: { memberRoleName: "costguard-member", accounts: ["111111111111"], excludeAccounts: ["222222222222"], externalId: "costguard-ext-1" }, concurrency: 200 });
  });

  it("refuses a concurrency the handler would refuse", () => {
    const r = validateStackConfig({ "aws:region": "eu-west-1", "costguard:organization": JSON.stringify({ ...org, concurrency: 500 }) }, "dev");
    assert.ok(!r.ok && r.problems.some((p) => p.includes("costguard:organization.concurrency must be at most 200")), r.ok ? "accepted" : r.problems.join("\n"));
  });
});
