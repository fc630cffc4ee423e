import type { StateCreator } from 'zustand';

export const VIEWS = [
  { id: 'studio', label: 'Studio' },
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'moderation', label: 'Moderation' },
  { id: 'replays', label: 'Replays' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

export interface NavigationSlice {
  view: ViewId;
  showView(view: ViewId): void;
}

export const createNavigationSlice: StateCreator<NavigationSlice, [], [], NavigationSlice> = (set) => ({
  view: 'studio',
  showView: (view) => set({ view }),
});
