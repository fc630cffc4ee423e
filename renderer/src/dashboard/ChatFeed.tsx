// The show's recent chat as shoppers see it. Messages are untrusted shopper text: React
// renders them as text. Held and hidden messages are left out: while moderation follows the
// running show, the feed is its ledger's visible messages (a message reaches it only after
// auto-moderation looked at it, so a held one never flashes by); otherwise the live
// metrics' feed, without what moderation took out.
import { useMemo } from 'react';
import { useStudioStore } from '../store';

const SHOWN = 100;

interface FeedLine {
  id: string;
  name: string;
  text: string;
}

export function ChatFeed() {
  const messages = useStudioStore((state) => state.chatFeed);
  const entries = useStudioStore((state) => state.chatEntries);
  const moderatedShow = useStudioStore((state) => state.moderation?.showId ?? null);
  const runningShow = useStudioStore((state) => state.runningShow?.showId ?? null);
  const moderated = moderatedShow !== null && moderatedShow === runningShow;
  const shown = useMemo((): FeedLine[] => {
    if (moderated) {
      const lines: FeedLine[] = [];
      for (let i = entries.length - 1; i >= 0 && lines.length < SHOWN; i--) {
        const entry = entries[i]!;
        if (entry.status !== 'visible') continue;
        const name = entry.displayName ?? entry.viewerId;
        lines.push({ id: entry.id, name: entry.fromHost ? `${name} (host)` : name, text: entry.text });
      }
      return lines;
    }
    const removed = new Set(entries.filter((entry) => entry.status !== 'visible').map((entry) => entry.id));
    return messages
      .filter((m) => !removed.has(m.id))
      .slice(-SHOWN)
      .reverse()
      .map((m) => ({ id: m.id, name: m.displayName ?? m.viewerId, text: m.text }));
  }, [moderated, entries, messages]);
  return (
    <section className="panel chat-feed" aria-label="Chat">
      <h3>Chat</h3>
      {shown.length === 0 ? (
        <p className="muted">No chat yet.</p>
      ) : (
        <ol data-testid="chat-feed">
          {shown.map((m) => (
            <li key={m.id} data-message-id={m.id}>
              <span className="chat-name">{m.name}</span> <span className="chat-text">{m.text}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
