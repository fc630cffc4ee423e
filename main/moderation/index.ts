// Chat moderation: the show's chat and decisions from Kafka, producers' actions, automod
// for chat that did not pass a gate, review markers, and the audit.
export { Moderation, type ModerationOptions } from './moderation';
export { auditCsv, csvCell } from './audit';
