// Replays: the show library, a show's events read back from Kafka by timestamp (or from its
// local archive), and the dashboard's figures at any moment of it.
export { Replays, type ReplaysOptions } from './replays';
export { csvCell } from './replay-csv';
