// Every Kafka client in an integration test reads compressed batches as the studio does:
// the shared test broker holds batches compressed by Kafka's Java client (compressed-streams),
// which a consumer without the codecs could not read past.
import { useKafkaCodecs } from '../../main/kafka/codecs';

useKafkaCodecs();
