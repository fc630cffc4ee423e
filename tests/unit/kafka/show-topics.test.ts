import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../main/studio/config';
import { showTopicDefinitions } from '../../../protocol/events';
import { resolveTopicSettings, topicSettingsEnv, topicSettingsFromEnv } from '../../../protocol/show-topics';

describe('show topic settings', () => {
  it('default to RF min(3, brokers), min ISR 2 with three copies, 6 partitions, 30 days', () => {
    expect(resolveTopicSettings({}, 1)).toEqual({
      partitions: 6,
      replicationFactor: 1,
      minInsyncReplicas: 1,
      retentionMs: 30 * 24 * 3600_000,
    });
    expect(resolveTopicSettings({}, 2)).toMatchObject({ replicationFactor: 2, minInsyncReplicas: 1 });
    expect(resolveTopicSettings({}, 3)).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(resolveTopicSettings({}, 7)).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  it('take what the user set, and refuse what no cluster could honour', () => {
    expect(
      resolveTopicSettings(
        { partitions: 12, replicationFactor: 2, minInsyncReplicas: 2, retentionHours: 48 },
        3,
      ),
    ).toEqual({ partitions: 12, replicationFactor: 2, minInsyncReplicas: 2, retentionMs: 48 * 3600_000 });
    expect(() => resolveTopicSettings({ replicationFactor: 3 }, 2)).toThrow(
      'Topic replication factor 3 needs 3 brokers; the cluster has 2 up.',
    );
    expect(() => resolveTopicSettings({ replicationFactor: 2, minInsyncReplicas: 3 }, 3)).toThrow(
      'min.insync.replicas 3 is more than the replication factor 2',
    );
  });

  it('reach the topic definitions', () => {
    const [definition] = showTopicDefinitions(['t'], resolveTopicSettings({ retentionHours: 2 }, 3));
    expect(definition).toEqual({
      topic: 't',
      numPartitions: 6,
      replicationFactor: 3,
      configEntries: [
        { name: 'retention.ms', value: String(2 * 3600_000) },
        { name: 'min.insync.replicas', value: '2' },
        { name: 'message.timestamp.type', value: 'CreateTime' },
      ],
    });
  });

  it('are read from the environment with clear errors, and handed on unchanged', () => {
    const env = {
      SHOPCAST_TOPIC_PARTITIONS: '12',
      SHOPCAST_TOPIC_REPLICATION_FACTOR: '3',
      SHOPCAST_TOPIC_MIN_INSYNC_REPLICAS: '2',
      SHOPCAST_TOPIC_RETENTION_HOURS: '72',
    };
    const settings = topicSettingsFromEnv(env);
    expect(settings).toEqual({
      partitions: 12,
      replicationFactor: 3,
      minInsyncReplicas: 2,
      retentionHours: 72,
    });
    expect(topicSettingsFromEnv(topicSettingsEnv(settings))).toEqual(settings);
    expect(topicSettingsFromEnv({})).toEqual({});
    expect(() => topicSettingsFromEnv({ SHOPCAST_TOPIC_PARTITIONS: 'six' })).toThrow(
      'SHOPCAST_TOPIC_PARTITIONS must be a whole number from 1 to 1000, got "six".',
    );
    expect(() => topicSettingsFromEnv({ SHOPCAST_TOPIC_REPLICATION_FACTOR: '0' })).toThrow(
      /REPLICATION_FACTOR/,
    );
  });

  it('reach the studio config from the environment over the config file', () => {
    const config = loadConfig({
      SHOPCAST_CONFIG: '/nonexistent/config.json',
      SHOPCAST_TOPIC_PARTITIONS: '9',
      SHOPCAST_TOPIC_RETENTION_HOURS: '24',
    });
    expect(config.kafka.topics).toEqual({ partitions: 9, retentionHours: 24 });
  });
});
