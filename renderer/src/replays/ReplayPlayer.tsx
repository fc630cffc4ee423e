// One show's replay: the recording, the timeline under it on one time axis, the chat as it
// stood, and the dashboard's figures at the cursor (from the same aggregator as live).
import { useEffect, useRef, useState } from 'react';
import { formatCount, formatMoney } from '../dashboard/format';
import { KpiTiles } from '../dashboard/KpiTiles';
import { ProductFigureCells, ProductFiguresHeader } from '../dashboard/ProductTable';
import { useStudioStore } from '../store';
import { authorizedMediaUrl } from '../studio-client';
import { ReplayTimeline } from './ReplayTimeline';
import { cancelReplay, closeReplay, exportCsv, moveCursor, searchChat } from './replays-sync';
import { formatDuration } from './time';
import type { ReplayChatMessage } from '../../../protocol/replays';

const NO_CHAT: ReplayChatMessage[] = [];
/** How often playback moves the cursor (and asks for the figures there). */
const CURSOR_INTERVAL_MS = 100;

function LoadingStatus() {
  const status = useStudioStore((s) => s.replayStatus);
  const error = useStudioStore((s) => s.replayError);
  if (error) return <p className="reason">{error}</p>;
  if (!status || status.state === 'ready') return null;
  if (status.state === 'failed')
    return (
      <p className="reason" data-testid="replay-failed">
        Could not open the replay: {status.error}
      </p>
    );
  if (status.state === 'cancelled') return <p className="muted">Cancelled.</p>;
  const share = status.total ? status.read / status.total : 0;
  return (
    <div className="row" data-testid="replay-loading">
      <progress value={share} max={1} />
      <span className="muted">
        Reading the show&apos;s events{status.source === 'kafka' ? ' from Kafka' : ''}:{' '}
        {formatCount(status.read)} of {formatCount(status.total)}
      </span>
      <button data-testid="replay-cancel" onClick={cancelReplay}>
        Cancel
      </button>
    </div>
  );
}

function ChatLine({ message, onSeek }: { message: ReplayChatMessage; onSeek?: (ts: number) => void }) {
  const hidden = message.moderation.length > 0;
  return (
    <li
      className={hidden ? 'chat-line moderated' : 'chat-line'}
      data-testid="replay-chat-message"
      data-ts={message.ts}
    >
      <button className="link-button muted" onClick={() => onSeek?.(message.ts)}>
        {new Date(message.ts).toLocaleTimeString()}
      </button>{' '}
      <strong>{message.displayName ?? message.viewerId}</strong> {message.text}
      {message.moderation.map((d) => (
        <span key={d.id} className="moderation-badge" data-testid="chat-moderation">
          {d.action.replaceAll('_', ' ')} by {d.by}
          {d.reason ? `: ${d.reason}` : ''}
        </span>
      ))}
    </li>
  );
}

function ReplayChat({ onSeek }: { onSeek: (ts: number) => void }) {
  const moment = useStudioStore((s) => s.moment);
  const chat = moment?.chat ?? NO_CHAT;
  const matches = useStudioStore((s) => s.chatMatches);
  const [query, setQuery] = useState('');
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [chat]);
  return (
    <section className="replay-chat" aria-label="Chat">
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void searchChat(query);
        }}
      >
        <input
          data-testid="chat-search"
          placeholder="Search the chat"
          value={query}
          maxLength={200}
          onChange={(e) => setQuery(e.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      {matches ? (
        <ol className="chat-list" data-testid="chat-matches">
          {matches.length === 0 && <li className="muted">No messages match.</li>}
          {matches.map((m) => (
            <ChatLine key={m.id} message={m} onSeek={onSeek} />
          ))}
        </ol>
      ) : (
        <ol className="chat-list" ref={list} data-testid="replay-chat">
          {chat.map((m) => (
            <ChatLine key={m.id} message={m} onSeek={onSeek} />
          ))}
        </ol>
      )}
    </section>
  );
}

