import { describe, expect, it } from 'vitest';
import {
  kafkaConnectionEnv,
  kafkaConnectionFromEnv,
  type KafkaConnection,
} from '../../../protocol/kafka-connection';

describe('Kafka connection through the environment', () => {
  it('carries brokers, TLS and SASL to a child process and back unchanged', () => {
    const connection: KafkaConnection = {
      brokers: ['a:9093', 'b:9093'],
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'host', password: 'p=ss,word' },
    };
    expect(kafkaConnectionFromEnv(kafkaConnectionEnv(connection))).toEqual(connection);
    expect(kafkaConnectionFromEnv(kafkaConnectionEnv({ brokers: ['x:1'], ssl: false }))).toEqual({
      brokers: ['x:1'],
      ssl: false,
    });
  });

  it('falls back to the given brokers and refuses incomplete SASL settings', () => {
    expect(kafkaConnectionFromEnv({}, ['127.0.0.1:19092'])).toEqual({
      brokers: ['127.0.0.1:19092'],
      ssl: false,
    });
    expect(() =>
      kafkaConnectionFromEnv({ SHOPCAST_KAFKA_SASL_MECHANISM: 'plain', SHOPCAST_KAFKA_SASL_USERNAME: 'u' }),
    ).toThrow(/incomplete: password/);
    expect(() =>
      kafkaConnectionFromEnv({
        SHOPCAST_KAFKA_SASL_MECHANISM: 'kerberos',
        SHOPCAST_KAFKA_SASL_USERNAME: 'u',
        SHOPCAST_KAFKA_SASL_PASSWORD: 'p',
      }),
    ).toThrow(/incomplete/);
  });
});
