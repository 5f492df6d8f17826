/**
 * What pricing one resource needs to know about the others: which schedule or topic invokes a
 * function, which function writes to a log group, which launch template an Auto Scaling group
 * uses, which task definition a service runs. Built once per stack.
 */
import type { EstimatorPriceBook } from "./elasticache";
import type { ResourceToPrice } from "./estimateTypes";
import { averageCapacity, runsPerMonth } from "./schedule";
import { HOURS_PER_MONTH } from "./types";
import { ESTIMATE_TAG, parseHint, type UsageAssumptions, type UsageHint } from "./usage";

export type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);
export const num = (v: unknown): number | undefined => {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
};
export const fmt = (n: number): string =>
  Number.isInteger(n) ? n.toLocaleString("en-US") : Math.abs(n) < 1 ? String(Number(n.toPrecision(2))) : n.toLocaleString("en-US", { maximumFractionDigits: 2 });

/** Last segment of an ARN (`...:function:name`, `...:table/name`, `...:task-definition/family:3`). */
function arnName(arn: string): string {
  const parts = arn.split(":");
  if (parts.length > 6 && /^\d+$/.test(parts[parts.length - 1]!)) parts.pop(); // a revision
  return parts.pop()!.split("/").pop()!;
}

export interface Invocations {
  perMonth: number;
  basis: string;
  /** True when a schedule drives the function (the duration assumption then matters most). */
  scheduled: boolean;
}

export class PricingContext {
  readonly notes: string[] = [];
  private readonly hints = new Map<ResourceToPrice, UsageHint>();
  private readonly byType = new Map<string, ResourceToPrice[]>();
  private readonly invocationCache = new Map<ResourceToPrice, Invocations>();

  constructor(
    readonly resources: ResourceToPrice[],
    readonly region: string,
    readonly book: EstimatorPriceBook,
    readonly usage: UsageAssumptions,
  ) {
    for (const r of resources) {
      const list = this.byType.get(r.type);
      if (list) list.push(r);
      else this.byType.set(r.type, [r]);
    }
  }

  ofType(...types: string[]): ResourceToPrice[] {
    return types.flatMap((t) => this.byType.get(t) ?? []);
  }

  /** Names a resource is known by: physical name, ARN, id, logical name. */
  identities(r: ResourceToPrice): string[] {
    const s = { ...r.inputs, ...r.state };
    const ids = [str(s.name), str(s.arn), str(s.id), str(s.bucket), str(s.family), r.name].filter((v): v is string => !!v);
    if (str(s.arn)) ids.push(arnName(s.arn as string));
    return ids;
  }

  /** The physical name, as the provider would report it. */
  physicalName(r: ResourceToPrice): string {
    const s = { ...r.inputs, ...r.state };
    return str(s.name) ?? (str(s.arn) ? arnName(s.arn as string) : r.name);
  }

  /**
   * Whether `from`'s input `property` was computed from `to` (the engine's property dependencies).
   * Only consulted where the reference itself is unknown: at a first preview the ARN or id of a
   * resource being created is, and this is what still says which one it is.
   */
  dependsOn(from: ResourceToPrice, property: string, to: ResourceToPrice): boolean {
    return !!to.key && (from.dependsOn?.[property] ?? []).includes(to.key);
  }

  /** The resource of one of `types` that `ref` names; when `ref` is unknown, the one `from.property` depends on. */
  find(types: string[], ref: unknown, from?: ResourceToPrice, property?: string): ResourceToPrice | undefined {
    const key = str(ref);
    if (!key) return from && property ? this.ofType(...types).find((r) => this.dependsOn(from, property, r)) : undefined;
    const short = key.includes(":") ? arnName(key) : key;
    return this.ofType(...types).find((r) => {
      const ids = this.identities(r);
      return ids.includes(key) || ids.includes(short);
    });
  }

  /** The resource's `costguard:estimate` tag, parsed (problems become notes). */
  hint(r: ResourceToPrice): UsageHint {
    const cached = this.hints.get(r);
    if (cached) return cached;
    const tags = { ...obj(r.state?.tagsAll), ...obj(r.inputs.tagsAll), ...obj(r.inputs.tags) };
    const text = str(tags[ESTIMATE_TAG]);
    let hint: UsageHint = {};
    if (text) {
      const parsed = parseHint(text);
      hint = parsed.hint;
      for (const p of parsed.problems) this.notes.push(`${r.name}: ${ESTIMATE_TAG} tag: ${p}`);
    }
    this.hints.set(r, hint);
    return hint;
  }

