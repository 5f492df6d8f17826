/**
 * IAM actions live beside the AWS calls that need them, as Cloud Custodian's actions declare
 * their permissions: a runtime module that makes an AWS call exports the IAM action it needs (a
 * constant named …_ACTIONS or …_ACTION), and the components build their statements from those
 * constants. So a new call without its permission fails here, not in an account; and a role
 * granting something no runtime code declares fails here too.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { runProgram, type ProgramRun } from "../../tools/offline/runProgram";
import { importsOf, ROOT, sourceFiles } from "../support/sourceFiles";

/** IAM service prefix of each AWS SDK v3 package the runtime uses. */
const SERVICE: Record<string, string> = {
  "@aws-sdk/client-ec2": "ec2",
  "@aws-sdk/client-auto-scaling": "autoscaling",
  "@aws-sdk/client-ecs": "ecs",
  "@aws-sdk/client-rds": "rds",
  "@aws-sdk/client-elastic-load-balancing-v2": "elasticloadbalancing",
  "@aws-sdk/client-sns": "sns",
  "@aws-sdk/client-ssm": "ssm",
  "@aws-sdk/client-dynamodb": "dynamodb",
  "@aws-sdk/lib-dynamodb": "dynamodb",
  "@aws-sdk/client-s3": "s3",
  "@aws-sdk/client-cost-explorer": "ce",
  "@aws-sdk/client-lambda": "lambda",
  "@aws-sdk/client-pricing": "pricing",
};

/** Where the IAM action is not the operation's name. */
const IAM_NAME: Record<string, string> = {
  "dynamodb:Get": "dynamodb:GetItem",
  "dynamodb:Put": "dynamodb:PutItem",
  "dynamodb:Update": "dynamodb:UpdateItem",
  "dynamodb:Delete": "dynamodb:DeleteItem",
  "dynamodb:BatchWrite": "dynamodb:BatchWriteItem",
  "lambda:Invoke": "lambda:InvokeFunction",
};

/** The IAM actions of the AWS calls a file makes: `new XCommand(` and `paginateX(` of an SDK import. */
function callsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const actions = new Set<string>();
  for (const e of importsOf(file)) {
    const service = SERVICE[e.specifier];
    if (!service || e.typeOnly) continue;
    const named = new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*"${e.specifier}"`).exec(text)?.[1] ?? "";
    for (const raw of named.split(",")) {
      const name = raw.trim();
      if (name.startsWith("type ")) continue;
      const op = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
      if (!op) continue;
      const used = name.endsWith("Command") ? new RegExp(`new ${name}\\(`).test(text) : new RegExp(`\\b${name}\\(`).test(text);
      if (used) actions.add(IAM_NAME[`${service}:${op}`] ?? `${service}:${op}`);
    }
  }
  return [...actions].sort();
}

/** Every IAM action a module declares: its exports named …_ACTIONS or …_ACTION (strings, lists, or records of lists). */
function declaredBy(mod: Record<string, unknown>): string[] {
  const out: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach(add);
    else if (v && typeof v === "object") Object.values(v).forEach(add);
  };
  for (const [name, value] of Object.entries(mod)) if (/_ACTIONS?$/.test(name)) add(value);
  return out;
}

const runtimeModules = () => sourceFiles("runtime").filter((f) => !f.startsWith("runtime/handlers/"));

describe("IAM actions beside the AWS calls that need them", () => {
  it("every AWS call a runtime module makes is declared in that module, as the IAM action it needs", async () => {
    const missing: string[] = [];
    for (const file of runtimeModules()) {
      const calls = callsOf(file);
      if (!calls.length) continue;
      const declared = new Set(declaredBy((await import(path.join(ROOT, file))) as Record<string, unknown>));
      for (const action of calls) if (!declared.has(action)) missing.push(`${file}: ${action}`);
    }
    assert.deepEqual(missing, []);
  });

  it("the handlers make no AWS call themselves: they build clients and hand them to their capability", () => {
    assert.deepEqual(sourceFiles("runtime/handlers").filter((f) => callsOf(f).length), []);
  });

  describe("the guard functions' roles grant only what the runtime declares", () => {
    let run: ProgramRun;
    let declared: Set<string>;
    before(async () => {
      // Every capability on, in its most destructive modes: the widest roles the program can make.
      run = await runProgram({
        stack: "dev",
        config: {
          "costguard:nodeOptimizer": JSON.stringify({ clusterName: "shop", autoScalingGroups: ["eks-shop-general"] }),
          "costguard:wasteScanner": JSON.stringify({ cleanup: "apply" }),
          "costguard:enforcer": JSON.stringify({ mode: "terminate", authorizationTags: ["Owner", "Team=platform"] }),
          "costguard:environments": JSON.stringify({ qa: { maxHourlyUsd: 3, spikePercent: 5, windowMinutes: 30, response: "stop", priority: 1, dryRun: true, unstoppableSpot: "terminate" } }),
        },
      });
      declared = new Set();
      for (const file of runtimeModules()) for (const a of declaredBy((await import(path.join(ROOT, file))) as Record<string, unknown>)) declared.add(a);
    });

    it("every action of every guard function's statements (but its own logs and dead-letter queue) is declared beside a call", () => {
      const policies = run.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && String(r.parentUrn ?? "").includes("costguard:functions:GuardFunction"));
      assert.ok(policies.length >= 9, `found the guard functions' policies (${policies.length})`);
      const undeclared = new Set<string>();
      for (const p of policies) {
        const statements = (JSON.parse(p.inputs.policy as string) as { Statement: { Sid?: string; Action: string | string[] }[] }).Statement;
        for (const s of statements) {
          if (s.Sid === "OwnLogs" || s.Sid === "OwnDeadLetterQueue") continue;
          for (const a of Array.isArray(s.Action) ? s.Action : [s.Action]) if (!declared.has(a)) undeclared.add(`${p.name}: ${a}`);
        }
      }
      assert.deepEqual([...undeclared].sort(), []);
    });
  });
});
