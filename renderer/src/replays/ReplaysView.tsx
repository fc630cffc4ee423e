import { EmptyState } from '../shell/EmptyState';

export function ReplaysView() {
  return (
    <EmptyState title="Replays">
      <p>
        No recorded shows yet. After a show, its recording plays here in step with the chat, orders and pins
        replayed from Kafka.
      </p>
    </EmptyState>
  );
}
