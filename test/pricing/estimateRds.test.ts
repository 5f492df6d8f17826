/**
 * The estimator on RDS databases, against figures computed by hand from the catalog
 * (us-east-1, 730 h/month): instance hours (declared stopped, or on a Scheduler stop/start
 * schedule), storage, automated backups beyond the free allowance, the managed master secret,
 * and the Scheduler schedules themselves.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { estimateStack, type ResourceToPrice } from "../../runtime/pricing/estimate";

const res = (type: string, name: string, inputs: Record<string, unknown> = {}, state: Record<string, unknown> = {}): ResourceToPrice => ({ type, name, inputs, state });
const est = (...resources: ResourceToPrice[]) => estimateStack(resources, { region: "us-east-1" });
const near = (actual: number, expected: number, what = "") => assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} ≠ ${expected}`);

const db = (extra: Record<string, unknown> = {}) =>
  res("aws:rds/instance:Instance", "db", {
    identifier: "costguard-dev-app",
    engine: "postgres",
    instanceClass: "db.t4g.micro",
    allocatedStorage: 20,
    storageType: "gp3",
    backupRetentionPeriod: 7,
    manageMasterUserPassword: true,
    ...extra,
  });
const universal = (action: string) => `arn:aws:scheduler:::aws-sdk:rds:${action}`;
const schedule = (name: string, action: string, expr: string, identifier = "costguard-dev-app") =>
  res("aws:scheduler/schedule:Schedule", name, { name, scheduleExpression: expr, flexibleTimeWindow: { mode: "OFF" }, target: { arn: universal(action), input: JSON.stringify({ DbInstanceIdentifier: identifier }) } });
const line = (e: ReturnType<typeof est>, what: string) => {
  const found = e.lineItems.find((i) => i.resource === "db" && i.what.startsWith(what));
  assert.ok(found, `no "${what}" line: ${e.lineItems.map((i) => i.what).join(", ")}`);
  return found;
};

describe("estimator: RDS databases", () => {
  it("prices an always-on free-tier-class instance: hours, gp3 storage, backups within the allowance, the master secret", () => {
    const e = est(db());
    near(line(e, "db.t4g.micro postgres").monthlyUsd, 0.016 * 730, "instance"); // 11.68
    near(line(e, "storage").monthlyUsd, 20 * 0.115, "20 GB gp3"); // 2.30
    const backups = line(e, "automated backups");
    near(backups.monthlyUsd, 0, "backups up to the provisioned storage are free");
    assert.match(backups.basis, /free up to 20 GB/);
    near(line(e, "master user secret").monthlyUsd, 0.4, "Secrets Manager");
    near(e.listMonthlyUsd, 11.68 + 2.3 + 0.4);
    near(e.afterFreeTierMonthlyUsd, e.listMonthlyUsd, "no always-free allowance covers RDS");
    assert.match(line(e, "db.t4g.micro").basis, /12-month free tier .* not counted/);
  });

  it("bills no instance hours for a database declared stopped, but still its storage and secret", () => {
    const state = res("aws:rds/instanceDesiredState:InstanceDesiredState", "db-state", { identifier: "costguard-dev-app", state: "stopped" });
    const e = est(db(), state);
    const instance = line(e, "db.t4g.micro postgres");
    near(instance.monthlyUsd, 0);
    assert.match(instance.basis, /declared stopped/);
    near(e.listMonthlyUsd, 2.3 + 0.4, "storage + secret"); // 2.70
    assert.equal(e.freeResources, 1, "the desired state costs nothing by itself");
    assert.deepEqual(e.unpriced, []);
  });

  it("prices the running hours of a Scheduler stop/start schedule (weekdays 08:00-18:00 = 50 of 168 hours)", () => {
    const e = est(db(), schedule("stop", "stopDBInstance", "cron(0 18 ? * MON-FRI *)"), schedule("start", "startDBInstance", "cron(0 8 ? * MON-FRI *)"));
    const hours = (730 * 50) / 168; // 217.26
    const instance = line(e, "db.t4g.micro postgres");
    near(instance.monthlyUsd, 0.016 * hours);
    assert.match(instance.basis, /217\.26 h \(2 scheduled stop\/start actions\)/);
    // Each schedule is priced too: 21.73 invocations/month at $1/M, inside the 14 M free.
    const invocations = e.lineItems.filter((i) => i.type === "aws:scheduler/schedule:Schedule");
    assert.equal(invocations.length, 2);
    near(invocations[0]!.monthlyUsd, ((730 / 24) * 5) / 7 / 1e6);
    near(e.afterFreeTierMonthlyUsd, 0.016 * hours + 2.3 + 0.4, "the invocations are free");
  });

  it("ignores the schedules of another database", () => {
    const e = est(db(), schedule("stop", "stopDBInstance", "cron(0 18 ? * MON-FRI *)", "other-db"));
    near(line(e, "db.t4g.micro postgres").monthlyUsd, 0.016 * 730);
  });

  it("prices automated backups beyond the provisioned storage when their size is declared", () => {
    const e = est(db({ tags: { "costguard:estimate": "backupStorageGb=50" } }));
    near(line(e, "automated backups").monthlyUsd, 30 * 0.095, "30 GB beyond the free 20 GB"); // 2.85
    assert.equal(est(db({ backupRetentionPeriod: 0 })).lineItems.some((i) => i.what === "automated backups"), false, "no backups, no line");
  });

  it("prices a multi-AZ instance and its storage twice; no secret line for a password the program manages", () => {
    const e = est(db({ multiAz: true, manageMasterUserPassword: undefined }));
    near(e.listMonthlyUsd, 2 * 0.016 * 730 + 2 * 20 * 0.115); // 23.36 + 4.60
    assert.equal(e.lineItems.some((i) => i.what.includes("secret")), false);
  });

  it("counts a DB subnet group as free", () => {
    const e = est(res("aws:rds/subnetGroup:SubnetGroup", "subnets", { subnetIds: ["subnet-a", "subnet-b"] }));
    assert.equal(e.freeResources, 1);
    assert.deepEqual(e.unpriced, []);
  });
});
