import { useStudioStore } from '../store';
import { ReplayPlayer } from './ReplayPlayer';
import { ShowLibraryView } from './ShowLibraryView';

/** The brand manager's view: the show library, or the replay of one show. */
export function ReplaysView() {
  const showId = useStudioStore((state) => state.replayShowId);
  return showId ? <ReplayPlayer /> : <ShowLibraryView />;
}
