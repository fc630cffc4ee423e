// The producer's view: the live chat with per-message and per-shopper actions, the held
// queue, show-wide settings (slow mode, blocked words, link policy, thresholds) and the
// audit. Keys: ↑/↓ select, H hide, M mute 5 min, B ban, P pin, R release, C confirm a hold.
import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import type { AuditEntry, ChatEntry } from '../../../protocol/moderation';
import { MUTE_CHOICES_MS } from '../../../protocol/moderation';
import type { ModerationRules } from '../../../protocol/events';
import { EmptyState } from '../shell/EmptyState';
import { isTypingTarget } from '../keyboard';
import { useStudioStore } from '../store';
import { ChatList } from './ChatList';
import { exportAudit, followShow, loadAudit, moderate, reviewMessage, setModerator } from './moderation-sync';
import './moderation.css';

const nameOf = (entry: ChatEntry) => entry.displayName ?? entry.viewerId;

function useSelectedKeys(entries: ChatEntry[], selected: ChatEntry | null, select: (e: ChatEntry) => void) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      const at = selected ? entries.findIndex((e) => e.id === selected.id) : entries.length;
      const key = event.key.toLowerCase();
      if (key === 'arrowup' || key === 'arrowdown') {
        const next = entries[Math.max(0, Math.min(entries.length - 1, at + (key === 'arrowup' ? -1 : 1)))];
        if (next) select(next);
        event.preventDefault();
        return;
      }
      if (!selected) return;
      const id = selected.id;
      const actions: Record<string, () => void> = {
        h: () => void moderate({ action: 'hide', messageEventId: id }),
        m: () =>
          void moderate({
            action: 'mute',
            viewerId: selected.viewerId,
            durationMs: MUTE_CHOICES_MS.fiveMinutes,
          }),
        b: () => void moderate({ action: 'ban', viewerId: selected.viewerId }),
        p: () => void moderate({ action: 'pin', messageEventId: id }),
        r: () => void moderate({ action: 'release', messageEventId: id }),
        c: () => void moderate({ action: 'confirm', messageEventId: id }),
      };
      const action = actions[key];
      if (action) {
        event.preventDefault();
        action();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [entries, selected, select]);
}

function MessageActions({ entry }: { entry: ChatEntry }) {
  const [reply, setReply] = useState('');
  const id = entry.id;
  return (
    <div className="mod-actions" data-testid="message-actions">
      <p className="mod-selected">
        <strong>{nameOf(entry)}</strong>: <span>{entry.text}</span>
      </p>
      <p className="muted">
        {entry.status}
        {entry.reason ? ` — ${entry.reason}` : ''}
        {entry.decidedBy ? ` (by ${entry.decidedBy.name ?? entry.decidedBy.kind})` : ''}
      </p>
      <div className="mod-buttons">
        {entry.status === 'held' ? (
          <>
            <button
              data-testid="release"
              onClick={() => void moderate({ action: 'release', messageEventId: id })}
            >
              Release (R)
            </button>
            <button
              data-testid="confirm"
              onClick={() => void moderate({ action: 'confirm', messageEventId: id })}
            >
              Confirm hold (C)
            </button>
          </>
        ) : entry.status === 'hidden' ? (
          <button
            data-testid="unhide"
            onClick={() => void moderate({ action: 'release', messageEventId: id })}
          >
            Show again
          </button>
        ) : (
          <>
            <button data-testid="hide" onClick={() => void moderate({ action: 'hide', messageEventId: id })}>
              Hide (H)
            </button>
            <button data-testid="pin" onClick={() => void moderate({ action: 'pin', messageEventId: id })}>
              Pin (P)
            </button>
          </>
        )}
        <button
          data-testid="mute-5"
          onClick={() =>
            void moderate({
              action: 'mute',
              viewerId: entry.viewerId,
              durationMs: MUTE_CHOICES_MS.fiveMinutes,
            })
          }
        >
          Mute 5 min (M)
        </button>
        <button
          data-testid="mute-60"
          onClick={() =>
            void moderate({ action: 'mute', viewerId: entry.viewerId, durationMs: MUTE_CHOICES_MS.oneHour })
          }
        >
          Mute 1 h
        </button>
        <button
          data-testid="mute-show"
          onClick={() => void moderate({ action: 'mute', viewerId: entry.viewerId, durationMs: null })}
        >
          Mute for the show
        </button>
        <button data-testid="ban" onClick={() => void moderate({ action: 'ban', viewerId: entry.viewerId })}>
          Ban (B)
        </button>
      </div>
      <form
        className="mod-reply"
        onSubmit={(event) => {
          event.preventDefault();
          if (!reply.trim()) return;
          void moderate({ action: 'reply', text: reply, replyTo: id }).then(() => setReply(''));
        }}
      >
        <input
          data-testid="reply-text"
          value={reply}
          maxLength={500}
          placeholder={`Reply to ${nameOf(entry)} as the host…`}
          onChange={(event) => setReply(event.target.value)}
        />
        <button type="submit">Reply</button>
      </form>
    </div>
  );
}

