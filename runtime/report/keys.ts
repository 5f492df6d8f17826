/** Where reports live in the report bucket (no SDK imports: the Pulumi program reads this too). */
export const REPORT_PREFIX = "reports/cost/";

export function reportKeys(date: string): { markdown: string; html: string } {
  const [y, m, d] = date.split("-");
  const base = `${REPORT_PREFIX}${y}/${m}/${d}`;
  return { markdown: `${base}.md`, html: `${base}.html` };
}
