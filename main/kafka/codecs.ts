// The studio's Kafka clients read (and write) every compression codec Kafka producers use.
import kafkajs from 'kafkajs';
import {
  registerKafkaCodecs,
  type KafkaCodecOptions,
  type KafkaCodecTable,
} from '../../protocol/kafka-codecs';

/** Registers the codecs with kafkajs (process-wide, idempotent); call before a client fetches. */
export function useKafkaCodecs(options: Partial<KafkaCodecOptions> = {}): void {
  // A default import: kafkajs's CommonJS exports do not list CompressionCodecs for ESM.
  registerKafkaCodecs(kafkajs.CompressionCodecs as unknown as KafkaCodecTable, options);
}
