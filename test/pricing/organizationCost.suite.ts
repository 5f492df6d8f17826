/**
 * Organisation mode's own cost in the plan's estimate, for a known config (3 accounts × 2
 * regions at the failsafe's rate(2 minutes)), worked out here from AWS's published unit prices
 * (us-east-1): the Standard state machine's transitions, the EXPRESS child executions (requests
 * and duration), the failsafe function's invocations for list / inventory / decide, and the sweep
 * bucket's PUTs. For `accounts: "all"` the units are an assumption, which the line says.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { analyzeRun } from "../../tools/offline/analysis";
import { ORG_CONFIG } from "../support/organizationStack";
import { stackRun } from "../support/stackRun";

// AWS list prices (us-east-1), from the Step Functions, Lambda and S3 pricing pages.
const STANDARD_PER_TRANSITION = 0.025 / 1000;
const EXPRESS_PER_REQUEST = 1.0 / 1e6;
const EXPRESS_PER_GB_SECOND = 0.00001667;
const EXPRESS_BILLED_GB = 64 / 1024; // billed in 64-MB chunks; a batch of 20 units fits in one
const LAMBDA_PER_REQUEST = 0.2 / 1e6;
const S3_PER_PUT = 0.005 / 1000;

// The sweep of this config.
const RUNS = 30 * 730; // rate(2 minutes) over a 730-hour month
const UNITS = 3 * 2;
const BATCHES = Math.ceil(UNITS / 20);
const STATES = 3; // List, Inventory (the Map), Decide
const BATCH_SECONDS = 5; // the sweep's declared duration of one batch

interface Item {
  resource: string;
  type: string;
  what: string;
  monthlyUsd: number;
  basis: string;
}

/**
 * The suite, for a stack after `pulumi up` (outputs resolved) or on its first preview (ids and
 * ARNs unknown: the state machine's definition, built from the function's ARN, is unknown then,
 * and the figures must be the same). One stack configuration per process: one file each.
 */
export function organisationCostSuite(opts: { firstPreview: boolean }) {
describe(`organisation mode's cost in the plan${opts.firstPreview ? ", on a first preview" : ""}`, () => {
  let items: Item[];
  let json: { estimate: { lineItems: Item[]; unpriced: { resource: string }[] }; policies: { results: { name: string; violations: { message: string }[] }[] } };
  before(async () => {
    const run = await stackRun({ stack: "dev", config: ORG_CONFIG, firstPreview: opts.firstPreview });
    json = (await analyzeRun(run, {})).json as typeof json;
    items = json.estimate.lineItems;
  });
  const line = (resource: RegExp, what: RegExp) => {
    const found = items.filter((i) => resource.test(i.resource) && what.test(i.what));
    assert.equal(found.length, 1, `one line ${resource} / ${what}; got ${items.filter((i) => resource.test(i.resource)).map((i) => i.what).join(", ")}`);
    return found[0]!;
  };
  const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-6 + expected * 1e-9, `${actual} ≠ ${expected}`);

  it("prices the Standard state transitions of every sweep", () => {
    const l = line(/^sweep-machine$/, /state transitions/);
    close(l.monthlyUsd, RUNS * STATES * STANDARD_PER_TRANSITION);
    assert.match(l.basis, /rate\(2 minutes\)/);
  });

  it("prices the EXPRESS child executions: one request per batch, and their duration", () => {
    close(line(/^sweep-machine$/, /Express child executions$/).monthlyUsd, RUNS * BATCHES * EXPRESS_PER_REQUEST);
    const duration = line(/^sweep-machine$/, /Express child duration/);
    close(duration.monthlyUsd, RUNS * BATCHES * BATCH_SECONDS * EXPRESS_BILLED_GB * EXPRESS_PER_GB_SECOND);
    assert.match(duration.basis, /6 units/);
  });

  it("prices the failsafe function's invocations for list, each batch and decide", () => {
    close(line(/^failsafe-check-fn$/, /^requests$/).monthlyUsd, RUNS * (BATCHES + 2) * LAMBDA_PER_REQUEST);
  });

  it("prices the sweep bucket's PUTs: the unit list and the list's failures, the Map's results (a manifest and up to three result files); none per unit", () => {
    const l = line(/^sweep-bucket$/, /S3/);
    const puts = RUNS * (2 + 4);
    assert.ok(l.monthlyUsd >= puts * S3_PER_PUT && l.monthlyUsd < puts * S3_PER_PUT + 0.01, `${l.monthlyUsd} vs ${puts * S3_PER_PUT} for the PUTs`);
  });

  it("leaves nothing of it unpriced, and passes the policy pack's least-privilege rule", () => {
    assert.deepEqual(json.estimate.unpriced.map((u) => u.resource), []);
    const leastPrivilege = json.policies.results.find((r) => r.name === "iam-least-privilege")!;
    // On a first preview the engine cannot run it over policies built from ARNs (it says so, as a
    // warning): no violation is what matters.
    const messages = leastPrivilege.violations.map((v) => v.message).filter((m) => !(opts.firstPreview && /^can't run policy 'iam-least-privilege' .* during preview/.test(m)));
    assert.deepEqual(messages, []);
  });
});
}
