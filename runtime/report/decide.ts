/**
 * The report's decisions, its recommendations: what a reader of the report should do, from the cost figures and, when
 * their tables exist, the waste findings, the circuit breakers and the failsafe's audit.
 * Pure: the report and the history in, a short ordered list out.
 */
import type { History } from "./inventoryHistory";
import type { DailyCostReport, Recommendation } from "./model";

const usd = (n: number) => `$${n.toFixed(2)}`;
/** At most this many waste findings are named; the rest are summed. */
const TOP_FINDINGS = 5;

export function recommend(report: DailyCostReport, history: History): Recommendation[] {
  const out: Recommendation[] = [];

  if (report.monthlyBudgetUsd !== undefined && report.forecast.usd > report.monthlyBudgetUsd) {
    out.push({
      severity: "warning",
      text: `The month is forecast at ${usd(report.forecast.usd)}, over the ${usd(report.monthlyBudgetUsd)} budget: start with the biggest services in this report.`,
    });
  }
  if (report.changeVsAvg7Percent !== undefined && report.changeVsAvg7Percent >= 50 && report.yesterdayUsd >= 1) {
    const top = report.byService[0];
    out.push({
      severity: "warning",
      text: `Yesterday cost ${report.changeVsAvg7Percent.toFixed(0)} % more than the 7-day average before it${top ? `; the biggest service was ${top.name} (${usd(top.usd)})` : ""}.`,
    });
  }

  const findings = [...(history.findings ?? [])].sort((a, b) => b.monthlyUsd - a.monthlyUsd);
  if (findings.length) {
    const total = findings.reduce((a, f) => a + f.monthlyUsd, 0);
    const byKind = new Map<string, { n: number; usd: number }>();
    for (const f of findings) {
      const k = byKind.get(f.kind) ?? { n: 0, usd: 0 };
      byKind.set(f.kind, { n: k.n + 1, usd: k.usd + f.monthlyUsd });
    }
    const kinds = [...byKind.entries()].sort((a, b) => b[1].usd - a[1].usd).map(([k, v]) => `${v.n} ${k} (${usd(v.usd)}/month)`);
    out.push({ severity: total >= 10 ? "warning" : "info", text: `Clean up waste worth ${usd(total)}/month: ${kinds.join(", ")}.` });
    for (const f of findings.slice(0, TOP_FINDINGS)) {
      out.push({ severity: "info", text: `${f.kind} ${f.resourceId}${f.environment ? ` (${f.environment})` : ""}: ${usd(f.monthlyUsd)}/month.` });
    }
  }

  const tripped = (history.breakers ?? []).filter((b) => b.state !== "closed");
  if (tripped.length) {
    const names = tripped.map((b) => `${b.instanceType}${b.availabilityZone ? ` in ${b.availabilityZone}` : ""} (${b.state})`).sort();
    out.push({
      severity: "warning",
      text: `Spot circuit breakers not closed: ${names.join(", ")}. These types run on-demand for now: diversify the fleets' instance types.`,
    });
  }

  const actions = (history.audit ?? []).filter((a) => !a.dryRun);
  if (actions.length) {
    const byEnv = new Map<string, number>();
    for (const a of actions) byEnv.set(a.environment ?? "all", (byEnv.get(a.environment ?? "all") ?? 0) + 1);
    const list = [...byEnv.entries()].sort((a, b) => b[1] - a[1]).map(([e, n]) => `${e}: ${n}`);
    out.push({
      severity: "warning",
      text: `The failsafe acted ${actions.length} time(s) in the last 7 days (${list.join(", ")}): raise the limit or find what keeps breaching it.`,
    });
  }
  const dryRuns = (history.audit ?? []).filter((a) => a.dryRun).length;
  if (dryRuns) out.push({ severity: "info", text: `The failsafe would have acted ${dryRuns} time(s) in the last 7 days (dry-run).` });

  const share = report.spot.spotShare;
  if (share !== undefined && share < 0.25 && report.spot.onDemandUsd >= 1) {
    out.push({
      severity: "info",
      text: `Only ${(share * 100).toFixed(0)} % of yesterday's compute was spot: tag Auto Scaling groups with costguard:spot-optimize=true to move on-demand capacity to spot.`,
    });
  }
  if (history.skipped) out.push({ severity: "info", text: `${history.skipped} record(s) in costguard's tables were unreadable and left out.` });
  return out;
}
