/**
 * SecurityEnforcer: the hourly check for running instances nobody authorised.
 *
 * The role holds destructive permissions only in stop or terminate mode, and then only over
 * instances IAM itself can see carry none of the authorisation tags: a bug in the function, or a
 * flag tag copied or typed by anyone, still cannot reach an authorised instance (see
 * enforcerStatements). It may not change an instance tagged costguard:protect=true in any
 * letter case (an explicit Deny), nor write any tag but its own.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { ENV, TAGS } from "../runtime/contract";
import { ENFORCE_ACTIONS } from "../runtime/enforcer/actions";
import { INVENTORY_ACTIONS } from "../runtime/enforcer/inventory";
import { parseEnforcerSettings, type EnforcerMode } from "../runtime/enforcer/settings";
import { ENFORCER_SCOPED_TIMEOUT_SECONDS } from "../runtime/enforcer/run";
import { STORE_ACTIONS } from "../runtime/enforcer/store";
import { all, arn, carrying, neverTouchProtected, onlyTagKeys, resourceTag, type AccountScope, type Conditions, type PolicyStatement } from "./iam";
import { TableGuard, type TableGuardArgs, type TableGuardSpec, type TableGuardTransform } from "./tableGuard";
import { renamedFrom } from "./transform";
import { componentScope, unitAccessStatements, type ScopeArgs } from "./unitAccess";
import { actingScope, HYGIENE_CONCURRENCY } from "./waste";

export type { EnforcerMode };

/**
 * "Carries none of the authorisation tags", as IAM can check it on the instance itself:
 * `Key` rules → the tag is absent (Null), `Key=Value` rules → the tag is not that value
 * (StringNotEquals, true when absent). The keys of one condition block are ANDed.
 */
export function unauthorizedConditions(authorizationTags: string[]): Conditions {
  const absent = new Set<string>();
  const notValues = new Map<string, string[]>();
  for (const rule of authorizationTags) {
    const i = rule.indexOf("=");
    if (i < 0) absent.add(rule);
    else notValues.set(rule.slice(0, i), [...(notValues.get(rule.slice(0, i)) ?? []), rule.slice(i + 1)]);
  }
  const out: Conditions = {};
  if (absent.size) out.Null = Object.fromEntries([...absent].map((k) => [resourceTag(k), "true"]));
  const values = [...notValues].filter(([k]) => !absent.has(k));
  if (values.length) out.StringNotEquals = Object.fromEntries(values.map(([k, v]) => [resourceTag(k), v]));
  return out;
}

/**
 * The enforcer's IAM statements: read-only in audit mode. In stop/terminate mode, the flag tag
 * `costguard:unauthorized-since` is what Stop/Terminate require; the role may write it only on
 * instances that carry none of the authorisation tags (the same rule the function applies,
 * checked by IAM on the instance's own tags), and Stop/Terminate require that too. So neither
 * a bug nor a flag tag copied onto an authorised instance can stop or terminate it: the most
 * a bug could do is act on an unauthorised instance before its grace period is over (IAM has
 * no clock to compare a tag with), which the function's own record of the flag prevents.
 */
export function enforcerStatements(tableArn: pulumi.Input<string>, mode: EnforcerMode, scope: AccountScope, authorizationTags: string[]): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    { Sid: "ReadInstances", Effect: "Allow", Action: [...INVENTORY_ACTIONS], Resource: "*" },
    // UpdateItem/GetItem: the one-run-at-a-time lease.
    { Sid: "EnforcerTable", Effect: "Allow", Action: [...STORE_ACTIONS], Resource: tableArn },
  ];
  if (mode === "audit") return statements;
  const instances = arn(scope, "ec2", "instance/*");
  const unauthorized = unauthorizedConditions(authorizationTags);
  const destroy = ENFORCE_ACTIONS[mode];
  statements.push(
    { Sid: "FlagUnauthorizedInstances", Effect: "Allow", Action: [ENFORCE_ACTIONS.tag], Resource: instances, Condition: all(onlyTagKeys(TAGS.unauthorizedSince), unauthorized) },
    // Removing the flag only ever takes a permission away.
    { Sid: "UnflagInstances", Effect: "Allow", Action: [ENFORCE_ACTIONS.untag], Resource: instances, Condition: onlyTagKeys(TAGS.unauthorizedSince) },
    { Sid: mode === "stop" ? "StopFlaggedUnauthorizedInstances" : "TerminateFlaggedUnauthorizedInstances", Effect: "Allow", Action: destroy, Resource: instances, Condition: all(carrying(TAGS.unauthorizedSince), unauthorized) },
    neverTouchProtected([ENFORCE_ACTIONS.tag, ENFORCE_ACTIONS.untag, destroy], "NeverTouchProtectedInstances"),
  );
  return statements;
}

export type SecurityEnforcerTransform = TableGuardTransform;

export interface SecurityEnforcerArgs extends TableGuardArgs, ScopeArgs {
  /** Tags that authorise a running instance: `Key=Value` or `Key`. */
  authorizationTags: string[];
  /** audit (flag only), stop or terminate after the grace period. */
  mode: EnforcerMode;
  /** Hours between flagging and acting. */
  graceHours: number;
  /** Cap on stop/terminate actions per run. */
  maxActionsPerRun: number;
}

export class SecurityEnforcer extends TableGuard {
  constructor(name: string, args: SecurityEnforcerArgs, opts?: pulumi.ComponentResourceOptions) {
    const scope = componentScope(args, aws.config.region ?? "", HYGIENE_CONCURRENCY, "the security enforcer");
    // The handler reads these with the same schema: settings it would refuse stop here, at preview.
    const settings = parseEnforcerSettings(
      { authorizationTags: args.authorizationTags, mode: args.mode, graceHours: args.graceHours, maxActionsPerRun: args.maxActionsPerRun, ...(scope ? { scope } : {}) },
      "costguard:enforcer cannot be used by the security enforcer",
    );
    const spec: TableGuardSpec = {
      // Audit records expire after 400 days; flags carry no expiry.
      names: { table: "table", function: "check" },
      tableShape: { sortKey: "S" },
      tableEnv: ENV.enforcerTable,
      handler: "securityEnforcer",
      description: `costguard: hourly enforcer for unauthorised instances (mode ${settings.mode})`,
      timeoutSeconds: scope ? ENFORCER_SCOPED_TIMEOUT_SECONDS : 120,
      settings,
      statements: (tableArn, account) => [
        ...enforcerStatements(tableArn, settings.mode, actingScope(scope, account), settings.authorizationTags),
        ...unitAccessStatements(scope, { partition: account.partition, organizationId: args.organization?.organizationId }),
      ],
    };
    // Was costguard:hygiene:SecurityEnforcer (hygiene is now waste + enforcer, as in runtime/): the alias keeps deployed stacks' resources.
    super("costguard:enforcer:SecurityEnforcer", name, args, spec, renamedFrom("costguard:hygiene:SecurityEnforcer", opts));
  }
}
