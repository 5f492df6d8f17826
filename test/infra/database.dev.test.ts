/**
 * Databases in the dev stack under mocks: the example of Pulumi.dev.yaml (`app`, declared
 * stopped, used by the example service `hello`), plus two declared here: `reports`, running
 * on a working-hours schedule and used by two services, and `archive`, always on and used by
 * none. The failsafe finds the database by its Environment tag, stops and restores it.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { handleFailsafeEvent, type ActionCommandResult } from "../../runtime/failsafe/runCommands";
import { memoryLog } from "../../runtime/shared/observability";
import { loadStackConfig, runProgram, type ProgramRun } from "../../tools/offline/runProgram";
import { MOCK_ACCOUNT, type PlannedResource } from "../../tools/offline/mocks";
import { FakeAccount } from "../failsafe/fakeAccount";
import { defaultSettings, metricRecorder, startDynamo, testPrices, type FailsafeDynamo } from "../failsafe/helpers";
import { actions, allStrings, statementsOf, type Statement } from "./helpers";

const root = path.join(__dirname, "..", "..");
const shipped = loadStackConfig(root, "dev").values;
const shippedDatabases = JSON.parse(shipped["costguard:databases"] ?? "[]") as { name: string; stopped?: boolean }[];
const shippedServices = JSON.parse(shipped["costguard:services"] ?? "[]") as { name: string; databases?: string[] }[];

const extraDatabases = [
  { name: "reports", scaleToZero: { timezone: "Europe/Berlin", stopSchedule: "cron(0 20 ? * MON-FRI *)", startSchedule: "cron(0 7 ? * MON-FRI *)" } },
  { name: "archive", instanceClass: "db.t4g.small", allocatedStorageGb: 50, scaleToZero: { enabled: false } },
];
const extraServices = [
  { name: "api", image: "example/api:1", port: 8080, databases: ["reports"], environment: { LOG_LEVEL: "info" } },
  { name: "worker", image: "example/worker:1", healthCheck: { command: ["CMD", "/bin/ok"] }, databases: ["reports", "app"] },
];

let run: ProgramRun;
const all = (type: string) => run.resources.filter((r) => r.type === type);
const one = (type: string, name: string): PlannedResource => {
  const r = run.resources.find((x) => x.type === type && x.name === name);
  assert.ok(r, `expected ${type} ${name}; have ${all(type).map((x) => x.name).join(", ") || "none"}`);
  return r;
};
const instance = (db: string) => one("aws:rds/instance:Instance", `db-${db}-instance`);
const secretArn = (db: string) => (instance(db).state.masterUserSecrets as { secretArn: string }[])[0]!.secretArn;
const securityGroup = (db: string) => one("aws:ec2/securityGroup:SecurityGroup", `db-${db}-sg`);
/** Security group ids as the resources that use them see them (the mock's ids are not in the recorded state). */
const dbSgId = (db: string) => (instance(db).inputs.vpcSecurityGroupIds as string[])[0]!;
const taskSgId = (svc: string) => (one("awsx:ecs:FargateService", `service-${svc}-service`).inputs.networkConfiguration as { securityGroups: string[] }).securityGroups[0]!;
type Container = { secrets: { name: string; valueFrom: string }[]; environment: { name: string; value: string }[] };
const container = (svc: string) => (one("awsx:ecs:FargateService", `service-${svc}-service`).inputs.taskDefinitionArgs as { container: Container }).container;
const schedules = (db: string) => all("aws:scheduler/schedule:Schedule").filter((s) => s.name.startsWith(`db-${db}-`));

before(async () => {
  run = await runProgram({
    stack: "dev",
    config: {
      "costguard:databases": JSON.stringify([...shippedDatabases, ...extraDatabases]),
      "costguard:services": JSON.stringify([...shippedServices, ...extraServices]),
    },
  });
});

