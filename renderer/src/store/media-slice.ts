import type { StateCreator } from 'zustand';
import type { ScreenLayout } from '../program/layout';

export interface DeviceOption {
  deviceId: string;
  label: string;
}

export interface MediaSlice {
  cameras: DeviceOption[];
  microphones: DeviceOption[];
  cameraId: string | null;
  microphoneId: string | null;
  cameraOn: boolean;
  microphoneOn: boolean;
  muted: boolean;
  screenSharing: boolean;
  screenLayout: ScreenLayout;
  mirrorCamera: boolean;
  /** The last capture problem, in words for the host; null when all is well. */
  captureError: string | null;
  setMedia(patch: Partial<Omit<MediaSlice, 'setMedia'>>): void;
}

export const createMediaSlice: StateCreator<MediaSlice, [], [], MediaSlice> = (set) => ({
  cameras: [],
  microphones: [],
  cameraId: null,
  microphoneId: null,
  cameraOn: false,
  microphoneOn: false,
  muted: false,
  screenSharing: false,
  screenLayout: 'pip',
  mirrorCamera: false,
  captureError: null,
  setMedia: (patch) => set(patch),
});
