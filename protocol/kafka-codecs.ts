// How Kafka record batches are compressed on the wire, for every Kafka client of ours (the
// studio, the audience simulator, the SFU process): gzip, snappy, LZ4 and ZSTD, as Kafka's
// own producers write them. Pure JS codecs, so nothing needs an install script.
//
// - snappy: Kafka's Java client writes xerial framing (a 16-byte header, then length-prefixed
//   snappy blocks); librdkafka and kafkajs write one raw snappy block. Both are read.
// - LZ4: the LZ4 frame format (magic 0x184D2204), with or without block and content
//   checksums, linked or independent blocks. Written with independent 64 KiB blocks, as Kafka's
//   Java client does.
// - ZSTD: read only (no pure JS compressor is well kept); producing ZSTD says so.
//
// A batch that still cannot be read (a codec we do not know, corrupt data, or more than
// maxBatchBytes once decompressed) must not stop a consumer: kafkajs would fail the whole fetch,
// forever. Its records are replaced by placeholders carrying UNDECODABLE_HEADER; the last one
// holds the batch's compressed bytes, so it can be dead-lettered and re-fed later.
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import lz4 from 'lz4js';
import xxh32 from 'lz4js/xxh32.js';
import snappy from 'snappyjs';

/** Marks a placeholder record of a batch that could not be decompressed; its value says why. */
export const UNDECODABLE_HEADER = 'shopcast-undecodable';
/** On the placeholder that carries the batch (the batch's last record): the compressed bytes' codec. */
export const UNDECODABLE_CODEC_HEADER = 'shopcast-undecodable-codec';
/** On the same placeholder: "<first offset>-<last offset>", the offsets the batch covered. */
export const UNDECODABLE_OFFSETS_HEADER = 'shopcast-undecodable-offsets';

export const KAFKA_CODEC_NAMES: Record<number, string> = { 1: 'gzip', 2: 'snappy', 3: 'lz4', 4: 'zstd' };

export interface KafkaCodecOptions {
  /** A batch larger than this once decompressed is refused (a decompression bomb). */
  maxBatchBytes: number;
}
export const DEFAULT_CODEC_OPTIONS: KafkaCodecOptions = { maxBatchBytes: 64 * 1024 * 1024 };

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}
/** kafkajs's CompressionCodecs (passed in: protocol/ does not import kafkajs). */
export type KafkaCodecTable = Record<number, () => Codec>;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Registers every codec (and a refusing one for unknown codec ids 5–7) with kafkajs. Idempotent. */
export function registerKafkaCodecs(table: KafkaCodecTable, options: Partial<KafkaCodecOptions> = {}): void {
  const opts = { ...DEFAULT_CODEC_OPTIONS, ...options };
  const codecs: Record<number, Omit<Codec, 'decompress'> & { decode(b: Buffer): Promise<Buffer> | Buffer }> =
    {
      1: {
        compress: (e) => gzipAsync(e.buffer),
        decode: (b) => gunzipAsync(b, { maxOutputLength: opts.maxBatchBytes }),
      },
      2: {
        compress: async (e) => snappyCompress(e.buffer),
        decode: (b) => snappyDecompress(b, opts.maxBatchBytes),
      },
      3: {
        compress: async (e) => lz4Compress(e.buffer),
        decode: (b) => lz4Decompress(b, opts.maxBatchBytes),
      },
      4: {
        compress: () =>
          Promise.reject(new Error('producing ZSTD is not supported here; use gzip, snappy or lz4')),
        decode: (b) => zstdDecompress(b, opts.maxBatchBytes),
      },
    };
  for (let type = 1; type <= 7; type++) {
    const codec = codecs[type];
    const name = KAFKA_CODEC_NAMES[type] ?? `codec ${type}`;
    const entry: Codec = {
      compress: codec?.compress ?? (() => Promise.reject(new Error(`unknown compression ${name}`))),
      decompress: async (buffer) => {
        let reason: string;
        try {
          if (!codec) throw new Error('unknown compression codec');
          const records = Buffer.from(await codec.decode(buffer));
          const header = batchHeader(buffer, type);
          if (!header || recordsFit(records, header.count)) return records;
          reason = 'the decompressed records are malformed';
        } catch (error) {
          reason = (error as Error).message;
        }
        const header = batchHeader(buffer, type);
        // Without a verified header there is nothing safe to skip: fail as kafkajs would.
        if (!header) throw new Error(`${name}: ${reason}`);
        return placeholderRecords(header, name, `${name}: ${reason}`.slice(0, 200), buffer);
      },
    };
    table[type] = () => entry;
  }
}

