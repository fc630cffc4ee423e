// Rehearsals must never be mistaken for a live show: every place that shows the running
// show shows this badge when it is a rehearsal.
import { useStudioStore } from '../store';

export function RehearsalBadge() {
  const mode = useStudioStore((state) => state.runningShow?.mode);
  if (mode !== 'rehearsal') return null;
  return (
    <span className="rehearsal-badge" data-testid="rehearsal-badge">
      REHEARSAL — simulated shoppers
    </span>
  );
}
