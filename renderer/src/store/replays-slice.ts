import type { StateCreator } from 'zustand';
import type {
  ReplayChatMessage,
  ReplayMedia,
  ReplayMoment,
  ReplayStatus,
  ReplayTimeline,
  ShowLibraryEntry,
} from '../../../protocol/replays';

/** The brand manager's view: the show library and the open replay. */
export interface ReplaysSlice {
  library: ShowLibraryEntry[];
  libraryLoading: boolean;
  /** Why part of the library could not be read; null when all is well. */
  libraryProblem: string | null;
  replayShowId: string | null;
  replayStatus: ReplayStatus | null;
  timeline: ReplayTimeline | null;
  media: ReplayMedia | null;
  /** The cursor on the show's time axis (ms epoch). */
  cursor: number | null;
  /** The figures and chat as they stood at (about) the cursor. */
  moment: ReplayMoment | null;
  chatMatches: ReplayChatMessage[] | null;
  replayError: string | null;
  setReplays(patch: Partial<Omit<ReplaysSlice, 'setReplays'>>): void;
}

export const createReplaysSlice: StateCreator<ReplaysSlice, [], [], ReplaysSlice> = (set) => ({
  library: [],
  libraryLoading: false,
  libraryProblem: null,
  replayShowId: null,
  replayStatus: null,
  timeline: null,
  media: null,
  cursor: null,
  moment: null,
  chatMatches: null,
  replayError: null,
  setReplays: (patch) => set(patch),
});
