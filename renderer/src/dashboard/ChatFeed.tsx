// The show's recent chat. Messages are untrusted shopper text: React renders them as text.
// Messages moderation held or hid are left out, as shoppers do not see them either.
import { useMemo } from 'react';
import { useStudioStore } from '../store';

const SHOWN = 100;

export function ChatFeed() {
  const messages = useStudioStore((state) => state.chatFeed);
  const entries = useStudioStore((state) => state.chatEntries);
  const removed = useMemo(
    () => new Set(entries.filter((entry) => entry.status !== 'visible').map((entry) => entry.id)),
    [entries],
  );
  const shown = messages
    .filter((m) => !removed.has(m.id))
    .slice(-SHOWN)
    .reverse();
  return (
    <section className="panel chat-feed" aria-label="Chat">
      <h3>Chat</h3>
      {shown.length === 0 ? (
        <p className="muted">No chat yet.</p>
      ) : (
        <ol data-testid="chat-feed">
          {shown.map((m) => (
            <li key={m.id}>
              <span className="chat-name">{m.displayName ?? m.viewerId}</span> <span>{m.text}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
