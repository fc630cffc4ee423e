// The running show: its lifecycle and the studio's own events about it on Kafka.
export { newShowId, ShowSession } from './show-session';
export { StudioEventPublisher, type NewStudioEvent } from './studio-events';
