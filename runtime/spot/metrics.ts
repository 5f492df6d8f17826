/**
 * The spot functions' metric sink. Dimensions are the contract's (few and bounded); detail such
 * as the instance type and AZ goes into EMF metadata, queryable in CloudWatch Logs Insights
 * ("interruptions by type/AZ") without a custom metric per type.
 */
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRICS, type MetricKey } from "../contract";

export type MetricSink = (key: MetricKey, value: number, dimensions?: Record<string, string>, metadata?: Record<string, string>) => void;

export function emfSink(metrics: Metrics): MetricSink {
  return (key, value, dimensions = {}, metadata = {}) => {
    const def = METRICS[key];
    const single = metrics.singleMetric();
    // Powertools adds a service dimension by default: clear it so only the contract's dimensions remain.
    single.clearDefaultDimensions();
    for (const name of def.dimensions) {
      const v = dimensions[name];
      if (v === undefined) throw new Error(`metric ${def.name} needs dimension ${name}`);
      single.addDimension(name, v);
    }
    for (const [k, v] of Object.entries(metadata)) single.addMetadata(k, v);
    single.addMetric(def.name, def.unit === "Count" ? MetricUnit.Count : MetricUnit.NoUnit, value);
    single.publishStoredMetrics();
  };
}
