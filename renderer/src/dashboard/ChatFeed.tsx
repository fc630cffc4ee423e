// The show's recent chat. Messages are untrusted shopper text: React renders them as text.
import { useStudioStore } from '../store';

const SHOWN = 100;

export function ChatFeed() {
  const messages = useStudioStore((state) => state.chatFeed);
  const shown = messages.slice(-SHOWN).reverse();
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