  /** How often a function runs: declared, from its schedules, from its topic subscriptions, or assumed. */
  invocations(fn: ResourceToPrice): Invocations {
    const cached = this.invocationCache.get(fn);
    if (cached) return cached;
    const result = this.countInvocations(fn);
    this.invocationCache.set(fn, result);
    return result;
  }

  private countInvocations(fn: ResourceToPrice): Invocations {
    const declared = this.hint(fn).invocationsPerMonth;
    if (declared !== undefined) return { perMonth: declared, basis: `${fmt(declared)} invocations/month (declared)`, scheduled: false };
    const ids = this.identities(fn);
    let perMonth = 0;
    const parts: string[] = [];
    for (const target of this.ofType("aws:cloudwatch/eventTarget:EventTarget")) {
      if (!this.names(ids, target, "arn", target.inputs.arn, fn)) continue;
      const rule = this.find(["aws:cloudwatch/eventRule:EventRule"], target.inputs.rule, target, "rule") ?? this.ruleNamedLike(target);
      const expr = str(rule?.inputs.scheduleExpression);
      const runs = expr ? runsPerMonth(expr) : undefined;
      if (runs !== undefined) {
        perMonth += runs;
        parts.push(`${expr} = ${fmt(runs)}/month`);
      }
    }
    for (const schedule of this.ofType("aws:scheduler/schedule:Schedule")) {
      const expr = str(schedule.inputs.scheduleExpression);
      const runs = expr ? runsPerMonth(expr) : undefined;
      if (runs !== undefined && this.names(ids, schedule, "target", obj(schedule.inputs.target).arn, fn)) {
        perMonth += runs;
        parts.push(`${expr} = ${fmt(runs)}/month`);
      }
    }
    if (parts.length) return { perMonth, basis: parts.join(" + "), scheduled: true };
    const topics = this.ofType("aws:sns/topicSubscription:TopicSubscription").filter((s) => s.inputs.protocol === "lambda" && this.names(ids, s, "endpoint", s.inputs.endpoint, fn));
    if (topics.length) {
      const n = topics.length * this.usage.topicPublishesPerMonth;
      return { perMonth: n, basis: `${topics.length} SNS subscription(s) × ${fmt(this.usage.topicPublishesPerMonth)} messages/month (assumed)`, scheduled: false };
    }
    const n = this.usage.eventDrivenInvocationsPerMonth;
    return { perMonth: n, basis: `${fmt(n)} invocations/month (assumed: event-driven)`, scheduled: false };
  }

  /** Whether `from.property` (value `ref`) names the resource known by `ids` (`to`): by value, or by dependency when unknown. */
  names(ids: string[], from: ResourceToPrice, property: string, ref: unknown, to: ResourceToPrice): boolean {
    const key = str(ref);
    return key ? ids.includes(key) : this.dependsOn(from, property, to);
  }

  /**
   * The rule of a target whose `rule` input is unknown (autonamed rules at preview): the rule
   * whose logical name prefixes the target's (`<rule>-target`, as GuardFunction names them).
   */
  private ruleNamedLike(target: ResourceToPrice): ResourceToPrice | undefined {
    if (str(target.inputs.rule)) return undefined;
    const candidates = this.ofType("aws:cloudwatch/eventRule:EventRule").filter((r) => target.name.startsWith(`${r.name}-`));
    return candidates.sort((a, b) => b.name.length - a.name.length)[0];
  }

  /** Functions that write to a log group (explicit loggingConfig, or the default /aws/lambda/<name>). */
  writersOf(logGroup: ResourceToPrice): ResourceToPrice[] {
    const name = this.physicalName(logGroup);
    return this.ofType("aws:lambda/function:Function").filter((fn) => {
      const explicit = str(obj(fn.inputs.loggingConfig).logGroup);
      if (explicit) return explicit === name;
      return name === `/aws/lambda/${this.physicalName(fn)}` || this.dependsOn(fn, "loggingConfig", logGroup);
    });
  }

