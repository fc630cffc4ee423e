// Calls that carry bytes (recording chunks) as one binary WebSocket frame, and back.
import { describe, expect, it } from 'vitest';
import { binaryFieldOf, decodeBinaryCall, encodeBinaryCall, parseRequest } from '../../../protocol/rpc';

describe('binary calls', () => {
  const bytes = new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0, 255]);

  it('round-trips the request, bytes included, and the result passes the contract', () => {
    const request = { showId: 'show-1', part: 1, offset: 42, bytes };
    const decoded = decodeBinaryCall(encodeBinaryCall(7, 'appendRecordingChunk', request));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.call).toMatchObject({ kind: 'call', id: 7, op: 'appendRecordingChunk' });
    expect(decoded.call.request).toEqual({ showId: 'show-1', part: 1, offset: 42, bytes });
    expect(parseRequest(decoded.call.op, decoded.call.request).ok).toBe(true);
  });

  it('finds the one bytes field, and refuses two', () => {
    expect(binaryFieldOf({ a: 1 })).toBeNull();
    expect(binaryFieldOf({ a: 1, chunk: bytes })).toBe('chunk');
    expect(() => binaryFieldOf({ a: bytes, b: bytes })).toThrow(/one bytes field/);
  });

  it('says why a frame is unreadable instead of throwing', () => {
    const cases: Uint8Array[] = [
      new Uint8Array([0, 0]),
      new Uint8Array([0xff, 0xff, 0xff, 0xff, 1]),
      new Uint8Array([0, 0, 0, 2, 0x7b, 0x7d]),
      new Uint8Array([0, 0, 0, 3, 0xc3, 0x28, 0x7b]),
      (() => {
        const header = new TextEncoder().encode(
          '{"kind":"call","id":1,"op":"x","request":[1],"binaryField":"b"}',
        );
        const frame = new Uint8Array(4 + header.length);
        new DataView(frame.buffer).setUint32(0, header.length);
        frame.set(header, 4);
        return frame;
      })(),
    ];
    for (const frame of cases) expect(decodeBinaryCall(frame).ok).toBe(false);
  });

  it('lets the contract refuse a chunk that is too large or not bytes', () => {
    const big = { showId: 'show-1', part: 1, offset: 0, bytes: new Uint8Array(300 * 1024) };
    expect(parseRequest('appendRecordingChunk', big).ok).toBe(false);
    expect(
      parseRequest('appendRecordingChunk', { showId: 'show-1', part: 1, offset: 0, bytes: 'AAAA' }).ok,
    ).toBe(false);
  });
});
