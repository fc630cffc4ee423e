// A compact strip of the running show's key numbers, for the Studio view.
import { useStudioStore } from '../store';
import { selectKeyFigures } from '../store/metrics-slice';
import { KpiTiles } from './KpiTiles';
import { RehearsalBadge } from './RehearsalBadge';

const KEY_TILES = ['viewers-now', 'chat-per-minute', 'orders', 'revenue', 'conversion'];

export function KeyNumbers() {
  const figures = useStudioStore(selectKeyFigures);
  const show = useStudioStore((state) => state.runningShow);
  if (!show) return null;
  return (
    <section className="key-numbers" aria-label="Key numbers" data-testid="key-numbers">
      <RehearsalBadge />
      {figures ? (
        <KpiTiles snapshot={figures} only={KEY_TILES} />
      ) : (
        <span className="muted">Waiting for events…</span>
      )}
    </section>
  );
}
