/**
 * How long the policy pack and the estimator take over stacks of growing size (synthetic
 * resources of the kinds costguard declares), as the offline plan runs them.
 *
 *   npx tsx tools/bench/policy.ts
 */
import { policies } from "../../policy/policies";
import { estimateStack } from "../../runtime/pricing/estimate";
import { runPolicies, type RunnerResource } from "../offline/policyRunner";

function syntheticStack(n: number): RunnerResource[] {
  const tags = { Environment: "dev", Project: "bench", ManagedBy: "costguard", Stack: "dev" };
  const out: RunnerResource[] = [];
  for (let i = 0; out.length < n; i++) {
    const fnArn = `arn:aws:lambda:us-east-1:123456789012:function:fn-${i}`;
    out.push(
      { type: "aws:lambda/function:Function", name: `fn-${i}`, inputs: { architectures: ["arm64"], memorySize: 128, loggingConfig: { logGroup: `lg-${i}` }, environment: { variables: { TABLE: `t-${i}` } }, tags }, state: { arn: fnArn, tagsAll: tags } },
      { type: "aws:cloudwatch/logGroup:LogGroup", name: `lg-${i}`, inputs: { name: `lg-${i}`, retentionInDays: 7, tags } },
      { type: "aws:cloudwatch/eventRule:EventRule", name: `rule-${i}`, inputs: { name: `rule-${i}`, scheduleExpression: "rate(5 minutes)", tags } },
      { type: "aws:cloudwatch/eventTarget:EventTarget", name: `rule-${i}-target`, inputs: { rule: `rule-${i}`, arn: fnArn } },
      { type: "aws:dynamodb/table:Table", name: `t-${i}`, inputs: { name: `t-${i}`, billingMode: "PAY_PER_REQUEST", tags } },
      { type: "aws:iam/rolePolicy:RolePolicy", name: `p-${i}`, inputs: { policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "dynamodb:PutItem", Resource: `arn:aws:dynamodb:us-east-1:123456789012:table/t-${i}` }] }) } },
    );
  }
  return out.slice(0, n);
}

async function main(): Promise<void> {
  console.log("resources  policies ms  estimate ms  µs/resource (both)");
  for (const n of [60, 600, 3000]) {
    const stack = syntheticStack(n);
    const t0 = performance.now();
    await runPolicies(stack, { policies });
    const t1 = performance.now();
    estimateStack(stack, { region: "us-east-1" });
    const t2 = performance.now();
    console.log(`${String(n).padStart(9)}  ${(t1 - t0).toFixed(1).padStart(11)}  ${(t2 - t1).toFixed(1).padStart(11)}  ${(((t2 - t0) * 1000) / n).toFixed(0).padStart(18)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
