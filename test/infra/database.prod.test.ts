/**
 * A database in the prod stack under mocks (prod declares none by default): the production
 * hardening (multi-AZ, deletion protection, a final snapshot, never stopped by schedule), the
 * same private wiring as in dev, and the policy pack over it.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { analyzeRun, type Analysis } from "../../tools/offline/analysis";
import { runProgram, type ProgramRun } from "../../tools/offline/runProgram";
import type { PlannedResource } from "../../tools/offline/mocks";
import type { Estimate } from "../../runtime/pricing/estimate";
import { actions, statementsOf } from "./helpers";

const databases = [{ name: "orders" }, { name: "ledger", multiAz: false, instanceClass: "db.m6g.large", allocatedStorageGb: 100 }];
const services = [{ name: "web", image: "example/web:1", port: 8080, databases: ["orders"] }];

let run: ProgramRun;
let analysis: Analysis;
const all = (type: string) => run.resources.filter((r) => r.type === type);
const one = (type: string, name: string): PlannedResource => {
  const r = run.resources.find((x) => x.type === type && x.name === name);
  assert.ok(r, `expected ${type} ${name}`);
  return r;
};
const orders = () => one("aws:rds/instance:Instance", "db-orders-instance");

before(async () => {
  run = await runProgram({ stack: "prod", config: { "costguard:databases": JSON.stringify(databases), "costguard:services": JSON.stringify(services) } });
  analysis = await analyzeRun(run, {});
});

describe("databases in the prod stack", () => {
  it("hardens production: multi-AZ by default, deletion protection, a final snapshot, changes in the maintenance window", () => {
    const i = orders().inputs;
    assert.equal(i.multiAz, true);
    assert.equal(i.deletionProtection, true);
    assert.equal(i.skipFinalSnapshot, false);
    assert.equal(i.finalSnapshotIdentifier, "costguard-prod-orders-final");
    assert.equal(i.applyImmediately, false);
    assert.equal(i.storageEncrypted, true);
    assert.equal(i.publiclyAccessible, false);
    assert.equal(i.backupRetentionPeriod, 7);
    assert.equal(i.manageMasterUserPassword, true);
    assert.equal(i.password, undefined);
    const ledger = one("aws:rds/instance:Instance", "db-ledger-instance").inputs;
    assert.equal(ledger.multiAz, false, "multiAz: false is honoured");
    assert.equal(ledger.deletionProtection, true);
  });

  it("never stops a production database on a schedule", () => {
    assert.equal(all("aws:scheduler/schedule:Schedule").length, 0);
    assert.equal(all("aws:rds/instanceDesiredState:InstanceDesiredState").length, 0);
    assert.equal(run.resources.filter((r) => r.type === "aws:iam/role:Role" && r.name.startsWith("db-")).length, 0);
  });

  it("alarms on connections and free storage, and on CPU credits only for burstable classes", () => {
    const metrics = (db: string) => all("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.startsWith(`db-${db}-`)).map((a) => a.inputs.metricName).sort();
    assert.deepEqual(metrics("orders"), ["CPUCreditBalance", "DatabaseConnections", "FreeStorageSpace"]);
    assert.deepEqual(metrics("ledger"), ["DatabaseConnections", "FreeStorageSpace"], "db.m6g has no CPU credits");
  });

  it("wires the service to its database: 5432 from its tasks only, its secret by reference, read by its execution role only", () => {
    const rules = all("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    const dbSg = (orders().inputs.vpcSecurityGroupIds as string[])[0];
    const webSg = (one("awsx:ecs:FargateService", "service-web-service").inputs.networkConfiguration as { securityGroups: string[] }).securityGroups[0];
    assert.ok(dbSg && webSg);
    assert.deepEqual(rules.map((r) => [r.inputs.securityGroupId, r.inputs.referencedSecurityGroupId, r.inputs.fromPort]), [[dbSg, webSg, 5432]]);
    const secretArn = (orders().state.masterUserSecrets as { secretArn: string }[])[0]!.secretArn;
    const container = (one("awsx:ecs:FargateService", "service-web-service").inputs.taskDefinitionArgs as { container: { secrets: { name: string; valueFrom: string }[] } }).container;
    assert.deepEqual(container.secrets.map((s) => s.valueFrom), [`${secretArn}:username::`, `${secretArn}:password::`]);
    const reads = statementsOf(run, "service-web-exec").filter((s) => actions(s).includes("secretsmanager:GetSecretValue"));
    assert.deepEqual(reads.map((s) => s.Resource), [[secretArn]]);
  });

  it("passes rds-safety and every other resource rule of the prod policy pack", () => {
    const results = (analysis.json.policies as { results: { name: string; violations: { level: string; message: string }[] }[] }).results;
    const rds = results.find((r) => r.name === "rds-safety")!;
    assert.deepEqual(rds.violations, []);
    const mandatory = results.filter((r) => r.name !== "stack-cost-cap").flatMap((r) => r.violations.filter((v) => v.level === "mandatory").map((v) => `${r.name}: ${v.message}`));
    assert.deepEqual(mandatory, []);
  });

  it("prices both databases: multi-AZ instance and storage twice, the secret, backups within the free allowance", () => {
    const e = analysis.json.estimate as Estimate;
    const items = (resource: string) => e.lineItems.filter((i) => i.resource === resource);
    const o = items("db-orders-instance");
    assert.deepEqual(o.map((i) => i.what), ["db.t4g.micro postgres multi-AZ", "storage", "automated backups", "master user secret (Secrets Manager)"]);
    const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} ≠ ${b}`);
    near(o[0]!.monthlyUsd, 2 * 0.016 * 730);
    near(o[1]!.monthlyUsd, 2 * 20 * 0.115);
    near(o[2]!.monthlyUsd, 0);
    near(o[3]!.monthlyUsd, 0.4);
    near(items("db-ledger-instance")[0]!.monthlyUsd, 0.159 * 730);
    assert.deepEqual(e.unpriced, []);
  });
});
