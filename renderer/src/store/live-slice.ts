import type { StateCreator } from 'zustand';

/** Where going live stands, as the publisher reports it. */
export type LivePhase = 'idle' | 'preflight' | 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed';

export interface PreflightResult {
  name: string;
  ok: boolean;
  /** Why it failed, in words for the host; null when it passed. */
  reason: string | null;
}

export type HealthLevel = 'good' | 'warning' | 'bad';

/** The outgoing stream as the host's send transport measures it (see media/stream-health.ts). */
export interface StreamHealth {
  videoKbps: number;
  audioKbps: number;
  fps: number;
  width: number;
  height: number;
  /** Share of packets the SFU reported lost, 0..1. */
  packetLoss: number;
  rttMs: number | null;
  /** Why the browser sends less than asked ('none', 'cpu', 'bandwidth', 'other'). */
  qualityLimitation: string;
  level: HealthLevel;
  warnings: string[];
}

export interface LiveSlice {
  livePhase: LivePhase;
  /** Reconnect attempt number while reconnecting. */
  liveAttempt: number;
  /** Why going live failed or the show ended unexpectedly. */
  liveReason: string | null;
  preflight: PreflightResult[];
  liveShowId: string | null;
  viewerUrl: string | null;
  /** The next show's viewer link while off air (shareable before going live). */
  upcomingViewerUrl: string | null;
  viewerCount: number;
  streamHealth: StreamHealth | null;
  /** The host asked to end the show and has not confirmed yet. */
  confirmingEnd: boolean;
  setLive(patch: Partial<Omit<LiveSlice, 'setLive'>>): void;
}

export const createLiveSlice: StateCreator<LiveSlice, [], [], LiveSlice> = (set) => ({
  livePhase: 'idle',
  liveAttempt: 0,
  liveReason: null,
  preflight: [],
  liveShowId: null,
  viewerUrl: null,
  upcomingViewerUrl: null,
  viewerCount: 0,
  streamHealth: null,
  confirmingEnd: false,
  setLive: (patch) => set(patch),
});
