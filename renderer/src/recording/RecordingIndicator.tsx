// What the host needs to know about the recording while live: recording or not, its size,
// disk space warnings, and why it stopped.
import { useStudioStore } from '../store';

const formatSize = (bytes: number) =>
  bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;

export function RecordingIndicator() {
  const state = useStudioStore((s) => s.recorderState);
  const problem = useStudioStore((s) => s.recorderProblem);
  const status = useStudioStore((s) => s.recordingStatus);
  const message = problem ?? status?.message ?? null;
  if (state === 'off' && !message) return null;
  return (
    <section
      className="recording-indicator"
      aria-label="Recording"
      data-testid="recording-indicator"
      data-state={state}
    >
      {state !== 'off' && (
        <span className="rec-badge">
          ● REC{status?.active ? ` · ${formatSize(status.active.sizeBytes)}` : ''}
          {status?.disk ? ` · ${formatSize(status.disk.freeBytes)} free` : ''}
        </span>
      )}
      {message && (
        <p
          className={status?.disk.level === 'ok' && !problem ? 'muted' : 'reason'}
          data-testid="recording-message"
        >
          {message}
        </p>
      )}
    </section>
  );
}
