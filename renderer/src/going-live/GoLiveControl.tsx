// Go live / End show, the preflight results, the state badge, viewer count and link.
// Reads the live slice; every action goes through the publisher.
import { useState } from 'react';
import { publisher } from './publisher';
import './go-live.css';
import { useStudioStore } from '../store';
import type { LivePhase } from '../store/live-slice';

const CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY'];

function badgeText(phase: LivePhase, attempt: number): string {
  switch (phase) {
    case 'live':
      return 'LIVE';
    case 'reconnecting':
      return `Reconnecting… (attempt ${attempt})`;
    case 'connecting':
      return 'Connecting…';
    case 'preflight':
      return 'Checking…';
    case 'ended':
      return 'Show ended';
    case 'failed':
      return 'Not live';
    default:
      return 'Off air';
  }
}

/** Live (or trying to be): the host ends the show rather than starting one. */
export const isOnAir = (phase: LivePhase) =>
  phase === 'live' || phase === 'reconnecting' || phase === 'connecting';

export function GoLiveControl() {
  const phase = useStudioStore((state) => state.livePhase);
  const attempt = useStudioStore((state) => state.liveAttempt);
  const reason = useStudioStore((state) => state.liveReason);
  const preflight = useStudioStore((state) => state.preflight);
  const viewerUrl = useStudioStore((state) => state.viewerUrl);
  const upcomingViewerUrl = useStudioStore((state) => state.upcomingViewerUrl);
  const viewerCount = useStudioStore((state) => state.viewerCount);
  const confirmingEnd = useStudioStore((state) => state.confirmingEnd);
  const setLive = useStudioStore((state) => state.setLive);
  const [title, setTitle] = useState('Live show');
  // The host's pick, else the studio's default (the last show's currency, else the catalog's).
  const [picked, setCurrency] = useState<string | null>(null);
  const defaultCurrency = useStudioStore((state) => state.defaultCurrency);
  const currency = picked ?? defaultCurrency;
  const onAir = isOnAir(phase);

  return (
    <section className="go-live" aria-label="Go live">
      <div className="row">
        <span className={`live-badge live-${phase}`} data-testid="live-badge" data-phase={phase}>
          {badgeText(phase, attempt)}
        </span>
        {onAir && (
          <span data-testid="viewer-count" data-count={viewerCount}>
            {viewerCount} {viewerCount === 1 ? 'viewer' : 'viewers'}
          </span>
        )}
      </div>
      {!onAir && (
        <>
          <label>
            Show title
            <input
              data-testid="show-title"
              value={title}
              maxLength={200}
              onChange={(e) => setTitle(e.target.value)}
            />
          </label>
          <label>
            Currency
            <select value={currency} onChange={(e) => setCurrency(e.target.value)}>
              {[...new Set([currency, ...CURRENCIES])].map((code) => (
                <option key={code}>{code}</option>
              ))}
            </select>
          </label>
          <button
            data-testid="go-live-button"
            disabled={phase === 'preflight'}
            onClick={() => void publisher().goLive({ title: title.trim() || 'Live show', currency })}
            title="Ctrl+Shift+L"
          >
            Go live
          </button>
        </>
      )}
      {onAir && !confirmingEnd && (
        <button
          data-testid="end-show-button"
          onClick={() => setLive({ confirmingEnd: true })}
          title="Ctrl+Shift+L"
        >
          End show
        </button>
      )}
      {onAir && confirmingEnd && (
        <div className="row" role="alertdialog" aria-label="End the show?">
          <span>End the show for everyone?</span>
          <button
            data-testid="confirm-end-button"
            onClick={() => {
              setLive({ confirmingEnd: false });
              void publisher().endLive();
            }}
          >
            End show
          </button>
          <button onClick={() => setLive({ confirmingEnd: false })}>Keep streaming</button>
        </div>
      )}
      {reason && (
        <p className="error" data-testid="live-reason">
          {reason}
        </p>
      )}
      {/* Once on air the checks are history (a late microphone is picked up by itself). */}
      {preflight.length > 0 && !onAir && (
        <ul className="preflight" data-testid="preflight">
          {preflight.map((check) => (
            <li key={check.name} data-ok={check.ok}>
              {check.ok ? '✓' : '✗'} {check.name}
              {check.reason ? `: ${check.reason}` : ''}
            </li>
          ))}
        </ul>
      )}
      {upcomingViewerUrl && !onAir && (
        <p>
          Share before you go live:{' '}
          <a data-testid="upcoming-viewer-link" href={upcomingViewerUrl} target="_blank" rel="noreferrer">
            {upcomingViewerUrl}
          </a>
        </p>
      )}
      {viewerUrl && onAir && (
        <p>
          Viewer link:{' '}
          <a data-testid="viewer-link" href={viewerUrl} target="_blank" rel="noreferrer">
            {viewerUrl}
          </a>
        </p>
      )}
    </section>
  );
}
