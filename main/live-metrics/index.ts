// Live metrics: the show's figures computed from its Kafka events.
export { LiveMetrics, type LiveMetricsOptions } from './live-metrics';