// snappy ------------------------------------------------------------------------

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

function snappyCompress(data: Buffer): Buffer {
  return Buffer.from(snappy.compress(data));
}

function snappyDecompress(data: Buffer, max: number): Buffer {
  if (data.length < 16 || !data.subarray(0, 8).equals(XERIAL_MAGIC)) {
    return Buffer.from(snappy.uncompress(data, max));
  }
  const parts: Buffer[] = [];
  let total = 0;
  for (let at = 16; at < data.length;) {
    if (at + 4 > data.length) throw new Error('truncated xerial snappy chunk');
    const size = data.readUInt32BE(at);
    at += 4;
    if (at + size > data.length) throw new Error('truncated xerial snappy chunk');
    const part = Buffer.from(snappy.uncompress(data.subarray(at, at + size), max - total));
    total += part.length;
    parts.push(part);
    at += size;
  }
  return Buffer.concat(parts, total);
}

// LZ4 frame -----------------------------------------------------------------------

const LZ4_MAGIC = 0x184d2204;
const LZ4_BLOCK_SIZES: Record<number, number> = { 4: 0x10000, 5: 0x40000, 6: 0x100000, 7: 0x400000 };
const LZ4_WRITE_BLOCK = 0x10000;

const lz4HeaderChecksum = (frame: Uint8Array, from: number, to: number) =>
  (xxh32.hash(0, frame, from, to - from) >>> 8) & 0xff;

function lz4Compress(data: Buffer): Buffer {
  const out = Buffer.alloc(7 + Math.ceil(data.length / LZ4_WRITE_BLOCK + 1) * (LZ4_WRITE_BLOCK + 4) + 4);
  out.writeUInt32LE(LZ4_MAGIC, 0);
  out[4] = 0x60; // version 01, independent blocks, no checksums
  out[5] = 4 << 4; // 64 KiB blocks
  out[6] = lz4HeaderChecksum(out, 4, 6);
  let at = 7;
  const block = new Uint8Array(lz4.compressBound(LZ4_WRITE_BLOCK));
  const hashTable = new Uint32Array(1 << 16);
  for (let from = 0; from < data.length; from += LZ4_WRITE_BLOCK) {
    const size = Math.min(LZ4_WRITE_BLOCK, data.length - from);
    hashTable.fill(0); // independent blocks: no match reaches into an earlier one
    const packed = lz4.compressBlock(data.subarray(from, from + size), block, 0, size, hashTable);
    if (packed > 0 && packed < size) {
      out.writeUInt32LE(packed, at);
      out.set(block.subarray(0, packed), at + 4);
      at += 4 + packed;
    } else {
      out.writeUInt32LE((0x80000000 | size) >>> 0, at);
      data.copy(out, at + 4, from, from + size);
      at += 4 + size;
    }
  }
  out.writeUInt32LE(0, at);
  return out.subarray(0, at + 4);
}