  /**
   * Hours/month an ECS service runs at its desired count when Application Auto Scaling
   * scheduled actions scale it (e.g. to zero outside working hours); undefined when none do.
   */
  scheduledServiceHours(service: ResourceToPrice, desired: number): { hours: number; note: string } | undefined {
    const names = [...this.identities(service), str(obj(service.state?.service).name)].filter((n): n is string => !!n);
    const actions = this.ofType("aws:appautoscaling/scheduledAction:ScheduledAction").filter((a) => {
      const id = str(a.inputs.resourceId);
      return !!id && id.startsWith("service/") && names.some((n) => id.endsWith(`/${n}`));
    });
    if (!actions.length || desired <= 0) return undefined;
    const avg = averageCapacity(
      actions.map((a) => {
        const target = obj(a.inputs.scalableTargetAction);
        return { schedule: str(a.inputs.schedule) ?? "", capacity: num(target.maxCapacity) ?? num(target.minCapacity) ?? desired };
      }),
      desired,
    );
    if (avg === undefined) {
      this.notes.push(`${service.name}: its scheduled scaling actions could not be read; priced as always on`);
      return undefined;
    }
    const hours = (HOURS_PER_MONTH * avg) / desired;
    return { hours, note: `${fmt(hours)} h (${actions.length} scheduled scaling actions)` };
  }

  /** Whether an `aws:rds/instanceDesiredState` declares the DB instance stopped. */
  databaseDeclaredStopped(identifier: string): boolean {
    return this.ofType("aws:rds/instanceDesiredState:InstanceDesiredState").some((s) => str(s.inputs.identifier) === identifier && str(s.inputs.state) === "stopped");
  }

  /**
   * Hours/month a DB instance runs when EventBridge Scheduler stops and starts it (the universal
   * targets rds:stopDBInstance / rds:startDBInstance naming it); undefined when none do.
   */
  scheduledDatabaseHours(db: ResourceToPrice, identifier: string): { hours: number; note: string } | undefined {
    const actions: { schedule: string; capacity: number }[] = [];
    for (const s of this.ofType("aws:scheduler/schedule:Schedule")) {
      const target = obj(s.inputs.target);
      const action = /^arn:[^:]+:scheduler:::aws-sdk:rds:(stop|start)DBInstance$/.exec(str(target.arn) ?? "")?.[1];
      if (!action) continue;
      let input: Obj;
      try {
        input = obj(JSON.parse(str(target.input) ?? "{}"));
      } catch {
        continue;
      }
      if ((str(input.DbInstanceIdentifier) ?? str(input.DBInstanceIdentifier)) !== identifier) continue;
      actions.push({ schedule: str(s.inputs.scheduleExpression) ?? "", capacity: action === "start" ? 1 : 0 });
    }
    if (!actions.length) return undefined;
    const avg = averageCapacity(actions, 1);
    if (avg === undefined) {
      this.notes.push(`${db.name}: its scheduled stop/start could not be read (cron() only); priced as always on`);
      return undefined;
    }
    const hours = HOURS_PER_MONTH * avg;
    return { hours, note: `${fmt(hours)} h (${actions.length} scheduled stop/start action${actions.length === 1 ? "" : "s"})` };
  }

  /** Functions that name a resource (its physical name or ARN) in their environment variables. */
  functionsUsing(r: ResourceToPrice): ResourceToPrice[] {
    const ids = new Set([str(r.state?.name), str(r.inputs.name), str(r.state?.arn)].filter((v): v is string => !!v));
    if (!ids.size) return [];
    return this.ofType("aws:lambda/function:Function").filter((fn) => {
      const values = Object.values(obj(obj(fn.inputs.environment).variables));
      return values.some((v) => typeof v === "string" && ids.has(v)) || (values.some((v) => v === undefined) && this.dependsOn(fn, "environment", r));
    });
  }

  /** Whether a Lambda event source mapping polls a queue. */
  isPolled(queue: ResourceToPrice): boolean {
    const ids = this.identities(queue);
    return this.ofType("aws:lambda/eventSourceMapping:EventSourceMapping").some((m) => this.names(ids, m, "eventSourceArn", m.inputs.eventSourceArn, queue));
  }
}
