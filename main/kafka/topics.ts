// Creates the show topics when missing. The studio owns this so a fresh cluster works
// without an operator; existing topics are left as they are (never reconfigured).
import type { Admin } from 'kafkajs';
import { SHOW_TOPICS, showTopicDefinitions, type ShowTopicSettings } from '../../protocol/events';

export { DEFAULT_TOPIC_SETTINGS, type ShowTopicSettings } from '../../protocol/events';

export const SHOW_EVENT_TOPICS = [SHOW_TOPICS.shopper, SHOW_TOPICS.studio] as const;

/** Creates the shopper, studio and dead-letter topics if they do not exist. Returns the ones created. */
export async function ensureShowTopics(
  admin: Admin,
  settings: Partial<ShowTopicSettings> = {},
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const wanted = [SHOW_TOPICS.shopper, SHOW_TOPICS.studio, SHOW_TOPICS.deadLetter].filter(
    (t) => !existing.has(t),
  );
  if (wanted.length === 0) return [];
  // Another studio may create them at the same moment; kafkajs treats "already exists" as done.
  await admin.createTopics({ waitForLeaders: true, topics: showTopicDefinitions(wanted, settings) });
  return wanted;
}
