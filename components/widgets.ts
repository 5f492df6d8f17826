/**
 * Typed CloudWatch dashboard widgets: the dashboard body is built from these plain objects and
 * serialised once, so no hand-written JSON strings and the shape is checked by the compiler.
 * Shapes follow CloudWatch's dashboard body structure (widgets with type, x, y, width, height,
 * properties).
 */

/** Metric options as CloudWatch reads them in a widget's `metrics` array. */
export interface MetricOptions {
  label?: string;
  stat?: string;
  period?: number;
  id?: string;
  visible?: boolean;
  color?: string;
}

/** `[namespace, name, dimName, dimValue, ..., options]`, or `[{ expression, label, id }]`. */
export type MetricLine = (string | MetricOptions)[] | [{ expression: string; label: string; id: string }];

export interface HorizontalAnnotation {
  label: string;
  value: number;
  color?: string;
}

export interface MetricWidgetProperties {
  title: string;
  region: string;
  view: "timeSeries" | "singleValue";
  stacked?: boolean;
  metrics: MetricLine[];
  period: number;
  stat: string;
  annotations?: { horizontal: HorizontalAnnotation[] };
  yAxis?: { left: { min?: number; label?: string; showUnits?: boolean } };
}

export interface LogWidgetProperties {
  title: string;
  region: string;
  query: string;
  view: "table";
}

export interface TextWidgetProperties {
  markdown: string;
}

interface Placement {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type Widget =
  | ({ type: "metric"; properties: MetricWidgetProperties } & Placement)
  | ({ type: "log"; properties: LogWidgetProperties } & Placement)
  | ({ type: "text"; properties: TextWidgetProperties } & Placement);

export type UnplacedWidget = Widget extends infer W ? (W extends Widget ? Omit<W, keyof Placement> : never) : never;

export interface DashboardBody {
  start: string;
  periodOverride: "auto" | "inherit";
  widgets: Widget[];
}

/** CloudWatch dashboards are 24 columns wide. */
export const GRID_COLUMNS = 24;

/** One metric line. Dimensions in insertion order. */
export function metric(namespace: string, name: string, dimensions: Record<string, string> = {}, options: MetricOptions = {}): MetricLine {
  const line: (string | MetricOptions)[] = [namespace, name, ...Object.entries(dimensions).flat()];
  if (Object.keys(options).length) line.push(options);
  return line;
}

export function expression(id: string, expr: string, label: string): MetricLine {
  return [{ expression: expr, label, id }];
}

export function metricWidget(
  title: string,
  region: string,
  metrics: MetricLine[],
  opts: { stat?: string; period?: number; stacked?: boolean; view?: "timeSeries" | "singleValue"; annotations?: HorizontalAnnotation[]; yLabel?: string } = {},
): UnplacedWidget {
  return {
    type: "metric",
    properties: {
      title,
      region,
      view: opts.view ?? "timeSeries",
      stacked: opts.stacked ?? false,
      metrics,
      period: opts.period ?? 300,
      stat: opts.stat ?? "Average",
      ...(opts.annotations?.length ? { annotations: { horizontal: opts.annotations } } : {}),
      yAxis: { left: { min: 0, ...(opts.yLabel ? { label: opts.yLabel, showUnits: false } : {}) } },
    },
  };
}

/** A Logs Insights widget over the given log groups. */
export function logWidget(title: string, region: string, logGroupNames: string[], query: string): UnplacedWidget {
  const sources = logGroupNames.map((g) => `SOURCE '${g}'`).join(" | ");
  return { type: "log", properties: { title, region, view: "table", query: `${sources} | ${query}` } };
}

export function textWidget(markdown: string): UnplacedWidget {
  return { type: "text", properties: { markdown } };
}

/** Lays rows of widgets on the grid: each row split evenly over the 24 columns, rows stacked. */
export function grid(rows: UnplacedWidget[][], height = 6): Widget[] {
  const out: Widget[] = [];
  rows.forEach((row, r) => {
    const width = Math.floor(GRID_COLUMNS / row.length);
    row.forEach((w, i) => out.push({ ...w, x: i * width, y: r * height, width, height } as Widget));
  });
  return out;
}
