// The Kafka compression codecs (protocol/kafka-codecs.ts) through kafkajs's own record batch
// encoder and decoder: every codec round-trips, the framings other producers write are read,
// and a batch that cannot be decompressed turns into placeholders instead of an error.
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import snappy from 'snappyjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  UNDECODABLE_CODEC_HEADER,
  UNDECODABLE_HEADER,
  UNDECODABLE_OFFSETS_HEADER,
  registerKafkaCodecs,
  type KafkaCodecTable,
} from '../../../protocol/kafka-codecs';

// kafkajs's internal batch codec: the exact code path a fetch response takes.
const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (batch: object) => Promise<{ buffer: Buffer }>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: object) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{
  records: { offset: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer> }[];
}>;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const Long = require('kafkajs/src/utils/long') as { fromValue(v: number | string): unknown };

const table = CompressionCodecs as unknown as KafkaCodecTable;
beforeAll(() => registerKafkaCodecs(table, { maxBatchBytes: 4 * 1024 * 1024 }));

const values = Array.from({ length: 300 }, (_, i) =>
  JSON.stringify({ id: `e${i}`, type: 'chat.message', text: 'hello '.repeat(i % 40) }),
);

async function encode(compression: number, firstOffset = 1000, list = values): Promise<Buffer> {
  const records = list.map((value, i) =>
    Record({ offsetDelta: i, key: Buffer.from('show-1'), value: Buffer.from(value) }),
  );
  const batch = await RecordBatch({
    compression,
    firstOffset: Long.fromValue(firstOffset),
    lastOffsetDelta: list.length - 1,
    records,
  });
  // As in a fetch response: the batch sits inside a larger buffer.
  return Buffer.concat([Buffer.from('padding before the batch'), batch.buffer]).subarray(24);
}

const decode = async (buffer: Buffer) => (await decodeBatch(new Decoder(buffer))).records;

/** The batch with its compressed records replaced (CRC recomputed, as a broker-valid batch would have). */
function withRecords(batch: Buffer, compressed: Buffer): Buffer {
  const header = Buffer.from(batch.subarray(0, 61));
  header.writeInt32BE(49 + compressed.length, 8);
  const out = Buffer.concat([header, compressed]);
  out.writeUInt32BE(crc32c(out.subarray(21)), 17);
  return out;
}

function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('Kafka codecs', () => {
  for (const [name, type] of [
    ['gzip', CompressionTypes.GZIP],
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
  ] as const) {
    it(`${name} round-trips a batch through kafkajs`, async () => {
      const records = await decode(await encode(type));
      expect(records.map((r) => r.value?.toString())).toEqual(values);
      expect(records.map((r) => r.offset)).toEqual(values.map((_, i) => String(1000 + i)));
      expect(records.every((r) => !r.headers[UNDECODABLE_HEADER])).toBe(true);
    });
  }

  it('reads snappy in the xerial framing the Java client writes, split over several chunks', async () => {
    const plain = await encode(CompressionTypes.None);
    const raw = plain.subarray(61);
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const chunks = [raw.subarray(0, 1000), raw.subarray(1000)].flatMap((part) => {
      const packed = Buffer.from(snappy.compress(part));
      const length = Buffer.alloc(4);
      length.writeUInt32BE(packed.length);
      return [length, packed];
    });
    const batch = withRecords(await encode(CompressionTypes.Snappy), Buffer.concat([header, ...chunks]));
    const records = await decode(batch);
    expect(records.map((r) => r.value?.toString())).toEqual(values);
  });

  it('turns a corrupt batch into placeholders: one per record, the last carrying the compressed bytes', async () => {
    const good = await encode(CompressionTypes.LZ4, 5000, values.slice(0, 3));
    const corrupt = Buffer.from(good.subarray(61));
    corrupt.fill(0x55, 7, 30); // inside the first block
    const records = await decode(withRecords(good, corrupt));
    expect(records).toHaveLength(3);
    expect(records.map((r) => r.offset)).toEqual(['5000', '5001', '5002']);
    for (const r of records) expect(String(r.headers[UNDECODABLE_HEADER])).toMatch(/^lz4: /);
    const last = records[2]!;
    expect(last.value).toEqual(corrupt);
    expect(last.key).toBeNull();
    expect(String(last.headers[UNDECODABLE_CODEC_HEADER])).toBe('lz4');
    expect(String(last.headers[UNDECODABLE_OFFSETS_HEADER])).toBe('5000-5002');
    expect(records[0]!.value).toBeNull();
  });

  it('refuses a batch that would decompress beyond the limit (a bomb) the same way', async () => {
    const bomb = gzipSync(Buffer.alloc(5 * 1024 * 1024));
    const records = await decode(withRecords(await encode(CompressionTypes.GZIP, 0, ['x']), bomb));
    expect(records).toHaveLength(1);
    expect(String(records[0]!.headers[UNDECODABLE_HEADER])).toMatch(/^gzip: /);
    expect(records[0]!.value).toEqual(bomb);
  });

  it('refuses an unknown codec id without failing the fetch', async () => {
    const good = await encode(CompressionTypes.GZIP, 7, values.slice(0, 2));
    const batch = withRecords(good, good.subarray(61));
    batch.writeInt16BE(6, 21); // codec 6 does not exist
    batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
    const records = await decode(batch);
    expect(records.map((r) => String(r.headers[UNDECODABLE_HEADER]))).toEqual([
      'codec 6: unknown compression codec',
      'codec 6: unknown compression codec',
    ]);
  });

  it('still fails (as kafkajs does) when the batch around the records cannot be verified', async () => {
    const good = await encode(CompressionTypes.LZ4, 0, values.slice(0, 2));
    const corrupt = Buffer.from(good.subarray(61));
    corrupt.fill(0x55, 7, 20);
    const batch = withRecords(good, corrupt);
    batch.writeUInt32BE(1, 17); // wrong CRC: the header cannot be trusted
    await expect(decode(batch)).rejects.toThrow(/lz4/);
  });
});
