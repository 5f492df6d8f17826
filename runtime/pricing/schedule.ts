/**
 * How often an EventBridge schedule fires in a month (730 hours, 30.42 days), for pricing
 * scheduled Lambdas and the Cost Explorer calls they make.
 *
 *   rate(2 minutes)          → 21,900
 *   cron(0 9 * * ? *)        → 30.42 (daily)
 *   cron(0 7 ? * MON-FRI *)  → 21.73 (weekdays)
 *
 * cron fields: minutes hours day-of-month month day-of-week year. `L`, `W` and `#` days count
 * as one day a month. Returns undefined for text that is not a schedule expression.
 */
import { HOURS_PER_MONTH } from "./types";

const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

/** Number of values a cron field selects in [min, max]; names map to numbers. */
function countField(field: string, min: number, max: number, names: string[] = [], nameBase = min): number {
  return fieldValues(field, min, max, names, nameBase)?.size ?? NaN;
}

/** Values a cron field selects in [min, max], or undefined when it cannot be read. */
function fieldValues(field: string, min: number, max: number, names: string[] = [], nameBase = min): Set<number> | undefined {
  if (field === "*" || field === "?") return new Set(Array.from({ length: max - min + 1 }, (_, i) => min + i));
  const toNumber = (token: string): number => {
    const i = names.indexOf(token.toUpperCase());
    return i >= 0 ? i + nameBase : Number(token);
  };
  const selected = new Set<number>();
  for (const part of field.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText ? Number(stepText) : 1;
    let lo: number;
    let hi: number;
    if (range === "*") [lo, hi] = [min, max];
    else if (range!.includes("-")) {
      const [a, b] = range!.split("-");
      [lo, hi] = [toNumber(a!), toNumber(b!)];
    } else {
      lo = toNumber(range!);
      hi = stepText ? max : lo;
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !Number.isFinite(step) || step <= 0) return undefined;
    for (let v = lo; v <= hi; v += step) selected.add(v);
  }
  return selected;
}

/** Invocations per 730-hour month of an EventBridge schedule expression. */
export function runsPerMonth(expression: string): number | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const n = Number(rate[1]);
    const minutes = rate[2]!.startsWith("minute") ? n : rate[2]!.startsWith("hour") ? n * 60 : n * 1440;
    return n > 0 ? (HOURS_PER_MONTH * 60) / minutes : undefined;
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron) return undefined;
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [minutes, hours, dom, month, dow] = fields as [string, string, string, string, string];
  const perDay = countField(minutes, 0, 59) * countField(hours, 0, 23);
  let daysPerMonth: number;
  if (/[LW#]/.test(dom) || /[L#]/.test(dow)) daysPerMonth = 1;
  else if (dom === "?" || dom === "*") {
    const dows = countField(dow, 1, 7, DAY_NAMES, 1);
    daysPerMonth = (DAYS_PER_MONTH * dows) / 7;
  } else daysPerMonth = countField(dom, 1, 31) * (DAYS_PER_MONTH / 30.44);
  const monthShare = countField(month, 1, 12, MONTH_NAMES, 1) / 12;
  const runs = perDay * daysPerMonth * monthShare;
  return Number.isFinite(runs) ? runs : undefined;
}

export interface CapacityAction {
  /** cron(...) or rate(...) schedule of the action. */
  schedule: string;
  /** Capacity the action sets. */
  capacity: number;
}

/**
 * Average capacity over a week when scheduled actions change it (e.g. scale-to-zero at night):
 * simulates two weeks hour by hour (cron minute, day-of-month and month fields are ignored: the
 * hour and weekday decide) and averages the second. Undefined when a schedule cannot be read.
 */
export function averageCapacity(actions: CapacityAction[], initial: number): number | undefined {
  const fires: { hour: Set<number>; dow: Set<number>; minute: number; capacity: number }[] = [];
  for (const a of actions) {
    const cron = /^cron\((.+)\)$/.exec(a.schedule.trim());
    const fields = cron?.[1]!.trim().split(/\s+/);
    if (!fields || fields.length !== 6) return undefined;
    const hour = fieldValues(fields[1]!, 0, 23);
    const dow = fieldValues(fields[4]!, 1, 7, DAY_NAMES, 1);
    const minute = Math.min(...(fieldValues(fields[0]!, 0, 59) ?? new Set([0])));
    if (!hour || !dow) return undefined;
    fires.push({ hour, dow, minute, capacity: a.capacity });
  }
  fires.sort((a, b) => a.minute - b.minute);
  let capacity = initial;
  let sum = 0;
  for (let h = 0; h < 2 * 168; h++) {
    const dow = (Math.floor(h / 24) % 7) + 1; // 1 = Sunday, as in EventBridge cron
    for (const f of fires) if (f.dow.has(dow) && f.hour.has(h % 24)) capacity = f.capacity;
    if (h >= 168) sum += capacity;
  }
  return sum / 168;
}
