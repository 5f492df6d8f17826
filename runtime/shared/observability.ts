/**
 * Logger and EMF metrics shared by every handler (Powertools for AWS Lambda). Metrics are
 * written as Embedded Metric Format log lines: no PutMetricData calls, no extra permissions.
 * Names come from runtime/contract.ts so the dashboard and alarms can rely on them.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRIC_NAMESPACE, METRICS, type MetricKey } from "../contract";

export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

export function createMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: METRIC_NAMESPACE, serviceName });
}

/**
 * Emits one contract metric. Dimensioned metrics are emitted as their own EMF document so
 * each carries exactly the dimensions the contract declares (and no service dimension that
 * would multiply the custom-metric count).
 */
export function emitMetric(
  metrics: Metrics,
  key: MetricKey,
  value: number,
  dimensions: Record<string, string> = {},
  /** Detail kept in the log line (queryable in Logs Insights) without becoming a dimension. */
  metadata: Record<string, string> = {},
): void {
  const def = METRICS[key];
  const unit = def.unit === "Count" ? MetricUnit.Count : MetricUnit.NoUnit;
  const single = metrics.singleMetric();
  // Powertools adds a `service` dimension by default; the contract's dimensions replace it
  // (an extra dimension would be another billed custom metric no dashboard or alarm reads).
  single.clearDefaultDimensions();
  for (const name of def.dimensions) {
    const v = dimensions[name];
    if (v === undefined) throw new Error(`metric ${def.name} needs dimension ${name}`);
    single.addDimension(name, v);
  }
  for (const [k, v] of Object.entries(metadata)) single.addMetadata(k, v);
  single.addMetric(def.name, unit, value);
  single.publishStoredMetrics();
}

/**
 * Where a capability's metrics go: EMF in Lambda, a recorder in tests. Dimensions are the
 * contract's (few and bounded); detail such as an instance type and AZ goes into metadata,
 * queryable in Logs Insights without a custom metric per value.
 */
export type MetricSink = (key: MetricKey, value: number, dimensions?: Record<string, string>, metadata?: Record<string, string>) => void;

export function emfSink(metrics: Metrics): MetricSink {
  return (key, value, dimensions = {}, metadata = {}) => emitMetric(metrics, key, value, dimensions, metadata);
}

/** The logging surface modules depend on (Powertools' Logger satisfies it; tests pass a stub). */
export interface Log {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** A Log that keeps lines in memory, for tests and tools. */
export function memoryLog(): Log & { lines: { level: string; message: string; extra: Record<string, unknown>[] }[] } {
  const lines: { level: string; message: string; extra: Record<string, unknown>[] }[] = [];
  const at = (level: string) => (message: string, ...extra: Record<string, unknown>[]) => void lines.push({ level, message, extra });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}