function lz4Decompress(src: Buffer, max: number): Buffer {
  let out = new Uint8Array(Math.min(max, Math.max(1024, src.length * 4)));
  let size = 0;
  let at = 0;
  while (at < src.length) {
    const magic = src.readUInt32LE(at);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      at += 8 + src.readUInt32LE(at + 4); // a skippable frame
      continue;
    }
    if (magic !== LZ4_MAGIC) throw new Error('not an LZ4 frame');
    const flags = src[at + 4]!;
    if (flags >> 6 !== 1) throw new Error('unsupported LZ4 frame version');
    const blockChecksums = (flags & 0x10) !== 0;
    const contentSize = (flags & 0x08) !== 0;
    const contentChecksum = (flags & 0x04) !== 0;
    const dictionary = (flags & 0x01) !== 0;
    const blockMax = LZ4_BLOCK_SIZES[(src[at + 5]! >> 4) & 7];
    if (!blockMax) throw new Error('invalid LZ4 block size');
    const headerEnd = at + 6 + (contentSize ? 8 : 0) + (dictionary ? 4 : 0);
    if (src[headerEnd] !== lz4HeaderChecksum(src, at + 4, headerEnd))
      throw new Error('bad LZ4 header checksum');
    at = headerEnd + 1;
    const frameStart = size;
    for (;;) {
      if (at + 4 > src.length) throw new Error('truncated LZ4 frame');
      const word = src.readUInt32LE(at);
      at += 4;
      if (word === 0) break;
      const stored = (word & 0x80000000) !== 0;
      const length = word & 0x7fffffff;
      if (length > blockMax || at + length + (blockChecksums ? 4 : 0) > src.length)
        throw new Error('invalid LZ4 block');
      if (blockChecksums && xxh32.hash(0, src, at, length) !== src.readUInt32LE(at + length))
        throw new Error('bad LZ4 block checksum');
      const needed = size + (stored ? length : blockMax);
      if (needed > out.length) {
        if (size + length > max) throw new Error(`more than ${max} bytes once decompressed`);
        const grown = new Uint8Array(Math.min(max, Math.max(out.length * 2, needed)));
        grown.set(out.subarray(0, size));
        out = grown;
      }
      if (stored) {
        out.set(src.subarray(at, at + length), size);
        size += length;
      } else {
        const end = lz4.decompressBlock(src, out, at, length, size);
        if (end > out.length || end - size > blockMax)
          throw new Error(`more than ${max} bytes once decompressed`);
        size = end;
      }
      at += length + (blockChecksums ? 4 : 0);
    }
    if (contentChecksum) {
      if (at + 4 > src.length) throw new Error('truncated LZ4 frame');
      if (xxh32.hash(0, out, frameStart, size - frameStart) !== src.readUInt32LE(at))
        throw new Error('bad LZ4 content checksum');
      at += 4;
    }
  }
  return Buffer.from(out.buffer, out.byteOffset, size);
}

// ZSTD ----------------------------------------------------------------------------

function zstdDecompress(src: Buffer, max: number): Buffer {
  // fzstd sizes its window from the frame header: refuse a window larger than the limit first.
  if (src.length >= 6 && src.readUInt32LE(0) === 0xfd2fb528 && ((src[4]! >> 5) & 1) === 0) {
    const descriptor = src[5]!;
    const base = 2 ** (10 + (descriptor >> 3));
    if (base + (base / 8) * (descriptor & 7) > max) throw new Error('ZSTD window larger than allowed');
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  const stream = new ZstdDecompress((chunk) => {
    total += chunk.length;
    if (total > max) throw new Error(`more than ${max} bytes once decompressed`);
    parts.push(chunk);
  });
  stream.push(src, true);
  return Buffer.concat(parts, total);
}

// Undecodable batches ---------------------------------------------------------------

/** What kafkajs already read of the batch around `records`, checked before it is trusted. */
interface BatchHeader {
  firstOffset: bigint;
  lastOffsetDelta: number;
  count: number;
}

// Record batch v2: firstOffset(8) length(4) leaderEpoch(4) magic(1) crc(4) attributes(2)
// lastOffsetDelta(4) firstTimestamp(8) maxTimestamp(8) producerId(8) producerEpoch(2)
// firstSequence(4) count(4), then the (compressed) records.
const BATCH_HEADER_BYTES = 61;

/**
 * kafkajs hands a codec the compressed records as a view into the fetch response, right after
 * the batch header. Reads that header, and trusts it only if it describes exactly this buffer
 * and its CRC-32C matches, so a different buffer can never be misread.
 */
function batchHeader(records: Buffer, codecType: number): BatchHeader | null {
  const start = records.byteOffset - BATCH_HEADER_BYTES;
  if (start < 0) return null;
  const batch = Buffer.from(records.buffer, start, BATCH_HEADER_BYTES + records.length);
  if (batch[16] !== 2 || batch.readInt32BE(8) !== 49 + records.length) return null;
  if ((batch.readInt16BE(21) & 0x07) !== codecType) return null;
  if (crc32c(batch, 21) !== batch.readUInt32BE(17)) return null;
  const count = batch.readInt32BE(57);
  const lastOffsetDelta = batch.readInt32BE(23);
  if (count < 1 || lastOffsetDelta < 0 || count > lastOffsetDelta + 1) return null;
  return { firstOffset: batch.readBigInt64BE(0), lastOffsetDelta, count };
}

/** Whether `data` holds exactly `count` length-prefixed records (what kafkajs will decode). */
function recordsFit(data: Buffer, count: number): boolean {
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = readVarint(data, at);
    if (!length || length.value < 0) return false;
    at = length.next + length.value;
    if (at > data.length) return false;
  }
  return at === data.length;
}

