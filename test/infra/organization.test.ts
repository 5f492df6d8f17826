/**
 * Organisation mode planned under the mocks (a test stack config: three accounts, two regions,
 * the root and one OU): the member role rolled out by a service-managed StackSet with least
 * privilege, and the sweep's state machine whose payloads are the sweep's own events.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ENFORCE_ACTIONS } from "../../runtime/enforcer/actions";
import { INVENTORY_ACTIONS as ENFORCER_INVENTORY } from "../../runtime/enforcer/inventory";
import { EBS_GRANT_ACTIONS, EBS_KEY_ACTIONS, STOP_ACTIONS, TERMINATE_ACTION } from "../../runtime/failsafe/actions";
import { INVENTORY_ACTIONS as FAILSAFE_INVENTORY } from "../../runtime/failsafe/inventory";
import { SWEEP_SHAPE, SweepDecideEvent, SweepInventoryEvent, SweepListEvent, sweepKeys } from "../../runtime/shared/sweep";
import { CLEANUP_ACTIONS } from "../../runtime/waste/actions";
import { INVENTORY_ACTIONS as WASTE_INVENTORY } from "../../runtime/waste/inventory";
import { ORG_CONFIG } from "../support/organizationStack";
import { stackRun, type StackRun } from "../support/stackRun";
import { actions, one, ofType, statementsOf, type Statement } from "./helpers";


interface Template {
  Resources: { MemberRole: { Type: string; Properties: { RoleName: string; AssumeRolePolicyDocument: { Statement: Statement[] & { Principal: unknown }[] }; Policies: { PolicyName: string; PolicyDocument: { Statement: Statement[] } }[] } } };
}

/** A minimal JSONPath reader for the paths the definition uses ($.a.b, $.a[0].b, $$.Execution.Name). */
function at(path: string, input: unknown, context: unknown): unknown {
  const [root, ...keys] = path.replace(/\[(\d+)\]/g, ".$1").split(".");
  let v: unknown = root === "$$" ? context : input;
  for (const k of keys) {
    assert.ok(v !== null && typeof v === "object" && k in v, `${path}: nothing at "${k}"`);
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}
/** Parameters as Step Functions evaluates them: `key.$` → the value at the path; States.Format too. */
function evaluate(params: Record<string, unknown>, input: unknown, context: unknown = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (k.endsWith(".$")) {
      const s = String(v);
      const fmt = /^States\.Format\('([^']*)', (\S+)\)$/.exec(s);
      out[k.slice(0, -2)] = fmt ? fmt[1]!.replace("{}", String(at(fmt[2]!, input, context))) : at(s, input, context);
    } else out[k] = v && typeof v === "object" && !Array.isArray(v) ? evaluate(v as Record<string, unknown>, input, context) : v;
  }
  return out;
}

