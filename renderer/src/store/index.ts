// One store per window, built from slices. Side effects live in owners outside the store.
import { create } from 'zustand';
import { createConnectionSlice, type ConnectionSlice } from './connection-slice';
import { createLiveSlice, type LiveSlice } from './live-slice';
import { createMediaSlice, type MediaSlice } from './media-slice';
import { createMetricsSlice, type MetricsSlice } from './metrics-slice';
import { createModerationSlice, type ModerationSlice } from './moderation-slice';
import { createNavigationSlice, type NavigationSlice } from './navigation-slice';
import { createProductsSlice, type ProductsSlice } from './products-slice';
import { createRecordingSlice, type RecordingSlice } from './recording-slice';
import { createReplaysSlice, type ReplaysSlice } from './replays-slice';

export type StudioState = ConnectionSlice &
  NavigationSlice &
  MediaSlice &
  LiveSlice &
  MetricsSlice &
  ProductsSlice &
  ModerationSlice &
  RecordingSlice &
  ReplaysSlice;

export const useStudioStore = create<StudioState>()((...args) => ({
  ...createConnectionSlice(...args),
  ...createNavigationSlice(...args),
  ...createMediaSlice(...args),
  ...createLiveSlice(...args),
  ...createProductsSlice(...args),
  ...createMetricsSlice(...args),
  ...createModerationSlice(...args),
  ...createRecordingSlice(...args),
  ...createReplaysSlice(...args),
}));
