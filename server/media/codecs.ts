import type { types } from 'mediasoup';

/**
 * What every show room's router offers. Chromium publishes VP8 or H264 and opus;
 * the headless Node viewer (@roamhq/wrtc) only decodes VP8, so VP8 comes first.
 */
export const showMediaCodecs: types.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: {} },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  },
];
