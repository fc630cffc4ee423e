// Live metrics: the show's figures computed from its Kafka events.
export { LiveMetrics, type LiveMetricsOptions } from './live-metrics';
export { ShowAggregator } from './show-aggregator';
export { parseShowEvent, DEFAULT_PARSE_LIMITS } from './show-events';
