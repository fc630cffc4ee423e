// Which failures of a dead-letter write count toward giving up: only the broker's own answers
// (a missing topic, no permission), never a broker that is down, however kafkajs wraps it.
import { describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { brokerAnswered } from '../../../main/live-metrics/dead-letters';

const {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} = kafkajs;

const refused = () => new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:29202');

describe('brokerAnswered', () => {
  it('a broker that cannot be reached did not answer, however kafkajs wraps it', () => {
    expect(brokerAnswered(refused())).toBe(false);
    // What a producer's send rejects with once kafkajs stops retrying a connection error.
    expect(brokerAnswered(new KafkaJSNonRetriableError(refused()))).toBe(false);
    expect(
      brokerAnswered(new KafkaJSNumberOfRetriesExceeded(refused(), { retryCount: 5, retryTime: 1000 })),
    ).toBe(false);
    expect(
      brokerAnswered(new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out')),
    ).toBe(false);
  });

  it('an error the broker sent back is an answer', () => {
    const missing = new KafkaJSProtocolError('This server does not host this topic-partition');
    expect(brokerAnswered(missing)).toBe(true);
    expect(brokerAnswered(new KafkaJSNonRetriableError(missing))).toBe(true);
    expect(
      brokerAnswered(new KafkaJSNumberOfRetriesExceeded(missing, { retryCount: 5, retryTime: 1000 })),
    ).toBe(true);
  });
});
