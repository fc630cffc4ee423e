// The live chat, newest at the bottom. Virtualized: only the rows in view are in the DOM,
// so it stays smooth at 1,000 messages a second. Scrolling up pauses it ("N new messages ↓"):
// the rows stay as they were (in their latest state) until the producer goes back down.
// Shopper text is rendered as text only.
import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { ChatEntry } from '../../../protocol/moderation';
import { pausedChat } from './paused-chat';

export const ROW_HEIGHT = 28;
const OVERSCAN = 8;

export interface ChatListProps {
  entries: ChatEntry[];
  selectedId: string | null;
  onSelect(entry: ChatEntry): void;
}

export function ChatList({ entries: live, selectedId, onSelect }: ChatListProps) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  /** The messages as they were when the producer paused; null while following the chat. */
  const [frozen, setFrozen] = useState<ChatEntry[] | null>(null);
  const paused = frozen !== null;
  const { rows: entries, fresh } = useMemo(
    () => (frozen ? pausedChat(frozen, live) : { rows: live, fresh: 0 }),
    [frozen, live],
  );

  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // Following the bottom unless paused.
  useLayoutEffect(() => {
    const element = box.current;
    if (element && !paused) element.scrollTop = element.scrollHeight;
  }, [entries, paused]);

  const total = entries.length * ROW_HEIGHT;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(entries.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);

  const onScroll = () => {
    const element = box.current!;
    setScrollTop(element.scrollTop);
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < ROW_HEIGHT;
    if (atBottom && paused) setFrozen(null);
    if (!atBottom && !paused) setFrozen(live);
  };

  return (
    <div className="chat-list-wrap">
      <div ref={box} className="mod-chat" data-testid="moderation-chat" onScroll={onScroll} role="list">
        <div style={{ height: total, position: 'relative' }}>
          {entries.slice(first, last).map((entry, offset) => (
            <div
              key={entry.id}
              role="listitem"
              className={`mod-row status-${entry.status}${entry.id === selectedId ? ' selected' : ''}`}
              style={{ top: (first + offset) * ROW_HEIGHT, height: ROW_HEIGHT }}
              data-testid="moderation-row"
              data-message-id={entry.id}
              data-status={entry.status}
              onClick={() => onSelect(entry)}
            >
              <span className="mod-name">
                {entry.fromHost
                  ? `${entry.displayName ?? 'Host'} (host)`
                  : (entry.displayName ?? entry.viewerId)}
              </span>
              <span className="mod-text">{entry.text}</span>
              {entry.status !== 'visible' && (
                <span className={`mod-badge ${entry.status}`} title={entry.reason ?? undefined}>
                  {entry.status}
                  {entry.reason ? `: ${entry.reason}` : ''}
                </span>
              )}
            </div>
          ))}
        </div>
      </div>
      {fresh > 0 && (
        <button className="mod-new" data-testid="moderation-new-messages" onClick={() => setFrozen(null)}>
          {fresh} new messages ↓
        </button>
      )}
    </div>
  );
}