describe("organisation mode (test stack: 3 accounts × 2 regions)", () => {
  let run: StackRun;
  let template: Template;
  before(async () => {
    run = await stackRun({ stack: "dev", config: ORG_CONFIG });
    template = JSON.parse(one(run, "aws:cloudformation/stackSet:StackSet", "member-access").inputs.templateBody as string) as Template;
  });

  it("rolls the member role out with a service-managed StackSet, automatically to new accounts, one instance per target in one region", () => {
    const ss = one(run, "aws:cloudformation/stackSet:StackSet", "member-access");
    assert.equal(ss.inputs.permissionModel, "SERVICE_MANAGED");
    assert.deepEqual(ss.inputs.autoDeployment, { enabled: true, retainStacksOnAccountRemoval: false });
    assert.equal(ss.inputs.callAs, "SELF");
    assert.deepEqual(ss.inputs.capabilities, ["CAPABILITY_NAMED_IAM"]);
    const instances = ofType(run, "aws:cloudformation/stackSetInstance:StackSetInstance").filter((i) => i.name.startsWith("member-access-"));
    assert.deepEqual(instances.map((i) => (i.inputs.deploymentTargets as { organizationalUnitIds: string[] }).organizationalUnitIds).sort(), [["ou-ab12-cdef5678"], ["r-ab12"]]);
    for (const i of instances) assert.equal(i.inputs.stackSetInstanceRegion, "us-east-1", "IAM is global: one region");
    assert.equal(template.Resources.MemberRole.Properties.RoleName, "costguard-member");
  });

  it("trusts only the hub functions' roles (the spot events' too, for an interrupted member instance), with the external id and from inside the organisation", () => {
    const trust = template.Resources.MemberRole.Properties.AssumeRolePolicyDocument.Statement;
    assert.equal(trust.length, 1);
    const s = trust[0]! as Statement & { Principal: { AWS: string[] } };
    assert.deepEqual(actions(s), ["sts:AssumeRole"]);
    const roleArns = ofType(run, "aws:iam/role:Role").filter((r) => /^(failsafe-check|waste-scan|enforcer-check|spot-events)-role$/.test(r.name)).map((r) => `arn:aws:iam::123456789012:role/${r.name}`);
    assert.equal(roleArns.length, 4);
    assert.equal(s.Principal.AWS.length, 4);
    for (const p of s.Principal.AWS) assert.ok(roleArns.some((a) => p.startsWith(a)), `${p} is not a hub function role`);
    assert.ok(!JSON.stringify(trust).includes('"*"'), "no wildcard principal");
    assert.deepEqual(s.Condition, { StringEquals: { "sts:ExternalId": "costguard-ext-1", "aws:PrincipalOrgID": "o-a1b2c3d4e5" } });
  });

  it("grants exactly the runtime's actions, with the hub functions' own conditions, and none of the hub's tables", () => {
    const policies = Object.fromEntries(template.Resources.MemberRole.Properties.Policies.map((p) => [p.PolicyName, p.PolicyDocument.Statement]));
    assert.deepEqual(Object.keys(policies).sort(), ["costguard-enforcer", "costguard-failsafe", "costguard-spot", "costguard-waste"]);
    // The spot events read an interrupted member instance and its zone's ID; nothing else.
    assert.deepEqual(policies["costguard-spot"]!.flatMap(actions).sort(), ["ec2:DescribeAvailabilityZones", "ec2:DescribeInstances"]);
    delete policies["costguard-spot"];
    const expected: Record<string, string[]> = {
      "costguard-failsafe": [...FAILSAFE_INVENTORY, ...Object.values(STOP_ACTIONS).flat(), TERMINATE_ACTION, ...EBS_KEY_ACTIONS, ...EBS_GRANT_ACTIONS],
      "costguard-waste": [...WASTE_INVENTORY, ...Object.values(CLEANUP_ACTIONS).flat()],
      "costguard-enforcer": [...ENFORCER_INVENTORY, ENFORCE_ACTIONS.tag, ENFORCE_ACTIONS.untag, ENFORCE_ACTIONS.stop],
    };
    const hubFunction: Record<string, string> = { "costguard-failsafe": "failsafe-check", "costguard-waste": "waste-scan", "costguard-enforcer": "enforcer-check" };
    for (const [name, statements] of Object.entries(policies)) {
      const granted = new Set(statements.filter((s) => s.Effect === "Allow").flatMap(actions));
      for (const a of granted) assert.ok(expected[name]!.includes(a), `${name} grants ${a}, which no runtime constant names`);
      assert.ok(![...granted].some((a) => a.startsWith("dynamodb:") || a === "*"), `${name}: no table, no wildcard action`);
      // Every statement is the hub function's own, with the same actions and conditions.
      const hub = statementsOf(run, hubFunction[name]!);
      for (const s of statements) {
        const twin = hub.find((h) => h.Sid === s.Sid);
        assert.ok(twin, `${name}: ${s.Sid} has no twin in the hub function's policy`);
        assert.deepEqual(actions(s), actions(twin));
        const via = twin.Condition?.StringEquals?.["kms:ViaService"];
        if (via === undefined) assert.deepEqual(s.Condition, twin.Condition, `${name}: ${s.Sid} keeps its conditions`);
        else assert.equal(s.Condition?.StringLike?.["kms:ViaService"], "ec2.*.amazonaws.com", "EC2 only, in any region");
        if (s.Effect === "Allow" && s.Resource !== "*") assert.match(JSON.stringify(s.Resource), /\$\{AWS::AccountId\}|::snapshot/, `${s.Sid}: the member account only`);
      }
      const mutating = statements.filter((s) => s.Effect === "Allow" && s.Resource !== "*");
      if (mutating.length) {
        assert.ok(statements.some((s) => s.Effect === "Deny" && s.Condition?.StringEqualsIgnoreCase?.["aws:ResourceTag/costguard:protect"] === "true"), `${name}: the protect Deny`);
        for (const s of mutating) assert.ok(s.Condition && Object.keys(s.Condition).length, `${name}: ${s.Sid} is unconditioned`);
      }
    }
  });

  it("runs the sweep as List → distributed Map of EXPRESS batches → Decide, each payload a sweep event", () => {
    const machine = one(run, "aws:sfn/stateMachine:StateMachine");
    assert.equal(machine.inputs.type, "STANDARD");
    const def = JSON.parse(machine.inputs.definition as string);
    const bucket = one(run, "aws:s3/bucket:Bucket", "sweep-bucket");
    assert.equal(def.StartAt, "List");
    assert.equal(def.TimeoutSeconds, 120, "a sweep ends before the next tick of rate(2 minutes)");
    const { List, Inventory, Decide } = def.States;
    for (const task of [List, Inventory.ItemProcessor.States.InventoryBatch, Decide]) {
      assert.match(task.Resource, /^arn:aws:states:::lambda:invoke$/);
      assert.ok(String(task.Parameters.FunctionName).includes("failsafe-check"), "invokes the failsafe function");
      assert.ok(task.Retry[0].ErrorEquals.includes("Lambda.TooManyRequestsException"), "retries throttling");
    }
    assert.deepEqual(Inventory.ItemProcessor.ProcessorConfig, { Mode: "DISTRIBUTED", ExecutionType: "EXPRESS" });
    assert.equal(Inventory.ItemBatcher.MaxItemsPerBatch, SWEEP_SHAPE.unitsPerBatch);
    assert.equal(Inventory.MaxConcurrency, SWEEP_SHAPE.maxConcurrency);
    assert.equal(Inventory.ToleratedFailurePercentage, 100);
    assert.equal(Inventory.ItemReader.ReaderConfig.InputType, "JSON");
    assert.ok(String(Inventory.ResultWriter.Parameters.Bucket).startsWith(bucket.name), "results go to the sweep bucket");

    // The data flow of one sweep, as Step Functions evaluates it, parsed with the sweep's schemas.
    const context = { Execution: { Name: "8c3b0c1e-5b7a-4d2e-9f00-1a2b3c4d5e6f" } };
    const listEvent = SweepListEvent.parse(evaluate(List.Parameters, {}, context).Payload);
    const listResult = { Payload: { runId: listEvent.runId, Bucket: "sweep-bucket-1", Key: sweepKeys.units(listEvent.runId), units: 6, failures: [] } };
    const state = { list: evaluate(List.ResultSelector, listResult) };
    assert.deepEqual(evaluate(Inventory.ItemReader.Parameters, state), { Bucket: "sweep-bucket-1", Key: sweepKeys.units(listEvent.runId) });
    // The Map selects each unit with the Map's input and the item in context, then batches them.
    const units = [{ account: "111111111111", region: "eu-west-1" }, { account: "222222222222", region: "us-east-1" }];
    const child = { Items: units.map((unit) => evaluate(Inventory.ItemSelector, state, { Map: { Item: { Value: unit } } })) };
    const inventory = SweepInventoryEvent.parse(evaluate(Inventory.ItemProcessor.States.InventoryBatch.Parameters, child).Payload);
    assert.equal(inventory.runId, listEvent.runId);
    assert.deepEqual(inventory.Items, units, "the batch's units, as the list wrote them");
    assert.equal(evaluate(Inventory.ResultWriter.Parameters, state).Prefix, sweepKeys.results(listEvent.runId));
    const afterMap = { ...state, map: { ResultWriterDetails: { Bucket: "sweep-bucket-1", Key: `${sweepKeys.results(listEvent.runId)}/x/manifest.json` } } };
    const decide = SweepDecideEvent.parse(evaluate(Decide.Parameters, afterMap).Payload);
    assert.equal(decide.runId, listEvent.runId);
  });

  it("gives the state machine only what the sweep needs", () => {
    const role = one(run, "aws:iam/role:Role", "sweep-role");
    const statements = (JSON.parse((role.inputs.inlinePolicies as { policy: string }[])[0]!.policy) as { Statement: Statement[] }).Statement;
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    assert.deepEqual(actions(bySid.InvokeTheFailsafe!), ["lambda:InvokeFunction"]);
    for (const r of [bySid.InvokeTheFailsafe!.Resource].flat()) assert.match(String(r), /failsafe-check/);
    assert.match(String(bySid.RunTheMap!.Resource), /:stateMachine:costguard-dev-sweep$/);
    assert.match(String(bySid.WatchTheMap!.Resource), /:execution:costguard-dev-sweep\/\*$/);
    assert.match(String(bySid.SweepFiles!.Resource), /\/sweeps\/\*$/);
    for (const s of statements) if (s.Resource === "*") assert.equal(s.Sid, "DeliverLogs", `${s.Sid} on "*"`);
    const schedule = one(run, "aws:cloudwatch/eventRule:EventRule", "sweep-schedule");
    assert.equal(schedule.inputs.scheduleExpression, "rate(2 minutes)", "at the failsafe's cadence");
  });

  it("keeps the sweep bucket private, encrypted and its sweeps for a day", () => {
    const pab = one(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "sweep-bucket");
    for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(pab.inputs[k], true, k);
    assert.ok(one(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sweep-bucket"));
    const rules = one(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "sweep-bucket").inputs.rules as { filter: { prefix: string }; expiration: { days: number } }[];
    assert.deepEqual([rules[0]!.filter.prefix, rules[0]!.expiration.days], ["sweeps/", 1]);
  });

  it("forwards spot interruption and rebalance events of every other covered region to the home bus, through a role that may put events there only", () => {
    const providers = ofType(run, "pulumi:providers:aws").filter((p) => p.inputs.region === "eu-west-1");
    assert.equal(providers.length, 1, "one provider for eu-west-1");
    const rules = ofType(run, "aws:cloudwatch/eventRule:EventRule").filter((r) => r.name.startsWith("spot-forward-"));
    assert.deepEqual(rules.map((r) => r.name), ["spot-forward-eu-west-1"], "no rule in the home region: its events are already there");
    assert.ok(rules[0]!.provider?.includes(providers[0]!.name), "created in eu-west-1");
    const pattern = JSON.parse(rules[0]!.inputs.eventPattern as string) as { source: string[]; "detail-type": string[] };
    assert.deepEqual(pattern, { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation"] });
    const target = one(run, "aws:cloudwatch/eventTarget:EventTarget", "spot-forward-eu-west-1");
    assert.equal(target.inputs.arn, "arn:aws:events:us-east-1:123456789012:event-bus/default");
    const role = one(run, "aws:iam/role:Role", "spot-forward-role");
    assert.equal(target.inputs.roleArn, role.state.arn);
    const policy = (JSON.parse((role.inputs.inlinePolicies as { policy: string }[])[0]!.policy) as { Statement: Statement[] }).Statement;
    assert.deepEqual(policy.map((p) => [actions(p), p.Resource]), [[["events:PutEvents"], "arn:aws:events:us-east-1:123456789012:event-bus/default"]]);
  });

  it("lets the organisation's accounts, and no one else, put events on the home bus", () => {
    const busPolicy = one(run, "aws:cloudwatch/eventBusPolicy:EventBusPolicy", "spot-forward");
    const doc = JSON.parse(busPolicy.inputs.policy as string) as { Statement: (Statement & { Principal: unknown })[] };
    assert.equal(doc.Statement.length, 1);
    assert.deepEqual(actions(doc.Statement[0]!), ["events:PutEvents"]);
    assert.deepEqual(doc.Statement[0]!.Condition, { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } });
  });

  it("forwards every member account's spot events, in every covered region, to the hub's bus: a service-managed StackSet that skips the hub's own account", () => {
    const ss = one(run, "aws:cloudformation/stackSet:StackSet", "spot-members");
    assert.equal(ss.inputs.permissionModel, "SERVICE_MANAGED");
    assert.deepEqual(ss.inputs.autoDeployment, { enabled: true, retainStacksOnAccountRemoval: false }, "new accounts forward without anyone running anything");
    const hubBus = "arn:aws:events:us-east-1:123456789012:event-bus/default";
    const t = JSON.parse(ss.inputs.templateBody as string) as { Resources: { ForwardRule: { Properties: { EventPattern: unknown; Targets: { Arn: string; RoleArn: unknown }[] } }; ForwardRole: { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } } } };
    assert.deepEqual(t.Resources.ForwardRule.Properties.EventPattern, { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation"] });
    assert.deepEqual(t.Resources.ForwardRule.Properties.Targets.map((x) => x.Arn), [hubBus]);
    const grants = t.Resources.ForwardRole.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
    assert.deepEqual(grants.map((g) => [actions(g), g.Resource]), [[["events:PutEvents"], hubBus]], "put on the hub's bus, nothing else");
    const instances = ofType(run, "aws:cloudformation/stackSetInstance:StackSetInstance").filter((i) => i.name.startsWith("spot-members-"));
    const placed = instances.map((i) => `${(i.inputs.deploymentTargets as { organizationalUnitIds: string[] }).organizationalUnitIds[0]}@${i.inputs.stackSetInstanceRegion}`).sort();
    assert.deepEqual(placed, ["ou-ab12-cdef5678@eu-west-1", "ou-ab12-cdef5678@us-east-1", "r-ab12@eu-west-1", "r-ab12@us-east-1"], "every target in every covered region, the home region too");
    for (const i of instances) {
      const d = i.inputs.deploymentTargets as { accounts: string[]; accountFilterType: string };
      assert.deepEqual([d.accountFilterType, d.accounts], ["DIFFERENCE", ["123456789012"]], "not the hub's own account: its bus would receive its own events again");
    }
  });
});
