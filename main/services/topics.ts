// Creates the show topics when missing. The studio owns this so a fresh cluster works
// without an operator; existing topics are left as they are (never reconfigured).
import type { Admin } from 'kafkajs';
import { SHOW_TOPICS } from '../../protocol/events';

export interface ShowTopicSettings {
  partitions: number;
  replicationFactor: number;
  /** Replays read old shows back, so keep events for weeks, not the broker's 7-day default. */
  retentionMs: number;
}

export const DEFAULT_TOPIC_SETTINGS: ShowTopicSettings = {
  partitions: 6,
  replicationFactor: 1,
  retentionMs: 30 * 24 * 3600_000,
};

export const SHOW_EVENT_TOPICS = [SHOW_TOPICS.shopper, SHOW_TOPICS.studio] as const;

/** Creates the shopper, studio and dead-letter topics if they do not exist. Returns the ones created. */
export async function ensureShowTopics(
  admin: Admin,
  settings: Partial<ShowTopicSettings> = {},
): Promise<string[]> {
  const s = { ...DEFAULT_TOPIC_SETTINGS, ...settings };
  const existing = new Set(await admin.listTopics());
  const wanted = [SHOW_TOPICS.shopper, SHOW_TOPICS.studio, SHOW_TOPICS.deadLetter].filter(
    (t) => !existing.has(t),
  );
  if (wanted.length === 0) return [];
  await admin.createTopics({
    waitForLeaders: true,
    topics: wanted.map((topic) => ({
      topic,
      numPartitions: s.partitions,
      replicationFactor: s.replicationFactor,
      configEntries: [
        { name: 'retention.ms', value: String(s.retentionMs) },
        // Event time drives replays (fetch offsets by timestamp), so keep producers' timestamps.
        { name: 'message.timestamp.type', value: 'CreateTime' },
      ],
    })),
  });
  return wanted;
}
