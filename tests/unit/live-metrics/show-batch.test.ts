import { describe, expect, it } from 'vitest';
import { batchMessages, packBatch } from '../../../main/live-metrics/show-batch';

describe('packBatch', () => {
  it('round-trips keys and values, including null ones, empty ones and multibyte text', () => {
    const messages = [
      { key: Buffer.from('show-1'), value: Buffer.from('{"a":1}') },
      { key: null, value: Buffer.from('ñ 🛍️') },
      { key: Buffer.from('show-2'), value: null },
      { key: Buffer.alloc(0), value: Buffer.alloc(0) },
      { key: null, value: null },
    ];
    const back = batchMessages(packBatch(messages));
    expect(back.map((m) => [m.key?.toString() ?? null, m.value?.toString() ?? null])).toEqual(
      messages.map((m) => [m.key?.toString() ?? null, m.value?.toString() ?? null]),
    );
  });

  it('packs a batch into one buffer (key and value bytes plus a 16-byte entry per message)', () => {
    const buffer = packBatch([{ key: Buffer.from('k'), value: Buffer.from('vv') }]);
    expect(buffer.byteLength).toBe(4 + 16 + 3);
    expect(batchMessages(packBatch([]))).toEqual([]);
  });

  it('copies the bytes (a packed batch does not change when the fetch buffer is reused)', () => {
    const value = Buffer.from('abc');
    const buffer = packBatch([{ key: null, value }]);
    value.write('xyz');
    expect(batchMessages(buffer)[0]!.value!.toString()).toBe('abc');
  });
});
