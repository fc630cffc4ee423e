// Kafka plumbing: the one client, its health, the show topics.
export { useKafkaCodecs } from './codecs';
export { describeKafkaError, KafkaGateway } from './kafka-gateway';
export {
  DEFAULT_TOPIC_SETTINGS,
  ensureShowTopics,
  SHOW_EVENT_TOPICS,
  type ShowTopicSettings,
} from './topics';
