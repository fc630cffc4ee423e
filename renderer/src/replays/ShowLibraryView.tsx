// The show library: every show in Kafka's retention and archived here, searchable and sortable.
import { useEffect, useMemo, useState } from 'react';
import type { ShowLibraryEntry } from '../../../protocol/replays';
import { formatCount, formatMoney } from '../dashboard/format';
import { useStudioStore } from '../store';
import { deleteRecording, loadLibrary, openReplay } from './replays-sync';
import { formatDuration, formatSize } from './time';

type SortKey = 'date' | 'title' | 'duration' | 'revenue' | 'orders';
const duration = (s: ShowLibraryEntry) => (s.endedAt === null ? -1 : s.endedAt - s.startedAt);
const SORTS: Record<SortKey, (a: ShowLibraryEntry, b: ShowLibraryEntry) => number> = {
  date: (a, b) => b.startedAt - a.startedAt,
  title: (a, b) => a.title.localeCompare(b.title),
  duration: (a, b) => duration(b) - duration(a),
  revenue: (a, b) => (b.grossRevenueMinor ?? -1) - (a.grossRevenueMinor ?? -1),
  orders: (a, b) => (b.orders ?? -1) - (a.orders ?? -1),
};

function RecordingCell({ show }: { show: ShowLibraryEntry }) {
  if (show.recording === 'none') return <span className="muted">none</span>;
  const size = show.recordingBytes === null ? '' : ` (${formatSize(show.recordingBytes)})`;
  if (show.recording === 'platform') return <span>on the platform{size}</span>;
  return (
    <span>
      here{size}{' '}
      <button
        className="link-button"
        title="Delete this recording from this computer"
        onClick={() => void deleteRecording(show.showId)}
      >
        Delete
      </button>
    </span>
  );
}

export function ShowLibraryView() {
  const library = useStudioStore((s) => s.library);
  const loading = useStudioStore((s) => s.libraryLoading);
  const problem = useStudioStore((s) => s.libraryProblem);
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<SortKey>('date');
  useEffect(() => void loadLibrary(), []);
  const shows = useMemo(() => {
    const needle = query.trim().toLowerCase();
    return library
      .filter(
        (s) => !needle || s.title.toLowerCase().includes(needle) || s.showId.toLowerCase().includes(needle),
      )
      .sort(SORTS[sort]);
  }, [library, query, sort]);

  return (
    <section className="show-library" data-testid="show-library">
      <header className="row">
        <h2>Replays</h2>
        <input
          data-testid="library-search"
          placeholder="Search shows"
          value={query}
          maxLength={200}
          onChange={(e) => setQuery(e.target.value)}
        />
        <label>
          Sort by{' '}
          <select
            data-testid="library-sort"
            value={sort}
            onChange={(e) => setSort(e.target.value as SortKey)}
          >
            <option value="date">date</option>
            <option value="title">title</option>
            <option value="duration">duration</option>
            <option value="orders">orders</option>
            <option value="revenue">revenue</option>
          </select>
        </label>
        <button onClick={() => void loadLibrary()} disabled={loading}>
          {loading ? 'Loading…' : 'Refresh'}
        </button>
      </header>
      {problem && <p className="reason">{problem}</p>}
      {shows.length === 0 ? (
        <p className="muted" data-testid="library-empty">
          {loading
            ? 'Looking for shows…'
            : 'No shows yet. After a show, it can be replayed here in step with its chat, orders and pins.'}
        </p>
      ) : (
        <table className="library-table">
          <thead>
            <tr>
              <th>Show</th>
              <th>Date</th>
              <th>Duration</th>
              <th>Mode</th>
              <th>Orders</th>
              <th>Revenue</th>
              <th>Recording</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shows.map((show) => (
              <tr
                key={show.showId}
                data-testid="library-row"
                data-show-id={show.showId}
                data-recording={show.recording}
              >
                <td>{show.title}</td>
                <td>{new Date(show.startedAt).toLocaleString()}</td>
                <td>{show.endedAt === null ? 'not ended' : formatDuration(show.endedAt - show.startedAt)}</td>
                <td>{show.mode}</td>
                <td>{show.orders === null ? '—' : formatCount(show.orders)}</td>
                <td>
                  {show.grossRevenueMinor === null ? '—' : formatMoney(show.grossRevenueMinor, show.currency)}
                </td>
                <td>
                  <RecordingCell show={show} />
                </td>
                <td>
                  <button data-testid="open-replay" onClick={() => void openReplay(show.showId)}>
                    Replay
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
