// The outgoing stream's health while live: bitrate, frame rate, resolution, loss, round trip.
import { useStudioStore } from '../store';

export function StreamHealthPanel() {
  const health = useStudioStore((state) => state.streamHealth);
  const phase = useStudioStore((state) => state.livePhase);
  if (phase !== 'live' || !health) return null;
  return (
    <section
      className="stream-health"
      aria-label="Stream health"
      data-testid="stream-health"
      data-level={health.level}
    >
      <dl>
        <dt>Video</dt>
        <dd data-testid="health-video">
          {health.width}×{health.height} · {health.fps.toFixed(0)} fps · {health.videoKbps} kbps
        </dd>
        <dt>Audio</dt>
        <dd>{health.audioKbps} kbps</dd>
        <dt>Loss</dt>
        <dd>{(health.packetLoss * 100).toFixed(1)} %</dd>
        <dt>Round trip</dt>
        <dd>{health.rttMs === null ? '–' : `${health.rttMs} ms`}</dd>
        <dt>Limited by</dt>
        <dd>{health.qualityLimitation}</dd>
      </dl>
      {health.warnings.length > 0 && (
        <ul className="error">
          {health.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
