import type { StateCreator } from 'zustand';
import type { RecordingStatus } from '../../../protocol/recording';

/** The live show's recording: what the studio services hold, and this window's recorder. */
export interface RecordingSlice {
  /** As main/recording pushes it (disk space, the running show's recording). */
  recordingStatus: RecordingStatus | null;
  /** This window's MediaRecorder. */
  recorderState: 'off' | 'recording' | 'stopping';
  /** Why this window is not recording, in words for the host; null when all is well. */
  recorderProblem: string | null;
  setRecording(patch: Partial<Omit<RecordingSlice, 'setRecording'>>): void;
}

export const createRecordingSlice: StateCreator<RecordingSlice, [], [], RecordingSlice> = (set) => ({
  recordingStatus: null,
  recorderState: 'off',
  recorderProblem: null,
  setRecording: (patch) => set(patch),
});
