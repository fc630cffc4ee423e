// The live chat, newest at the bottom. Virtualized: only the rows in view are in the DOM,
// so it stays smooth at 1,000 messages a second. Scrolling up pauses it ("N new messages ↓").
// Shopper text is rendered as text only.
import { useLayoutEffect, useRef, useState } from 'react';
import type { ChatEntry } from '../../../protocol/moderation';

export const ROW_HEIGHT = 28;
const OVERSCAN = 8;

export interface ChatListProps {
  entries: ChatEntry[];
  selectedId: string | null;
  onSelect(entry: ChatEntry): void;
}

export function ChatList({ entries, selectedId, onSelect }: ChatListProps) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const [paused, setPaused] = useState(false);
  /** How many messages there were when the producer paused. */
  const [seenCount, setSeenCount] = useState(0);

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
  const fresh = paused ? Math.max(0, entries.length - seenCount) : 0;

  const onScroll = () => {
    const element = box.current!;
    setScrollTop(element.scrollTop);
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < ROW_HEIGHT;
    if (atBottom && paused) setPaused(false);
    if (!atBottom && !paused) {
      setPaused(true);
      setSeenCount(entries.length);
    }
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
        <button
          className="mod-new"
          data-testid="moderation-new-messages"
          onClick={() => {
            setPaused(false);
            box.current!.scrollTop = box.current!.scrollHeight;
          }}
        >
          {fresh} new messages ↓
        </button>
      )}
    </div>
  );
}
