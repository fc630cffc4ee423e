import { EmptyState } from '../shell/EmptyState';

export function ModerationView() {
  return (
    <EmptyState title="Moderation">
      <p>
        No chat to moderate yet. During a show, incoming chat lands here so a producer can hide messages and
        mute or ban shoppers.
      </p>
    </EmptyState>
  );
}