function readVarint(data: Buffer, at: number): { value: number; next: number } | null {
  let raw = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    if (at >= data.length) return null;
    const byte = data[at++]!;
    raw += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value: raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2, next: at };
  }
  return null;
}

function writeVarint(out: number[], value: number): void {
  let raw = value >= 0 ? value * 2 : -value * 2 - 1;
  while (raw >= 0x80) {
    out.push((raw % 0x80) | 0x80);
    raw = Math.floor(raw / 0x80);
  }
  out.push(raw);
}

/**
 * `count` records in place of the batch's: each marked with UNDECODABLE_HEADER; the last one,
 * at the batch's last offset (so a consumer moves past the whole batch), also carries the
 * compressed bytes and where they came from.
 */
function placeholderRecords(header: BatchHeader, codec: string, reason: string, compressed: Buffer): Buffer {
  const parts: Buffer[] = [];
  const lastOffset = header.firstOffset + BigInt(header.lastOffsetDelta);
  for (let i = 0; i < header.count; i++) {
    const last = i === header.count - 1;
    const headers: [string, string][] = [[UNDECODABLE_HEADER, reason]];
    if (last) {
      headers.push([UNDECODABLE_CODEC_HEADER, codec]);
      headers.push([UNDECODABLE_OFFSETS_HEADER, `${header.firstOffset}-${lastOffset}`]);
    }
    const body: number[] = [0]; // attributes
    writeVarint(body, 0); // timestamp delta
    writeVarint(body, last ? header.lastOffsetDelta : Math.min(i, header.lastOffsetDelta));
    writeVarint(body, -1); // no key
    const head = Buffer.from(body);
    const valueLength: number[] = [];
    writeVarint(valueLength, last ? compressed.length : -1);
    const tail: number[] = [];
    writeVarint(tail, headers.length);
    const headerBytes: Buffer[] = [];
    for (const [key, value] of headers) {
      const k = Buffer.from(key);
      const v = Buffer.from(value);
      const lengths: number[] = [];
      writeVarint(lengths, k.length);
      headerBytes.push(Buffer.from(lengths), k);
      const vl: number[] = [];
      writeVarint(vl, v.length);
      headerBytes.push(Buffer.from(vl), v);
    }
    const record = Buffer.concat([
      head,
      Buffer.from(valueLength),
      ...(last ? [compressed] : []),
      Buffer.from(tail),
      ...headerBytes,
    ]);
    const length: number[] = [];
    writeVarint(length, record.length);
    parts.push(Buffer.from(length), record);
  }
  return Buffer.concat(parts);
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(data: Uint8Array, from: number): number {
  let crc = 0xffffffff;
  for (let i = from; i < data.length; i++) crc = CRC32C_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
