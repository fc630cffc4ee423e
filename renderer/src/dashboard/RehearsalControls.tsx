// Start a rehearsal; stop its simulated shoppers; end the running show.
import { useState } from 'react';
import { endShow, startRehearsal, stopSimulatedShoppers } from './metrics-sync';
import { useStudioStore } from '../store';
import { formatCount } from './format';

export function StartRehearsalForm() {
  const [rate, setRate] = useState(50);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="row rehearsal-form"
      onSubmit={(event) => {
        event.preventDefault();
        setBusy(true);
        void startRehearsal({ rate }).finally(() => setBusy(false));
      }}
    >
      <label>
        Simulated shopper events per second{' '}
        <input
          type="number"
          min={1}
          max={50000}
          value={rate}
          onChange={(e) => setRate(Math.max(1, Math.min(50_000, Number(e.target.value) || 1)))}
        />
      </label>
      <button type="submit" className="primary" disabled={busy}>
        Start rehearsal
      </button>
    </form>
  );
}

export function ShowControls() {
  const show = useStudioStore((state) => state.runningShow);
  const rehearsal = useStudioStore((state) => state.rehearsal);
  if (!show) return null;
  const shoppersRunning = rehearsal?.state === 'running' && rehearsal.showId === show.showId;
  return (
    <div className="row show-controls">
      {shoppersRunning && (
        <>
          <span className="muted" data-testid="rehearsal-rate">
            {formatCount(rehearsal.eventsPerSecond)} simulated events/s ({formatCount(rehearsal.sent)} sent)
          </span>
          <button type="button" onClick={() => void stopSimulatedShoppers()}>
            Stop simulated shoppers
          </button>
        </>
      )}
      {rehearsal?.state === 'failed' && rehearsal.showId === show.showId && (
        <span className="reason" role="alert" data-testid="rehearsal-error">
          {rehearsal.error}
        </span>
      )}
      {show.mode === 'rehearsal' && (
        <button type="button" onClick={() => void endShow()}>
          End rehearsal
        </button>
      )}
    </div>
  );
}
