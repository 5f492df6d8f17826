/**
 * The organisation sweep as the state machine drives it, against a real local S3 (s3rver) and
 * DynamoDB (dynalite): list → inventory per batch (as the distributed Map's ItemBatcher hands
 * them) → the ResultWriter's manifest and result files → decide. The runaway is stopped in the
 * unit that owns it; an account without the member role and a failed child are reported.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { decideAndAct, type CheckResult, type FailsafeDeps } from "../../runtime/failsafe/run";
import { handleFailsafeEvent } from "../../runtime/failsafe/runCommands";
import type { SweepInventoryResult, SweepListResult } from "../../runtime/shared/sweep";
import type { Unit } from "../../runtime/shared/units";
import { defaultSettings, startDynamo, type FailsafeDynamo } from "./helpers";
import { FakeOrg, HOME, HOME_REGION } from "./orgWorld";
import { T0 } from "./world";

const S3rver = require("s3rver");
const BUCKET = "costguard-sweep";
const [A, B, C] = ["222222222222", "333333333333", "444444444444"];
const RUN = "2026-11-23T12-00-00Z";

describe("the organisation sweep: list → inventory batches → ResultWriter → decide", () => {
  let server: { run(): Promise<AddressInfo>; close(): Promise<void> };
  let dir: string;
  let s3: S3Client;
  let dynamo: FailsafeDynamo;
  let org: FakeOrg;
  let deps: FailsafeDeps;
  const gets: string[] = [];
  const puts: string[] = [];
  let listed: SweepListResult;
  let batches: Unit[][];
  const outputs: SweepInventoryResult[] = [];
  let decided: CheckResult;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "s3rver-sweep-"));
    server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
    const { port } = await server.run();
    s3 = new S3Client({ region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, requestChecksumCalculation: "WHEN_REQUIRED" });
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "GetObjectCommand") gets.push(String((args.input as { Key: string }).Key));
        if (context.commandName === "PutObjectCommand") puts.push(String((args.input as { Key: string }).Key));
        return next(args);
      },
      { step: "initialize", name: "countGets" },
    );
    dynamo = await startDynamo();
    org = new FakeOrg();
    org.refused.add(B);
    for (let i = 0; i < 10; i++) org.unit(C, "eu-west-1").addInstance({ id: `i-runaway${i}`, type: "c5.xlarge", tags: { Environment: "dev" } });
    org.unit(A, "ap-south-1").addInstance({ id: "i-prodsmall", type: "t3.micro", tags: { Environment: "prod" } });
    const settings = defaultSettings({
      environments: {
        dev: { maxHourlyUsd: 1, spikePercent: 1000, windowMinutes: 20, response: "stop", priority: 1, dryRun: false },
        prod: { maxHourlyUsd: 1, spikePercent: 1000, windowMinutes: 60, response: "notify", priority: 3, dryRun: false },
      },
      scope: { regions: "all", concurrency: 4, organization: { memberRoleName: "CostguardMember", accounts: [A, B, C], excludeAccounts: [], externalId: "ext-1" } },
    });
    deps = org.failsafeDeps(settings, dynamo.store(), T0, { sweep: { s3, bucket: BUCKET } });
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await dynamo.close();
  });

  it("list writes every reachable unit for the Map's ItemReader, and names the account it could not list", async () => {
    listed = (await handleFailsafeEvent({ sweep: "list", runId: RUN }, deps)) as SweepListResult;
    assert.equal(listed.Bucket, BUCKET);
    assert.equal(listed.units, 6, JSON.stringify(listed));
    assert.deepEqual(listed.failures.map((f) => f.account), [B]);
    const body = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: listed.Key }))).Body!.transformToString();
    const units = JSON.parse(body) as Unit[];
    assert.deepEqual(units.map((u) => `${u.account}/${u.region}`).sort(), [A, C].flatMap((a) => ["ap-south-1", "eu-west-1", "us-east-1"].map((r) => `${a}/${r}`)));
    // In the ItemReader's order (accounts, then regions, sorted); the Map's ItemBatcher cuts it.
    batches = [units.slice(0, 2), units.slice(2, 4), units.slice(4)];
    assert.deepEqual(batches[2], [{ account: C, region: "eu-west-1" }, { account: C, region: "us-east-1" }]);
  });

  it("inventory reads a batch of units and answers small summaries, writing nothing per unit (S3 PUTs are billed per request: 3,400 units every 2 minutes would be 74 M a month)", async () => {
    puts.length = 0;
    // The first batch's child fails (its Lambda throttled): only the other two answer.
    for (const Items of batches.slice(1)) outputs.push((await handleFailsafeEvent({ sweep: "inventory", runId: RUN, Items }, deps)) as SweepInventoryResult);
    const summaries = outputs.flatMap((o) => o.results);
    assert.equal(summaries.length, 4);
    assert.ok(summaries.every((s) => s.ok));
    const far = summaries.find((s) => s.account === C && s.region === "eu-west-1")!;
    assert.ok(far.ok && Math.abs(far.burn.dev! - 1.7) < 1e-9);
    assert.deepEqual(puts, [], "no object written by the inventory step");
    assert.ok(JSON.stringify(outputs).length < 10_000, "far under Step Functions' 256 KiB state limit");
  });

  it("decide reads the ResultWriter's files, re-reads live only the units it acts on, stops the runaway there, reports what was not checked", async () => {
    // What the distributed Map's ResultWriter writes (Transformation NONE, JSON): a manifest, and
    // per status files of the children's executions with their input and output as JSON strings.
    const prefix = `sweeps/${RUN}/results/abc-map-run`;
    const child = (i: number, Items: Unit[], output?: unknown) => ({
      ExecutionArn: `arn:aws:states:us-east-1:${HOME}:express:sweep/Map:abc:${i}`,
      Input: JSON.stringify({ Items }),
      InputDetails: { Included: true },
      Name: `child-${i}`,
      ...(output ? { Output: JSON.stringify(output), OutputDetails: { Included: true }, Status: "SUCCEEDED" } : { Error: "Lambda.TooManyRequestsException", Cause: "Rate Exceeded.", Status: "FAILED" }),
      StartDate: "2026-11-23T12:00:01.000Z",
      StopDate: "2026-11-23T12:00:03.000Z",
    });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/SUCCEEDED_0.json`, Body: JSON.stringify(outputs.map((o, i) => child(i + 1, batches[i + 1]!, o))) }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/FAILED_0.json`, Body: JSON.stringify([child(0, batches[0]!)]) }));
    const manifest = { DestinationBucket: BUCKET, MapRunArn: `arn:aws:states:us-east-1:${HOME}:mapRun:sweep/Map:abc`, ResultFiles: { FAILED: [{ Key: `${prefix}/FAILED_0.json`, Size: 1 }], PENDING: [], SUCCEEDED: [{ Key: `${prefix}/SUCCEEDED_0.json`, Size: 1 }] } };
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/manifest.json`, Body: JSON.stringify(manifest) }));

    gets.length = 0;
    const describes = (account: string, region: string) => org.calls(account, region).filter((c) => c === "DescribeInstances").length;
    const inventoryReadsBefore = describes(C, "eu-west-1");
    decided = (await handleFailsafeEvent({ sweep: "decide", runId: RUN, ResultWriterDetails: { Bucket: BUCKET, Key: `${prefix}/manifest.json` } }, deps)) as CheckResult;
    assert.equal(decided.ok, true, JSON.stringify(decided));
    assert.deepEqual(decided.targets, ["dev"]);
    assert.equal(org.unit(C, "eu-west-1").running("dev").length, 0);
    const notChecked = decided.unitFailures!.map((f) => `${f.account}/${f.region}`).sort();
    assert.deepEqual(notChecked, [`${B}/${HOME_REGION}`, ...batches[0]!.map((u) => `${u.account}/${u.region}`)].sort());
    assert.ok(decided.unitFailures!.some((f) => /Lambda.TooManyRequestsException/.test(f.error)));
    const lines = org.unit(HOME, HOME_REGION).published.flatMap((p) => (JSON.parse(p.Message!) as { lines: string[] }).lines);
    assert.ok(lines.some((l) => l.startsWith(`${B}/`) && /member role/.test(l)), lines.join("\n"));
    // Only the results are read from S3; the unit acted on is read again, live, just before its stops.
    assert.ok(gets.every((k) => k.startsWith(`sweeps/${RUN}/`) && !k.includes("/inventory/")), gets.join(", "));
    assert.equal(describes(C, "eu-west-1"), inventoryReadsBefore + 1, "one live read of the unit acted on");
    for (const [account, region] of [[A, "us-east-1"], [C, "us-east-1"]] as const) assert.equal(describes(account, region), 1, `${account}/${region}: a unit not acted on is not read again`);
  });

  it("decide's answer over 3,400 units stays far under Step Functions' 256 KiB state limit", async () => {
    const units = Array.from({ length: 3400 }, (_, i) => ({ account: String(500000000000 + Math.floor(i / 17)), region: `eu-west-${(i % 3) + 1}`, burn: { dev: 0.001 * (i % 7), untagged: 0 }, instancesByLifecycle: { spot: 0, "on-demand": 1 }, unpriced: {} }));
    const failures = Array.from({ length: 400 }, (_, i) => ({ unit: { account: String(600000000000 + i), region: "us-east-1" }, error: `cannot assume the member role in account ${600000000000 + i}: ${"x".repeat(500)}`, code: "AccessDenied" }));
    const r = await decideAndAct({ ...deps, now: () => T0 + 60 * 60_000 }, { units, failures }, async () => ({ instances: [], autoScalingGroups: [], services: [], dbInstances: [] }), T0 + 60 * 60_000, "big");
    assert.equal(r.unitsChecked, 3400);
    assert.equal(r.unitsNotChecked, 400);
    assert.ok(JSON.stringify(r).length < 64 * 1024, `${JSON.stringify(r).length} bytes`);
  });

  it("refuses a malformed sweep event without any AWS call", async () => {
    const r = await handleFailsafeEvent({ sweep: "inventory", runId: RUN, Items: [{ account: "12", region: "us-east-1" }] }, deps);
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, /sweep/);
    // A failsafe deployed without a sweep refuses the steps, saying why.
    const single = await handleFailsafeEvent({ sweep: "list", runId: RUN }, { ...deps, units: undefined, sweep: undefined });
    assert.equal(single.ok, false);
    assert.match((single as { error: string }).error, /no sweep \(COSTGUARD_SWEEP_BUCKET unset/);
  });
});
