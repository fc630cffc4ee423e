import type { StateCreator } from 'zustand';
import type { ChatMessage, RehearsalStatus } from '../../../protocol/contract';
import type { ShowMetricsSnapshot, ShowPipelineStatus } from '../../../protocol/metrics';
import type { ShowState } from '../../../protocol/show';

/** The running show's live figures, as main/services/live-metrics.ts pushes them. */
export interface MetricsSlice {
  /** The show the studio is running (live or rehearsal); null when none. */
  runningShow: ShowState | null;
  metrics: ShowMetricsSnapshot | null;
  pipeline: ShowPipelineStatus | null;
  /** Most recent chat messages, oldest first. Untrusted text: render as text only. */
  chatFeed: ChatMessage[];
  rehearsal: RehearsalStatus | null;
  /** Why the last dashboard action failed, in words for the host. */
  metricsError: string | null;
  setMetricsState(patch: Partial<Omit<MetricsSlice, 'setMetricsState'>>): void;
}

export const createMetricsSlice: StateCreator<MetricsSlice, [], [], MetricsSlice> = (set) => ({
  runningShow: null,
  metrics: null,
  pipeline: null,
  chatFeed: [],
  rehearsal: null,
  metricsError: null,
  setMetricsState: (patch) => set(patch),
});
