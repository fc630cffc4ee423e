import type { StateCreator } from 'zustand';
import type { ChatMessage, RehearsalStatus } from '../../../protocol/contract';
import {
  newerHeadline,
  type ShowHeadline,
  type ShowMetricsSnapshot,
  type ShowPipelineStatus,
} from '../../../protocol/metrics';
import type { ShowState } from '../../../protocol/show';

/** The running show's live figures, as main/live-metrics/live-metrics.ts pushes them. */
export interface MetricsSlice {
  /** The show the studio is running (live or rehearsal); null when none. */
  runningShow: ShowState | null;
  metrics: ShowMetricsSnapshot | null;
  /** The KPI figures alone, pushed sooner than whole snapshots (see selectKeyFigures). */
  headline: ShowHeadline | null;
  pipeline: ShowPipelineStatus | null;
  /** Most recent chat messages, oldest first. Untrusted text: render as text only. */
  chatFeed: ChatMessage[];
  rehearsal: RehearsalStatus | null;
  /** Why the last dashboard action failed, in words for the host. */
  metricsError: string | null;
  setMetricsState(patch: Partial<Omit<MetricsSlice, 'setMetricsState'>>): void;
}

/** The freshest KPI figures: the headline when it is newer than the whole snapshot. */
export const selectKeyFigures = (state: MetricsSlice): ShowHeadline | null =>
  newerHeadline(state.metrics, state.headline);

export const createMetricsSlice: StateCreator<MetricsSlice, [], [], MetricsSlice> = (set) => ({
  runningShow: null,
  metrics: null,
  headline: null,
  pipeline: null,
  chatFeed: [],
  rehearsal: null,
  metricsError: null,
  setMetricsState: (patch) => set(patch),
});