function ShopperPanel({ viewerId, entries }: { viewerId: string; entries: ChatEntry[] }) {
  const standing = useStudioStore((state) => state.shoppers[viewerId]);
  const theirs = entries.filter((entry) => entry.viewerId === viewerId).slice(-50);
  // A timed mute shows its end time even once it is over; unmuting it is harmless.
  const muted = standing && (standing.mutedForShow || standing.mutedUntil !== null);
  return (
    <section className="panel" data-testid="shopper-panel" aria-label="Shopper">
      <h3>{standing?.displayName ?? viewerId}</h3>
      <p className="muted">
        {standing?.messages ?? 0} messages
        {standing?.banned ? ' · banned' : ''}
        {muted
          ? standing.mutedForShow
            ? ' · muted for the show'
            : ` · muted until ${new Date(standing.mutedUntil!).toLocaleTimeString()}`
          : ''}
      </p>
      <div className="mod-buttons">
        {muted && <button onClick={() => void moderate({ action: 'unmute', viewerId })}>Unmute</button>}
        {standing?.banned && (
          <button onClick={() => void moderate({ action: 'unban', viewerId })}>Unban</button>
        )}
      </div>
      <ol className="mod-history">
        {theirs.map((entry) => (
          <li key={entry.id} data-status={entry.status}>
            <span>{entry.text}</span> <span className="muted">({entry.status})</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Held messages listed at once; the rest wait their turn ("N more"). */
const HELD_SHOWN = 100;

function HeldQueue({ entries, onOpen }: { entries: ChatEntry[]; onOpen(entry: ChatEntry): void }) {
  const reviewing = useStudioStore((state) => state.moderation?.reviewing ?? []);
  const held = useMemo(() => entries.filter((entry) => entry.status === 'held'), [entries]);
  return (
    <section className="panel" aria-label="Held for review" data-testid="held-queue">
      <h3>Held for review ({held.length})</h3>
      {held.length === 0 && <p className="muted">Nothing is waiting.</p>}
      {/* Oldest first: new holds join the end, so what a producer is about to click stays put. */}
      <ol className="mod-held">
        {held.slice(0, HELD_SHOWN).map((entry) => {
          const others = reviewing.filter((marker) => marker.messageEventId === entry.id);
          return (
            <li key={entry.id} data-testid="held-item" data-message-id={entry.id}>
              <button className="link" onClick={() => onOpen(entry)}>
                <strong>{nameOf(entry)}</strong>: <span>{entry.text}</span>
              </button>
              <span className="mod-reason">{entry.reason}</span>
              {others.length > 0 && (
                <span className="mod-reviewing" data-testid="reviewing-marker">
                  {others.map((marker) => marker.producer.name).join(', ')} reviewing
                </span>
              )}
              <button onClick={() => void moderate({ action: 'release', messageEventId: entry.id })}>
                Release
              </button>
              <button onClick={() => void moderate({ action: 'confirm', messageEventId: entry.id })}>
                Confirm
              </button>
            </li>
          );
        })}
      </ol>
      {held.length > HELD_SHOWN && <p className="muted">and {held.length - HELD_SHOWN} more</p>}
    </section>
  );
}

function Settings() {
  const moderation = useStudioStore((state) => state.moderation);
  const [draft, setDraft] = useState<ModerationRules | null>(null);
  const [terms, setTerms] = useState<string | null>(null);
  if (!moderation) return null;
  const rules = draft ?? moderation.rules;
  const change = (patch: Partial<ModerationRules>) => setDraft({ ...rules, ...patch });
  return (
    <section className="panel" aria-label="Chat settings" data-testid="moderation-settings">
      <h3>Chat settings</h3>
      <label>
        Slow mode{' '}
        <select
          data-testid="slow-mode"
          value={moderation.slowModeSeconds}
          onChange={(event) => void moderate({ action: 'slowMode', seconds: Number(event.target.value) })}
        >
          {[0, 5, 10, 30, 60, 120].map((seconds) => (
            <option key={seconds} value={seconds}>
              {seconds === 0 ? 'off' : `1 message / ${seconds} s`}
            </option>
          ))}
        </select>
      </label>
      <label>
        Links{' '}
        <select
          value={rules.links}
          onChange={(event) => change({ links: event.target.value as ModerationRules['links'] })}
        >
          <option value="hold">hold for review</option>
          <option value="allow">allow</option>
        </select>
      </label>
      <label>
        Hold at toxicity ≥{' '}
        <input
          type="number"
          min={0.5}
          max={1}
          step={0.05}
          value={rules.toxicityHoldAt}
          onChange={(event) =>
            change({ toxicityHoldAt: Math.min(1, Math.max(0.5, Number(event.target.value) || 1)) })
          }
        />{' '}
        <span className="muted">(1 = off)</span>
      </label>
      {(['profanity', 'caps', 'repeats', 'floods'] as const).map((key) => (
        <label key={key}>
          <input
            type="checkbox"
            checked={rules[key]}
            onChange={(event) => change({ [key]: event.target.checked })}
          />{' '}
          {
            {
              profanity: 'Built-in profanity list',
              caps: 'Hold shouting',
              repeats: 'Hold repeated text',
              floods: 'Hold floods',
            }[key]
          }
        </label>
      ))}
      <label className="block">
        Blocked words and phrases (one a line)
        <textarea
          rows={4}
          value={terms ?? rules.blockedTerms.join('\n')}
          onChange={(event) => setTerms(event.target.value)}
        />
      </label>
      <button
        data-testid="save-rules"
        onClick={() => {
          const blockedTerms = (terms ?? rules.blockedTerms.join('\n'))
            .split('\n')
            .map((term) => term.trim())
            .filter(Boolean)
            .slice(0, 200);
          void moderate({ action: 'rules', rules: { ...rules, blockedTerms } }).then(() => {
            setDraft(null);
            setTerms(null);
          });
        }}
      >
        Save rules
      </button>
      <p className="muted">
        {moderation.automod.classifier
          ? `Classifier: ${moderation.automod.source}`
          : (moderation.automod.problem ?? 'Classifier not loaded')}
      </p>
    </section>
  );
}

function AuditPanel() {
  const decisions = useStudioStore((state) => state.moderation?.decisions ?? 0);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  return (
    <section className="panel" aria-label="Audit" data-testid="moderation-audit">
      <h3>Audit ({decisions} decisions)</h3>
      <div className="mod-buttons">
        <button onClick={() => void loadAudit().then((list) => list && setEntries(list))}>Show</button>
        <button data-testid="export-audit" onClick={() => void exportAudit()}>
          Export CSV
        </button>
      </div>
      {entries && (
        <table className="mod-audit">
          <thead>
            <tr>
              <th>Time</th>
              <th>Action</th>
              <th>Who</th>
              <th>Shopper</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {entries.slice(-200).map((entry) => (
              <tr key={entry.eventId}>
                <td>{new Date(entry.ts).toLocaleTimeString()}</td>
                <td>
                  {entry.action}
                  {entry.detail ? ` (${entry.detail})` : ''}
                </td>
                <td>{entry.decidedBy.name ?? entry.decidedBy.kind}</td>
                <td>{entry.targetViewerId ?? ''}</td>
                <td>{entry.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Header() {
  const moderation = useStudioStore((state) => state.moderation);
  const note = useStudioStore((state) => state.moderationNote);
  const [showId, setShowId] = useState('');
  const [name, setName] = useState<string | null>(null);
  if (!moderation) return null;
  return (
    <header className="mod-header">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void followShow(showId.trim() || null);
        }}
      >
        <input
          data-testid="follow-show-id"
          placeholder="Show id to moderate (empty: this studio's show)"
          value={showId}
          onChange={(event) => setShowId(event.target.value)}
        />
        <button type="submit">Follow</button>
      </form>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (name?.trim()) void setModerator({ name: name.trim(), kind: moderation.me.kind });
          setName(null);
        }}
      >
        <input
          aria-label="Your name"
          value={name ?? moderation.me.name}
          maxLength={80}
          onChange={(event) => setName(event.target.value)}
        />
        <select
          aria-label="Acting as"
          value={moderation.me.kind}
          onChange={(event) =>
            void setModerator({ name: moderation.me.name, kind: event.target.value as 'moderator' | 'host' })
          }
        >
          <option value="moderator">moderator</option>
          <option value="host">host</option>
        </select>
      </form>
      <span className="muted" data-testid="moderation-following" data-state={moderation.following.state}>
        {moderation.showId ?? 'no show'} · {moderation.following.state}
      </span>
      {note && (
        <span className="mod-note" role="status" data-testid="moderation-note">
          {note}
        </span>
      )}
    </header>
  );
}

export function ModerationView() {
  const moderation = useStudioStore((state) => state.moderation);
  const entries = useStudioStore((state) => state.chatEntries);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [shopper, setShopper] = useState<string | null>(null);
  const query = useDeferredValue(search.trim().toLowerCase());
  const shown = useMemo(
    () =>
      entries.filter(
        (entry) =>
          (!shopper || entry.viewerId === shopper) &&
          (!query || entry.text.toLowerCase().includes(query) || nameOf(entry).toLowerCase().includes(query)),
      ),
    [entries, query, shopper],
  );
  const selected = entries.find((entry) => entry.id === selectedId) ?? null;
  const select = (entry: ChatEntry) => {
    setSelectedId(entry.id);
    void reviewMessage(entry.status === 'held' ? entry.id : null);
  };
  useSelectedKeys(shown, selected, select);
  useEffect(() => () => void reviewMessage(null), []);

  if (!moderation?.showId) {
    return (
      <div className="moderation">
        <Header />
        <EmptyState title="Moderation">
          <p>
            No chat to moderate yet. During a show, its chat lands here; a producer on another machine enters
            the show's id above to moderate it.
          </p>
        </EmptyState>
      </div>
    );
  }
  return (
    <div className="moderation">
      <Header />
      <div className="mod-main">
        <section className="panel mod-chat-panel" aria-label="Live chat">
          <div className="mod-filters">
            <input
              data-testid="moderation-search"
              placeholder="Search messages or names"
              value={search}
              onChange={(event) => setSearch(event.target.value)}
            />
            {shopper && (
              <button data-testid="clear-shopper-filter" onClick={() => setShopper(null)}>
                Only {shopper} ✕
              </button>
            )}
            {selected && !shopper && (
              <button onClick={() => setShopper(selected.viewerId)}>Only this shopper</button>
            )}
            {moderation.pinned && (
              <span className="mod-pinned" data-testid="moderation-pinned">
                📌 <span>{moderation.pinned.text}</span>{' '}
                <button onClick={() => void moderate({ action: 'unpin' })}>Unpin</button>
              </span>
            )}
          </div>
          {/* Another filter starts a fresh list (a paused one would keep the old rows). */}
          <ChatList
            key={`${query}\n${shopper ?? ''}`}
            entries={shown}
            selectedId={selectedId}
            onSelect={select}
          />
          {selected && <MessageActions entry={selected} />}
        </section>
        <aside className="mod-side">
          <HeldQueue entries={entries} onOpen={select} />
          {selected && <ShopperPanel viewerId={selected.viewerId} entries={entries} />}
          <Settings />
          <AuditPanel />
        </aside>
      </div>
    </div>
  );
}
