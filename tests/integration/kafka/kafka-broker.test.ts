// The local broker started by the repo's own scripts is a real Kafka: kafkajs
// produces and consumes through it.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';

const brokers = process.env.SHOPCAST_KAFKA_BROKERS!.split(',');

describe('local Kafka broker', () => {
  it('round-trips a message through a real topic', async () => {
    const kafka = new Kafka({ clientId: 'broker-test', brokers, logLevel: logLevel.NOTHING });
    const topic = `it-roundtrip-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'show-1', value: JSON.stringify({ hello: 'kafka' }) }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `it-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ key: string; value: unknown }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) =>
          resolve({ key: String(message.key), value: JSON.parse(String(message.value)) }),
      });
    });
    await consumer.disconnect();
    expect(received).toEqual({ key: 'show-1', value: { hello: 'kafka' } });
  });
});
