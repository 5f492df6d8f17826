/**
 * The spot functions' metric sink. Dimensions are the contract's (few and bounded); detail such
 * as the instance type and AZ goes into EMF metadata, queryable in CloudWatch Logs Insights
 * ("interruptions by type/AZ") without a custom metric per type.
 */
import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { MetricKey } from "../contract";
import { emitMetric } from "../shared/observability";

export type MetricSink = (key: MetricKey, value: number, dimensions?: Record<string, string>, metadata?: Record<string, string>) => void;

export function emfSink(metrics: Metrics): MetricSink {
  return (key, value, dimensions = {}, metadata = {}) => emitMetric(metrics, key, value, dimensions, metadata);
}
