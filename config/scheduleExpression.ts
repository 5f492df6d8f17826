/**
 * Schedule expressions checked with the rules of the services that run them, so a schedule
 * AWS would refuse fails at config validation, not half-way through `pulumi up`.
 *
 * EventBridge (scheduled rules) and Application Auto Scaling (scheduled actions) share the
 * grammar (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html):
 * - `rate(value unit)`: value a positive whole number, unit minute|hour|day, singular exactly
 *   when the value is 1 (`rate(1 hour)`, `rate(5 minutes)`; `rate(5 minute)` is refused).
 * - `cron(minutes hours day-of-month month day-of-week year)`: six fields; exactly one of
 *   day-of-month and day-of-week is `?`; per-field ranges and wildcards as below.
 * Application Auto Scaling and EventBridge Scheduler also take `at(yyyy-mm-ddThh:mm:ss)`.
 * Pure: no @pulumi imports.
 */

interface Field {
  name: string;
  min: number;
  max: number;
  /** Names allowed instead of numbers (JAN..DEC, SUN..SAT), mapped to their number. */
  names?: string[];
  /** Extra wildcards besides `, - * /`. */
  extra: string;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: Field[] = [
  { name: "minutes", min: 0, max: 59, extra: "" },
  { name: "hours", min: 0, max: 23, extra: "" },
  { name: "day-of-month", min: 1, max: 31, extra: "?LW" },
  { name: "month", min: 1, max: 12, names: MONTHS, extra: "" },
  { name: "day-of-week", min: 1, max: 7, names: DAYS, extra: "?L#" },
  { name: "year", min: 1970, max: 2199, extra: "" },
];

function valueOf(token: string, f: Field): number | undefined {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    return n >= f.min && n <= f.max ? n : undefined;
  }
  const i = f.names?.indexOf(token.toUpperCase()) ?? -1;
  return i >= 0 ? i + f.min : undefined;
}

function rangeText(f: Field): string {
  return `${f.min}-${f.max}${f.names ? ` or ${f.names[0]}-${f.names[f.names.length - 1]}` : ""}`;
}

/** Why one cron field is invalid, or undefined. */
function fieldProblem(text: string, f: Field): string | undefined {
  if (text === "?") return f.extra.includes("?") ? undefined : `its ${f.name} field cannot be "?" (only day-of-month or day-of-week can)`;
  const bad = (why: string) => `its ${f.name} field "${text}" ${why}`;
  for (const part of text.split(",")) {
    if (part === "") return bad("has an empty list item");
    if (part === "*") continue;
    // Increments: start/step, where start is a value or *.
    const inc = /^([^/]+)\/(\d+)$/.exec(part);
    if (inc) {
      if (inc[1] !== "*" && valueOf(inc[1]!, f) === undefined) return bad(`must start its increment with a value in ${rangeText(f)} or *`);
      if (Number(inc[2]) < 1) return bad("has an increment of 0");
      continue;
    }
    if (f.name === "day-of-month" && (part === "L" || part === "LW" || /^\d+W$/.test(part))) {
      if (part.endsWith("W") && part !== "LW" && valueOf(part.slice(0, -1), f) === undefined) return bad(`must name a day in ${rangeText(f)} before W`);
      continue;
    }
    if (f.name === "day-of-week") {
      if (part === "L") continue;
      const last = /^(.+)L$/.exec(part);
      if (last) {
        if (valueOf(last[1]!, f) === undefined) return bad(`must name a day of the week before L (${rangeText(f)})`);
        continue;
      }
      const nth = /^(.+)#(\d+)$/.exec(part);
      if (nth) {
        if (valueOf(nth[1]!, f) === undefined || Number(nth[2]) < 1 || Number(nth[2]) > 5) return bad("must be day#n with a day of the week and n from 1 to 5");
        continue;
      }
    }
    const range = /^([^-]+)-([^-]+)$/.exec(part);
    if (range) {
      const [a, b] = [valueOf(range[1]!, f), valueOf(range[2]!, f)];
      if (a === undefined || b === undefined) return bad(`must use values in ${rangeText(f)}`);
      continue;
    }
    if (valueOf(part, f) === undefined) {
      if (/[^0-9A-Za-z]/.test(part.replace(/[,\-*/]/g, ""))) return bad(`uses a character not allowed there (allowed: , - * /${f.extra ? ` ${f.extra.split("").join(" ")}` : ""})`);
      return bad(`must use values in ${rangeText(f)}`);
    }
  }
  return undefined;
}

