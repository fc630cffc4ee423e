// The show topics: created when missing with the configured settings (protocol/show-topics.ts,
// shared with the audience simulator). The studio owns this so a fresh cluster works without
// an operator; existing topics are left as they are (never reconfigured).
import { SHOW_TOPICS } from '../../protocol/events';

export { ensureShowTopics, resolveTopicSettings, type TopicSettingsInput } from '../../protocol/show-topics';

export const SHOW_EVENT_TOPICS = [SHOW_TOPICS.shopper, SHOW_TOPICS.studio] as const;
