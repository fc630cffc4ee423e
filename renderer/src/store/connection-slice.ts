import type { StateCreator } from 'zustand';
import type { StudioStatus } from '../../../protocol/contract';
import type { LinkState } from '../studio-client';

export interface ConnectionSlice {
  /** The link between this window and the studio services. */
  link: LinkState;
  /** Kafka and SFU status as the services see them; null until the first answer. */
  status: StudioStatus | null;
  setLink(link: LinkState): void;
  setStatus(status: StudioStatus): void;
}

export const createConnectionSlice: StateCreator<ConnectionSlice, [], [], ConnectionSlice> = (set) => ({
  link: 'connecting',
  status: null,
  setLink: (link) => set({ link }),
  setStatus: (status) => set({ status }),
});