function Figures({ onSeek }: { onSeek: (ts: number) => void }) {
  const moment = useStudioStore((s) => s.moment);
  const timeline = useStudioStore((s) => s.timeline);
  if (!moment || !timeline) return null;
  const f = moment.figures;
  const name = (id: string) => timeline.productNames[id] ?? id;
  const money = (minor: number) => formatMoney(minor, timeline.currency);
  return (
    <section className="replay-figures" data-testid="replay-figures" data-at={moment.at}>
      <KpiTiles snapshot={f} />
      <h3>What each pin sold</h3>
      <table data-testid="replay-pins">
        <thead>
          <tr>
            <th>Pinned</th>
            <th>Product</th>
            <th>Units</th>
            <th>Revenue</th>
            <th>Orders in window</th>
          </tr>
        </thead>
        <tbody>
          {timeline.pins.map((p) => (
            <tr
              key={`${p.productId}-${p.pinnedAt}`}
              data-testid="pin-row"
              data-pinned-at={p.pinnedAt}
              onClick={() => onSeek(p.pinnedAt)}
              className="clickable"
            >
              <td>{formatDuration(p.pinnedAt - timeline.startedAt)}</td>
              <td>{p.name}</td>
              <td>{formatCount(p.productUnits)}</td>
              <td>{money(p.productRevenueMinor)}</td>
              <td>{formatCount(p.windowOrders)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>What each product sold (so far)</h3>
      <table data-testid="replay-products">
        <thead>
          <ProductFiguresHeader />
        </thead>
        <tbody>
          {f.products.map((p) => {
            const firstPin = timeline.pins.find((pin) => pin.productId === p.productId);
            return (
              <tr
                key={p.productId}
                className={firstPin ? 'clickable' : undefined}
                onClick={() => firstPin && onSeek(firstPin.pinnedAt)}
              >
                <td>{name(p.productId)}</td>
                <ProductFigureCells product={p} money={money} />
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

export function ReplayPlayer() {
  const timeline = useStudioStore((s) => s.timeline);
  const media = useStudioStore((s) => s.media);
  const showId = useStudioStore((s) => s.replayShowId);
  const video = useRef<HTMLVideoElement>(null);
  const [playingTimeline, setPlayingTimeline] = useState(false);
  /** A seek of ours in flight: its 'seeked' must not move the cursor (it may lie past the video's end). */
  const ownSeek = useRef(false);

  // Playback (and the video's own seek bar) moves the cursor.
  useEffect(() => {
    const el = video.current;
    if (!el || !media) return;
    const follow = () => moveCursor(media.startedAt + el.currentTime * 1000);
    const timer = setInterval(() => {
      if (!el.paused && !el.seeking) follow();
    }, CURSOR_INTERVAL_MS);
    const onSeeked = () => {
      if (ownSeek.current) ownSeek.current = false;
      else follow();
    };
    el.addEventListener('seeked', onSeeked);
    el.addEventListener('pause', follow);
    return () => {
      clearInterval(timer);
      el.removeEventListener('seeked', onSeeked);
      el.removeEventListener('pause', follow);
    };
  }, [media]);

  // A show without a recording still plays as a timeline.
  useEffect(() => {
    if (!playingTimeline || !timeline) return;
    const timer = setInterval(() => {
      const cursor = useStudioStore.getState().cursor ?? timeline.startedAt;
      if (cursor >= timeline.endedAt) return setPlayingTimeline(false);
      moveCursor(Math.min(timeline.endedAt, cursor + CURSOR_INTERVAL_MS));
    }, CURSOR_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [playingTimeline, timeline]);

  const seek = (ts: number) => {
    if (media && video.current) {
      ownSeek.current = true;
      const seconds = Math.max(0, (ts - media.startedAt) / 1000);
      video.current.currentTime = Number.isFinite(video.current.duration)
        ? Math.min(seconds, video.current.duration)
        : seconds;
    }
    moveCursor(ts);
  };

  return (
    <section className="replay" data-testid="replay" data-show-id={showId ?? ''}>
      <header className="row">
        <button onClick={closeReplay}>← Library</button>
        <h2>{timeline?.title ?? showId}</h2>
        {timeline && (
          <span className="muted">
            {new Date(timeline.startedAt).toLocaleString()} · {timeline.mode} · {formatCount(timeline.events)}{' '}
            events
          </span>
        )}
        {timeline && (
          <span className="row export">
            Export CSV:
            {(['orders', 'products', 'pins', 'chat'] as const).map((kind) => (
              <button key={kind} data-testid={`export-${kind}`} onClick={() => void exportCsv(kind)}>
                {kind}
              </button>
            ))}
          </span>
        )}
      </header>
      <LoadingStatus />
      {timeline && (
        <div className="replay-layout">
          <div className="replay-main">
            {media ? (
              <video
                ref={video}
                data-testid="replay-video"
                data-started-at={media.startedAt}
                src={authorizedMediaUrl(media.url)}
                controls
                preload="metadata"
              />
            ) : (
              <div className="row no-recording" data-testid="replay-no-recording">
                <span className="muted">No recording of this show: it replays as a timeline.</span>
                <button onClick={() => setPlayingTimeline(!playingTimeline)}>
                  {playingTimeline ? 'Pause' : 'Play'}
                </button>
              </div>
            )}
            <ReplayTimeline timeline={timeline} onSeek={seek} />
            <Figures onSeek={seek} />
          </div>
          <aside className="replay-side">
            <ReplayChat onSeek={seek} />
          </aside>
        </div>
      )}
    </section>
  );
}
