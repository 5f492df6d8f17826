/**
 * The report as Markdown and as one self-contained HTML page: inline CSS, an inline SVG bar
 * chart of the last 30 days, no scripts and no external assets (it opens from S3, a mail
 * attachment or a laptop alike).
 */
import type { Amount, DailyCostReport } from "./model";

export const usd = (n: number) => `${n < 0 ? "-" : ""}$${Math.abs(n).toFixed(2)}`;
const pct = (n: number) => `${n >= 0 ? "+" : ""}${n.toFixed(1)} %`;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
function escapeMd(s: string): string {
  return s.replace(/([|\\*_`[\]<>])/g, "\\$1");
}

/** The key figures, in display order (shared by both renderings and the alert summary). */
export function keyFigures(r: DailyCostReport): [string, string][] {
  const rows: [string, string][] = [
    ["Yesterday", usd(r.yesterdayUsd) + (r.changeVsAvg7Percent !== undefined ? ` (${pct(r.changeVsAvg7Percent)} vs the 7 days before)` : "")],
    ["7-day average", usd(r.avg7Usd)],
    ["30-day average", usd(r.avg30Usd)],
    ["Month to date", usd(r.monthToDateUsd)],
    ["Month forecast", `${usd(r.forecast.usd)} (${r.forecast.method === "cost-explorer" ? "Cost Explorer forecast" : "projected from the 7-day average"})` + (r.monthlyBudgetUsd !== undefined ? ` of a ${usd(r.monthlyBudgetUsd)} budget` : "")],
    ["Spot savings yesterday", usd(r.spot.savingsUsd)],
    ["Spot savings, 30 days", usd(r.spot30DaysSavingsUsd)],
  ];
  return rows;
}

function mdTable(head: string[], rows: string[][]): string {
  return [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

function amountsMd(list: Amount[], total: number): string {
  if (!list.length) return "_No cost._";
  return mdTable(["", "cost", "share"], list.map((a) => [escapeMd(a.name), usd(a.usd), total > 0 ? `${((a.usd / total) * 100).toFixed(1)} %` : "–"]));
}

export function renderMarkdown(r: DailyCostReport): string {
  const out: string[] = [];
  out.push(`# costguard daily cost report: ${r.stack}, ${r.date}`, "");
  if (r.yesterdayUsd === 0 && r.monthToDateUsd === 0) out.push("_No cost recorded for this day or month so far: nothing to report (a new or idle account, or Cost Explorer has not caught up yet)._", "");
  out.push(mdTable(["figure", "value"], keyFigures(r).map(([k, v]) => [k, v])), "");
  out.push("## By service (yesterday)", "", amountsMd(r.byService, r.yesterdayUsd), "");
  out.push("## By environment (yesterday)", "", r.byEnvironment ? amountsMd(r.byEnvironment, r.yesterdayUsd) : "_Not fetched (see notes)._", "");
  if (r.accountsRequested) {
    out.push("## By account (yesterday)", "", r.byAccount ? amountsMd(r.byAccount, r.yesterdayUsd) : "_Not fetched (see notes)._", "");
    out.push("## By region (yesterday)", "", r.byRegion ? amountsMd(r.byRegion, r.yesterdayUsd) : "_Not fetched (see notes)._", "");
  }
  out.push("## Spot vs on-demand (yesterday)", "");
  out.push(
    mdTable(
      ["", "value"],
      [
        ["Spot compute", usd(r.spot.spotUsd)],
        ["On-demand compute", usd(r.spot.onDemandUsd)],
        ["Spot share", r.spot.spotShare !== undefined ? `${(r.spot.spotShare * 100).toFixed(1)} %` : "–"],
        ["Spot instance hours", r.spot.spotHours.toFixed(1)],
        ["Saved by spot", usd(r.spot.savingsUsd)],
      ],
    ),
    "",
  );
  if (r.spot.byType.length) {
    out.push(mdTable(["instance type", "hours", "paid", "on-demand price", "saved"], r.spot.byType.map((t) => [`${t.instanceType} (${t.region})`, t.hours.toFixed(1), usd(t.paidUsd), usd(t.onDemandUsd), usd(t.savingsUsd)])), "");
  }
  out.push("Savings = on-demand list price of the spot instance hours − what was paid for them (Linux list prices; the method and its limits: docs/cost-report.md#spot-savings in costguard's repository).", "");
  out.push("## Last 30 days", "", mdTable(["day", "cost"], r.days.map((d) => [d.date, usd(d.usd)])), "");
  out.push("## Recommendations", "");
  if (r.recommendations.length) for (const rec of r.recommendations) out.push(`- ${rec.severity === "warning" ? "**Warning:** " : ""}${escapeMd(rec.text)}`);
  else out.push("- Nothing to do: no waste, no tripped breaker, no failsafe action.");
  out.push("");
  if (r.notes.length) out.push("## Notes", "", ...r.notes.map((n) => `- ${escapeMd(n)}`), "");
  out.push(`_Generated ${r.generatedAt} with ${r.requestsUsed} of ${r.maxRequests} allowed Cost Explorer request(s)._`, "");
  return out.join("\n");
}

/** Inline SVG bar chart of daily cost, with a y axis, gridlines and a 7-day average line. */
export function renderChart(days: { date: string; usd: number }[], avg7Usd: number): string {
  const width = 720;
  const height = 240;
  const left = 56;
  const bottom = 28;
  const top = 12;
  const plotW = width - left - 8;
  const plotH = height - top - bottom;
  const max = Math.max(...days.map((d) => d.usd), avg7Usd, 0);
  const step = niceStep(max / 4);
  const yMax = max > 0 ? Math.ceil(max / step) * step : 1;
  const y = (v: number) => top + plotH - (Math.max(v, 0) / yMax) * plotH;
  const slot = plotW / Math.max(days.length, 1);
  const parts: string[] = [];
  parts.push(`<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Daily cost, last ${days.length} days">`);
  for (let v = 0; v <= yMax + 1e-9; v += max > 0 ? step : 1) {
    parts.push(`<line class="grid" x1="${left}" x2="${width - 8}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`);
    parts.push(`<text class="axis" x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(usd(v))}</text>`);
  }
  days.forEach((d, i) => {
    const h = top + plotH - y(d.usd);
    const x = left + i * slot + slot * 0.15;
    parts.push(`<rect class="bar" x="${x.toFixed(1)}" y="${y(d.usd).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}"><title>${d.date}: ${usd(d.usd)}</title></rect>`);
    if (i % 5 === 0 || i === days.length - 1) {
      parts.push(`<text class="axis" x="${(left + i * slot + slot / 2).toFixed(1)}" y="${height - 10}" text-anchor="middle">${d.date.slice(5)}</text>`);
    }
  });
  if (max > 0) parts.push(`<line class="avg" x1="${left}" x2="${width - 8}" y1="${y(avg7Usd).toFixed(1)}" y2="${y(avg7Usd).toFixed(1)}"><title>7-day average ${usd(avg7Usd)}</title></line>`);
  parts.push("</svg>");
  return parts.join("");
}

function niceStep(raw: number): number {
  if (raw <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
}

function amountsHtml(list: Amount[] | undefined, total: number, missing: string): string {
  if (!list) return `<p class="muted">${escapeHtml(missing)}</p>`;
  if (!list.length) return `<p class="muted">No cost.</p>`;
  const rows = list
    .map((a) => {
      const share = total > 0 ? (a.usd / total) * 100 : 0;
      return `<tr><td>${escapeHtml(a.name)}</td><td class="num">${usd(a.usd)}</td><td class="num">${total > 0 ? share.toFixed(1) + " %" : "–"}</td><td class="meter"><span style="width:${Math.max(0, Math.min(100, share)).toFixed(1)}%"></span></td></tr>`;
    })
    .join("");
  return `<table><thead><tr><th></th><th class="num">cost</th><th class="num">share</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

const CSS = `
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1d2733;background:#f5f7fa;margin:0;padding:24px}
main{max-width:760px;margin:0 auto;background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:24px 28px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid #e4e9ef;padding-bottom:4px}
.muted{color:#6b7785}.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin:16px 0}
.card{border:1px solid #e4e9ef;border-radius:6px;padding:10px}.card b{display:block;font-size:18px}.card span{color:#6b7785;font-size:12px}
table{border-collapse:collapse;width:100%}td,th{padding:4px 6px;border-bottom:1px solid #eef1f5;text-align:left}.num{text-align:right;font-variant-numeric:tabular-nums}
.meter{width:30%}.meter span{display:block;height:8px;background:#4a7bd0;border-radius:4px}
svg .bar{fill:#4a7bd0}svg .grid{stroke:#e4e9ef}svg .avg{stroke:#d9822b;stroke-width:2;stroke-dasharray:6 4}svg .axis{font-size:11px;fill:#6b7785}
li.warning{color:#9c2f00}ul{padding-left:20px}footer{margin-top:24px;font-size:12px;color:#6b7785}`;

export function renderHtml(r: DailyCostReport): string {
  const figures = keyFigures(r);
  const cards = [
    ["Yesterday", usd(r.yesterdayUsd)],
    ["Month to date", usd(r.monthToDateUsd)],
    ["Month forecast", usd(r.forecast.usd)],
    ["Saved by spot", usd(r.spot.savingsUsd)],
  ]
    .map(([k, v]) => `<div class="card"><b>${escapeHtml(v!)}</b><span>${escapeHtml(k!)}</span></div>`)
    .join("");
  const empty = r.yesterdayUsd === 0 && r.monthToDateUsd === 0;
  const recs = r.recommendations.length
    ? r.recommendations.map((x) => `<li class="${x.severity}">${escapeHtml(x.text)}</li>`).join("")
    : "<li>Nothing to do: no waste, no tripped breaker, no failsafe action.</li>";
  const spotRows: [string, string][] = [
    ["Spot compute", usd(r.spot.spotUsd)],
    ["On-demand compute", usd(r.spot.onDemandUsd)],
    ["Spot share", r.spot.spotShare !== undefined ? `${(r.spot.spotShare * 100).toFixed(1)} %` : "–"],
    ["Spot instance hours", r.spot.spotHours.toFixed(1)],
    ["Saved by spot", usd(r.spot.savingsUsd)],
  ];
  const byType = r.spot.byType.length
    ? `<table><thead><tr><th>instance type</th><th class="num">hours</th><th class="num">paid</th><th class="num">on-demand price</th><th class="num">saved</th></tr></thead><tbody>${r.spot.byType
        .map((t) => `<tr><td>${escapeHtml(`${t.instanceType} (${t.region})`)}</td><td class="num">${t.hours.toFixed(1)}</td><td class="num">${usd(t.paidUsd)}</td><td class="num">${usd(t.onDemandUsd)}</td><td class="num">${usd(t.savingsUsd)}</td></tr>`)
        .join("")}</tbody></table>`
    : "";
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>costguard cost report ${escapeHtml(r.stack)} ${r.date}</title><style>${CSS}</style></head>
<body><main>
<h1>Daily cost report: ${escapeHtml(r.stack)}</h1><div class="muted">${r.date} (UTC)</div>
${empty ? `<p class="muted" id="empty">No cost recorded for this day or month so far: nothing to report (a new or idle account, or Cost Explorer has not caught up yet).</p>` : ""}
<div class="cards">${cards}</div>
<h2>Last 30 days</h2>
<figure id="chart">${renderChart(r.days, r.avg7Usd)}<figcaption class="muted">Daily cost (bars) and the 7-day average (dashed line).</figcaption></figure>
<h2>Key figures</h2>
<table id="figures">${figures.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="num">${escapeHtml(v)}</td></tr>`).join("")}</table>
<h2>By service (yesterday)</h2>${amountsHtml(r.byService, r.yesterdayUsd, "")}
<h2>By environment (yesterday)</h2>${amountsHtml(r.byEnvironment, r.yesterdayUsd, "Not fetched (see notes).")}${
  r.accountsRequested
    ? `\n<h2>By account (yesterday)</h2>${amountsHtml(r.byAccount, r.yesterdayUsd, "Not fetched (see notes).")}\n<h2>By region (yesterday)</h2>${amountsHtml(r.byRegion, r.yesterdayUsd, "Not fetched (see notes).")}`
    : ""
}
<h2>Spot vs on-demand (yesterday)</h2>
<table>${spotRows.map(([k, v]) => `<tr><td>${k}</td><td class="num">${v}</td></tr>`).join("")}</table>${byType}
<p class="muted">Savings = on-demand list price of the spot instance hours − what was paid for them (Linux list prices).</p>
<h2>Recommendations</h2><ul id="recommendations">${recs}</ul>
${r.notes.length ? `<h2>Notes</h2><ul>${r.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>` : ""}
<footer>Generated ${escapeHtml(r.generatedAt)} by costguard with ${r.requestsUsed} of ${r.maxRequests} allowed Cost Explorer request(s).</footer>
</main></body></html>
`;
}