describe("databases in the dev stack", () => {
  it("ships one example database in Pulumi.dev.yaml, declared stopped and used by the example service", () => {
    assert.deepEqual(shippedDatabases.map((d) => [d.name, d.stopped]), [["app", true]]);
    assert.deepEqual(shippedServices.find((s) => s.name === "hello")?.databases, ["app"]);
    assert.deepEqual(run.outputs.databaseIdentifiers, ["costguard-dev-app", "costguard-dev-reports", "costguard-dev-archive"]);
  });

  it("defaults to the cheapest safe PostgreSQL: db.t4g.micro, 20 GB gp3, single-AZ, encrypted, 7 days of backups, no Performance Insights, private", () => {
    const app = instance("app").inputs;
    assert.equal(app.engine, "postgres");
    assert.equal(app.identifier, "costguard-dev-app");
    assert.equal(app.instanceClass, "db.t4g.micro");
    assert.equal(app.allocatedStorage, 20);
    assert.equal(app.storageType, "gp3");
    assert.equal(app.multiAz, false);
    assert.equal(app.storageEncrypted, true);
    assert.equal(app.backupRetentionPeriod, 7);
    assert.equal(app.performanceInsightsEnabled, false);
    assert.equal(app.monitoringInterval, 0, "no Enhanced Monitoring (it bills CloudWatch Logs)");
    assert.equal(app.publiclyAccessible, false);
    assert.equal(app.maxAllocatedStorage, undefined, "no storage autoscaling unless asked: storage never shrinks");
    assert.equal(instance("archive").inputs.instanceClass, "db.t4g.small");
    assert.equal(instance("archive").inputs.allocatedStorage, 50);
  });

  it("keeps dev databases disposable: no deletion protection, no final snapshot", () => {
    for (const db of ["app", "reports", "archive"]) {
      assert.equal(instance(db).inputs.deletionProtection, false, db);
      assert.equal(instance(db).inputs.skipFinalSnapshot, true, db);
      assert.equal(instance(db).inputs.finalSnapshotIdentifier, undefined, db);
    }
  });

  it("lets RDS generate and keep the master password in Secrets Manager: no password in any input", () => {
    for (const db of ["app", "reports", "archive"]) {
      const inputs = instance(db).inputs;
      assert.equal(inputs.manageMasterUserPassword, true, db);
      assert.equal(inputs.password, undefined, db);
      assert.equal(inputs.passwordWo, undefined, db);
      assert.match(secretArn(db), /^arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-/);
    }
    const passwordish = run.resources.filter((r) => /random|secretsmanager\/secretVersion/i.test(r.type) || Object.keys(r.inputs).some((k) => /^(password|masterPassword|masterUserPassword)$/i.test(k)));
    assert.deepEqual(passwordish.map((r) => `${r.type} ${r.name}`), []);
  });

  it("places each database in the services' VPC, in isolated subnets (no NAT, no internet route)", () => {
    const vpc = all("awsx:ec2:Vpc");
    assert.equal(vpc.length, 1);
    const specs = (vpc[0]!.inputs.subnetSpecs as { type: string }[]).map((s) => s.type);
    assert.deepEqual(specs, ["Public", "Isolated"]);
    assert.equal((vpc[0]!.inputs.natGateways as { strategy: string }).strategy, "None");
    const isolated = vpc[0]!.state.isolatedSubnetIds as string[];
    assert.equal(isolated.length, 2);
    const group = one("aws:rds/subnetGroup:SubnetGroup", "db-app-subnets");
    assert.deepEqual(group.inputs.subnetIds, isolated);
    assert.equal(instance("app").inputs.dbSubnetGroupName, group.state.name);
    assert.equal(securityGroup("app").inputs.vpcId, vpc[0]!.state.vpcId);
    assert.deepEqual(instance("app").inputs.vpcSecurityGroupIds, [securityGroup("app").id], "its own security group (by id)");
  });

  it("admits 5432 only from the security groups of the services that declare the database", () => {
    const rules = all("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    const into = (db: string) =>
      rules
        .filter((r) => r.inputs.securityGroupId === dbSgId(db))
        .map((r) => ({ from: r.inputs.referencedSecurityGroupId as string, port: [r.inputs.fromPort, r.inputs.toPort], protocol: r.inputs.ipProtocol, cidr: r.inputs.cidrIpv4 }))
        .sort((a, b) => a.from.localeCompare(b.from));
    const rule = (svc: string) => ({ from: taskSgId(svc), port: [5432, 5432], protocol: "tcp", cidr: undefined });
    assert.notEqual(taskSgId("hello"), taskSgId("worker"));
    const rulesFor = (...svcs: string[]) => svcs.map(rule).sort((a, b) => a.from.localeCompare(b.from));
    assert.deepEqual(into("app"), rulesFor("hello", "worker"));
    assert.deepEqual(into("reports"), rulesFor("api", "worker"));
    assert.deepEqual(into("archive"), [], "declared by no service: reachable by none");
    for (const db of ["app", "reports", "archive"]) {
      const sg = securityGroup(db).inputs;
      assert.equal(sg.ingress, undefined, `${db}: no inline rules that would fight the rule resources`);
      assert.deepEqual(sg.egress, [], `${db}: a database opens no connections`);
    }
  });

  it("gives each service its database by reference: libpq's variables, the password from the secret", () => {
    const hello = container("hello");
    assert.deepEqual(
      hello.secrets.map((s) => [s.name, s.valueFrom]),
      [
        ["PGUSER", `${secretArn("app")}:username::`],
        ["PGPASSWORD", `${secretArn("app")}:password::`],
      ],
    );
    const env = Object.fromEntries(hello.environment.map((e) => [e.name, e.value]));
    assert.deepEqual(env, { PGHOST: instance("app").state.address, PGPORT: "5432", PGDATABASE: "app", PGSSLMODE: "require" });
    // A service with two databases gets each under its name.
    const worker = Object.fromEntries(container("worker").environment.map((e) => [e.name, e.value]));
    assert.equal(worker.REPORTS_PGHOST, instance("reports").state.address);
    assert.equal(worker.APP_PGDATABASE, "app");
    assert.deepEqual(container("worker").secrets.map((s) => s.name).sort(), ["APP_PGPASSWORD", "APP_PGUSER", "REPORTS_PGPASSWORD", "REPORTS_PGUSER"]);
    assert.deepEqual(Object.fromEntries(container("api").environment.map((e) => [e.name, e.value])).LOG_LEVEL, "info", "the service's own environment stays");
    // The secret ARN appears only as a container secret reference and in IAM policies.
    for (const r of run.resources) {
      if (r.type === "aws:rds/instance:Instance") continue;
      if (allStrings(r.inputs).some((s) => s.includes("rds!db-"))) assert.ok(["awsx:ecs:FargateService", "aws:iam/rolePolicy:RolePolicy"].includes(r.type), `${r.type} ${r.name} holds the secret ARN`);
    }
  });

  it("lets each service's execution role read exactly its databases' secrets", () => {
    const reads = (svc: string) => statementsOf(run, `service-${svc}-exec`).filter((s) => actions(s).some((a) => a.startsWith("secretsmanager:")));
    assert.deepEqual(reads("hello").map((s) => [actions(s), s.Resource]), [[["secretsmanager:GetSecretValue"], [secretArn("app")]]]);
    assert.deepEqual([reads("worker")[0]!.Resource].flat().sort(), [secretArn("app"), secretArn("reports")].sort());
    assert.equal(reads("api").length, 1);
    assert.deepEqual(reads("api")[0]!.Resource, [secretArn("reports")]);
  });

  it("keeps a database declared stopped stopped: desired state, a daily stop against RDS's 7-day restart, no start, no alarms", () => {
    const state = one("aws:rds/instanceDesiredState:InstanceDesiredState", "db-app-state").inputs;
    assert.deepEqual([state.identifier, state.state], ["costguard-dev-app", "stopped"]);
    const app = schedules("app").map((s) => s.inputs as { name: string; scheduleExpression: string; target: { arn: string; input: string } });
    assert.deepEqual(app.map((s) => s.target.arn), ["arn:aws:scheduler:::aws-sdk:rds:stopDBInstance"]);
    assert.equal(app[0]!.scheduleExpression, "rate(1 day)");
    assert.deepEqual(JSON.parse(app[0]!.target.input), { DbInstanceIdentifier: "costguard-dev-app" });
    assert.equal(all("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.startsWith("db-app-")).length, 0, "no alarm can fire on a stopped database");
    assert.equal(all("aws:rds/instanceDesiredState:InstanceDesiredState").length, 1, "only the stopped one has a declared state");
  });

  it("stops and starts a running dev database on the services' schedule shape, with EventBridge Scheduler's RDS targets", () => {
    const byName = new Map(schedules("reports").map((s) => [s.inputs.name as string, s.inputs as { scheduleExpression: string; scheduleExpressionTimezone: string; flexibleTimeWindow: { mode: string }; target: { arn: string; roleArn: string; input: string; retryPolicy: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number } } }]));
    assert.deepEqual([...byName.keys()].sort(), ["costguard-dev-reports-start", "costguard-dev-reports-stop"]);
    const stop = byName.get("costguard-dev-reports-stop")!;
    const start = byName.get("costguard-dev-reports-start")!;
    assert.equal(stop.scheduleExpression, "cron(0 20 ? * MON-FRI *)");
    assert.equal(start.scheduleExpression, "cron(0 7 ? * MON-FRI *)");
    assert.equal(stop.scheduleExpressionTimezone, "Europe/Berlin");
    assert.equal(stop.flexibleTimeWindow.mode, "OFF");
    assert.equal(stop.target.arn, "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance");
    assert.equal(start.target.arn, "arn:aws:scheduler:::aws-sdk:rds:startDBInstance");
    assert.deepEqual(JSON.parse(start.target.input), { DbInstanceIdentifier: "costguard-dev-reports" });
    assert.equal(schedules("archive").length, 0, "scaleToZero.enabled: false");
    const role = one("aws:iam/role:Role", "db-reports-scheduler");
    assert.equal(stop.target.roleArn, role.state.arn);
    const trust = JSON.parse(role.inputs.assumeRolePolicy as string) as { Statement: { Principal: { Service: string }; Condition: { StringEquals: Record<string, string> } }[] };
    assert.equal(trust.Statement[0]!.Principal.Service, "scheduler.amazonaws.com");
    assert.equal(trust.Statement[0]!.Condition.StringEquals["aws:SourceAccount"], MOCK_ACCOUNT);
    const policy = JSON.parse(one("aws:iam/rolePolicy:RolePolicy", "db-reports-scheduler-policy").inputs.policy as string) as { Statement: Statement[] };
    assert.deepEqual(policy.Statement.map((s) => [actions(s).sort(), s.Resource]), [[["rds:StartDBInstance", "rds:StopDBInstance"], `arn:aws:rds:us-east-1:${MOCK_ACCOUNT}:db:costguard-dev-reports`]]);
    const keep = JSON.parse(one("aws:iam/rolePolicy:RolePolicy", "db-app-scheduler-policy").inputs.policy as string) as { Statement: Statement[] };
    assert.deepEqual(keep.Statement.map((s) => [actions(s), s.Resource]), [[["rds:StopDBInstance"], `arn:aws:rds:us-east-1:${MOCK_ACCOUNT}:db:costguard-dev-app`]], "the stopped database's role may only stop it");
  });

  it("alarms on CPU credits, free storage and connections of a running database, to the alert topic", () => {
    const topicArn = all("aws:sns/topic:Topic")[0]!.state.arn;
    const alarms = (db: string) => all("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.startsWith(`db-${db}-`)).map((a) => a.inputs as { metricName: string; namespace: string; threshold: number; comparisonOperator: string; dimensions: Record<string, string>; alarmActions: string[]; treatMissingData: string });
    const reports = alarms("reports");
    assert.deepEqual(reports.map((a) => a.metricName).sort(), ["CPUCreditBalance", "DatabaseConnections", "FreeStorageSpace"]);
    for (const a of reports) {
      assert.equal(a.namespace, "AWS/RDS");
      assert.deepEqual(a.dimensions, { DBInstanceIdentifier: "costguard-dev-reports" });
      assert.deepEqual(a.alarmActions, [topicArn]);
      assert.equal(a.treatMissingData, "notBreaching", "stopped at night is not an alarm");
    }
    const by = (name: string) => reports.find((a) => a.metricName === name)!;
    assert.deepEqual([by("CPUCreditBalance").comparisonOperator, by("CPUCreditBalance").threshold], ["LessThanThreshold", 20]);
    assert.deepEqual([by("FreeStorageSpace").comparisonOperator, by("FreeStorageSpace").threshold], ["LessThanThreshold", 2 * 1024 ** 3], "10 % of 20 GB");
    assert.deepEqual([by("DatabaseConnections").comparisonOperator, by("DatabaseConnections").threshold], ["GreaterThanThreshold", 60]);
    assert.equal(alarms("archive").find((a) => a.metricName === "FreeStorageSpace")!.threshold, 5 * 1024 ** 3, "10 % of 50 GB");
  });

  it("tags every database resource with the stack's Environment through the provider's default tags", () => {
    for (const r of run.resources.filter((x) => x.name.startsWith("db-") && x.type.startsWith("aws:") && !/iam\/rolePolicy|scheduler\/schedule|instanceDesiredState/.test(x.type))) {
      assert.equal((r.state.tagsAll as Record<string, string> | undefined)?.Environment, "dev", `${r.type} ${r.name}`);
    }
    assert.equal(instance("app").inputs.copyTagsToSnapshot, true, "snapshots are attributed to the environment too");
  });
});

describe("the failsafe and a dev database", () => {
  let dynamo: FailsafeDynamo;
  after(() => dynamo?.close());

  it("finds the database by the Environment tag RDS reports, stops it with stop-env and restore starts it again", async () => {
    const db = instance("reports");
    const tags = db.state.tagsAll as Record<string, string>;
    // What DescribeDBInstances returns for it: the identifier and the tags the provider set.
    const account = new FakeAccount();
    account.addDb({ id: db.inputs.identifier as string, cls: db.inputs.instanceClass as string, status: "available", tags });
    dynamo = await startDynamo();
    const deps = {
      clients: account.clients,
      store: dynamo.store(48),
      sns: account.sns,
      alertTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts",
      prices: testPrices,
      settings: defaultSettings(),
      stack: "dev",
      region: "us-east-1",
      log: memoryLog(),
      emit: metricRecorder().emit,
      now: () => Date.parse("2027-03-01T12:00:00Z"),
    };
    const stopped = (await handleFailsafeEvent({ command: "stop-env", environment: "dev" }, deps)) as ActionCommandResult;
    assert.deepEqual(stopped.actions.map((a) => [a.kind, a.id, a.outcome]), [["stop-db", "costguard-dev-reports", "applied"]]);
    assert.equal(account.dbs.get("costguard-dev-reports")!.status, "stopped");
    const restored = (await handleFailsafeEvent({ command: "restore", environment: "dev" }, deps)) as ActionCommandResult;
    assert.deepEqual(restored.actions.map((a) => [a.kind, a.id, a.outcome]), [["stop-db", "costguard-dev-reports", "restored"]]);
    assert.equal(account.dbs.get("costguard-dev-reports")!.status, "available");

    // The failsafe's own IAM lets it stop exactly such a database: the tag value is a stoppable environment.
    const st = statementsOf(run, "failsafe-check").find((s) => s.Sid === "StopStartDatabasesOfStoppableEnvironments")!;
    assert.ok((st.Condition!.StringEquals!["aws:ResourceTag/Environment"] as string[]).includes(tags.Environment!));
    assert.match(`arn:aws:rds:us-east-1:${MOCK_ACCOUNT}:db:costguard-dev-reports`, new RegExp(`^${String(st.Resource).replace(/\*/g, ".*")}$`));
  });
});