/** Why a `cron(...)` body is invalid, or undefined. */
function cronProblem(body: string): string | undefined {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) return `must have six fields (minutes hours day-of-month month day-of-week year), not ${fields.length}`;
  for (let i = 0; i < 6; i++) {
    const p = fieldProblem(fields[i]!, FIELDS[i]!);
    if (p) return p;
  }
  const [dom, dow] = [fields[2], fields[4]];
  if ((dom === "?") === (dow === "?")) return `must have "?" in exactly one of day-of-month and day-of-week (got "${dom}" and "${dow}"), e.g. cron(0 9 * * ? *) or cron(0 9 ? * MON-FRI *)`;
  return undefined;
}

/** Why a `rate(...)` body is invalid, or undefined. */
function rateProblem(body: string): string | undefined {
  const m = /^(\S+) (\S+)$/.exec(body);
  if (!m) return `must be "rate(value unit)", e.g. rate(5 minutes)`;
  const [, value, unit] = m;
  if (!/^\d+$/.test(value!) || Number(value) < 1) return `must have a positive whole number as its value (got "${value}")`;
  const units = ["minute", "minutes", "hour", "hours", "day", "days"];
  if (!units.includes(unit!)) return `must have a unit of minute(s), hour(s) or day(s) (got "${unit}")`;
  const singular = !unit!.endsWith("s");
  if (Number(value) === 1 && !singular) return `must use the singular unit with 1: rate(1 ${unit!.slice(0, -1)})`;
  if (Number(value) !== 1 && singular) return `must use the plural unit with ${value}: rate(${value} ${unit}s)`;
  return undefined;
}

const EXAMPLES = 'e.g. "rate(5 minutes)", "rate(1 hour)" or "cron(0 9 * * ? *)"';

/** Why an EventBridge schedule expression is invalid (a sentence after the key), or undefined. */
export function eventBridgeScheduleProblem(expr: string): string | undefined {
  const m = /^(rate|cron)\((.*)\)$/.exec(expr);
  if (!m) return `must be an EventBridge schedule: rate(value unit) or cron(six fields), ${EXAMPLES}`;
  const why = m[1] === "rate" ? rateProblem(m[2]!) : cronProblem(m[2]!);
  return why && `is not a valid EventBridge schedule: ${m[1]}() ${why}`;
}

/**
 * Why an Application Auto Scaling (or EventBridge Scheduler) schedule is invalid, or undefined.
 * Both add at(...) to EventBridge's forms; `service` names the one the message speaks of.
 */
export function scalingScheduleProblem(expr: string, service: "Application Auto Scaling" | "EventBridge Scheduler" = "Application Auto Scaling"): string | undefined {
  const at = /^at\((.*)\)$/.exec(expr);
  if (at) {
    const t = at[1]!;
    const d = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(t);
    if (!d) return `is not a valid ${service} schedule: at() must be at(yyyy-mm-ddThh:mm:ss), e.g. at(2027-01-04T08:00:00)`;
    const date = new Date(`${t}Z`);
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== t) return `is not a valid ${service} schedule: at(${t}) is not a real date and time`;
    return undefined;
  }
  const m = /^(rate|cron)\((.*)\)$/.exec(expr);
  if (!m) return `must be an ${service} schedule: cron(six fields), rate(value unit) or at(yyyy-mm-ddThh:mm:ss), e.g. "cron(0 18 ? * MON-FRI *)"`;
  const why = m[1] === "rate" ? rateProblem(m[2]!) : cronProblem(m[2]!);
  return why && `is not a valid ${service} schedule: ${m[1]}() ${why}`;
}

/** Whether `tz` is an IANA time zone name ("Europe/Berlin", "UTC"), as the schedulers take. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
