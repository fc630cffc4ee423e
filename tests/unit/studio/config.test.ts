import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KAFKA_BROKERS, loadConfig } from '../../../main/studio/config';

function configFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'shopcast-config-')), 'config.json');
  writeFileSync(path, content);
  return path;
}

describe('studio configuration', () => {
  it('defaults to the local broker when nothing is configured', () => {
    const config = loadConfig({ SHOPCAST_CONFIG: '/nonexistent/config.json' });
    expect(config.kafka.brokers).toEqual(DEFAULT_KAFKA_BROKERS);
    expect(config.kafka.ssl).toBe(false);
    expect(config.sfu.url).toBeNull();
  });

  it('reads a cluster with TLS and SASL from the config file', () => {
    const path = configFile(
      JSON.stringify({
        kafka: {
          brokers: ['kafka-1.example:9093', 'kafka-2.example:9093'],
          ssl: true,
          sasl: { mechanism: 'scram-sha-512', username: 'studio', password: 's3cret' },
        },
      }),
    );
    const config = loadConfig({ SHOPCAST_CONFIG: path });
    expect(config.kafka.brokers).toEqual(['kafka-1.example:9093', 'kafka-2.example:9093']);
    expect(config.kafka.ssl).toBe(true);
    expect(config.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'studio', password: 's3cret' });
  });

  it('lets the environment win over the file', () => {
    const path = configFile(JSON.stringify({ kafka: { brokers: ['from-file:9092'] } }));
    const config = loadConfig({ SHOPCAST_CONFIG: path, SHOPCAST_KAFKA_BROKERS: ' a:1 , b:2 ,' });
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
  });

  it('names the file and the problem when the file is broken', () => {
    expect(() => loadConfig({ SHOPCAST_CONFIG: configFile('{ not json') })).toThrow(/is not valid JSON/);
    expect(() =>
      loadConfig({ SHOPCAST_CONFIG: configFile(JSON.stringify({ kafka: { brokers: 'x' } })) }),
    ).toThrow(/kafka\.brokers/);
    expect(() => loadConfig({ SHOPCAST_CONFIG: configFile(JSON.stringify({ kafak: {} })) })).toThrow(
      /has problems/,
    );
  });

  it('refuses an incomplete SASL setup from the environment', () => {
    expect(() =>
      loadConfig({
        SHOPCAST_CONFIG: '/nonexistent',
        SHOPCAST_KAFKA_SASL_MECHANISM: 'plain',
        SHOPCAST_KAFKA_SASL_USERNAME: 'u',
      }),
    ).toThrow(/SASL.*incomplete: password/);
  });
});
