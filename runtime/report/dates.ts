/** UTC calendar-day arithmetic on `YYYY-MM-DD` strings (Cost Explorer's date format). */

const DAY_MS = 86_400_000;

export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function parseDay(day: string): Date {
  const d = new Date(`${day}T00:00:00.000Z`);
  if (Number.isNaN(d.getTime()) || isoDay(d) !== day) throw new Error(`not a calendar date: "${day}" (expected YYYY-MM-DD)`);
  return d;
}

export function addDays(day: string, n: number): string {
  return isoDay(new Date(parseDay(day).getTime() + n * DAY_MS));
}

export function firstOfMonth(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

export function firstOfNextMonth(day: string): string {
  const d = parseDay(firstOfMonth(day));
  d.setUTCMonth(d.getUTCMonth() + 1);
  return isoDay(d);
}

export function daysInMonth(day: string): number {
  return (parseDay(firstOfNextMonth(day)).getTime() - parseDay(firstOfMonth(day)).getTime()) / DAY_MS;
}

/** Days from `from` to `to` (exclusive end), in order. */
export function dayRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d < to; d = addDays(d, 1)) out.push(d);
  return out;
}
