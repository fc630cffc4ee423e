// Kafka plumbing: the one client, its health, the show topics.
export { useKafkaCodecs } from './codecs';
export { describeKafkaError, FAILOVER_CLIENT_SETTINGS, KafkaGateway } from './kafka-gateway';
export { describeElection, leaderlessFor, showPartition, type ClusterHealth } from './cluster-health';
export { ensureShowTopics, resolveTopicSettings, SHOW_EVENT_TOPICS, type TopicSettingsInput } from './topics';
