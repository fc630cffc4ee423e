// Pure parts of going live: stream health warnings and the latency clock stamp.
import { describe, expect, it } from 'vitest';
import { assessHealth } from '../../../renderer/src/going-live/stream-health';
import { drawTimeStamp, readTimeStamp, STAMP_BITS, STAMP_BLOCK_PX } from '../../../protocol/debug-stamp';

const healthy = {
  videoKbps: 1200,
  audioKbps: 32,
  fps: 30,
  width: 1280,
  height: 720,
  packetLoss: 0,
  rttMs: 3,
  qualityLimitation: 'none',
};

describe('stream health', () => {
  it('is good when nothing is wrong', () => {
    expect(assessHealth(healthy)).toEqual({ level: 'good', warnings: [] });
  });

  it('warns about each problem and escalates to bad', () => {
    const warned = assessHealth({ ...healthy, fps: 15, qualityLimitation: 'cpu' });
    expect(warned.level).toBe('warning');
    expect(warned.warnings).toEqual(['Low frame rate (15 fps)', 'Quality limited by cpu']);
    expect(assessHealth({ ...healthy, packetLoss: 0.2 }).level).toBe('bad');
    expect(assessHealth({ ...healthy, rttMs: 400 }).warnings).toEqual(['High round trip (400 ms)']);
  });
});

describe('latency stamp', () => {
  it('reads back the clock it drew', () => {
    const width = STAMP_BITS * STAMP_BLOCK_PX;
    const rgba = new Uint8ClampedArray(width * STAMP_BLOCK_PX * 4);
    const ctx = {
      fillStyle: '#000000' as unknown,
      fillRect(x: number, y: number, w: number, h: number) {
        const v = this.fillStyle === '#ffffff' ? 255 : 0;
        for (let row = y; row < y + h; row++)
          for (let col = x; col < x + w; col++)
            rgba.fill(v, (row * width + col) * 4, (row * width + col) * 4 + 3);
      },
    };
    const now = Date.UTC(2026, 10, 25, 10, 0, 0, 123);
    drawTimeStamp(ctx, now);
    expect(readTimeStamp(rgba, width, STAMP_BITS, STAMP_BLOCK_PX)).toBe(now % 2 ** 32);
  });
});
