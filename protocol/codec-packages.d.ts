// Types for the pure JS codec packages that ship none (only what protocol/kafka-codecs.ts uses).
declare module 'snappyjs' {
  const snappy: {
    compress(data: Uint8Array): Uint8Array;
    uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
  };
  export default snappy;
}

declare module 'lz4js' {
  const lz4: {
    compressBound(size: number): number;
    /** Returns the compressed size in dst, or 0 when nothing could be compressed. */
    compressBlock(
      src: Uint8Array,
      dst: Uint8Array,
      from: number,
      length: number,
      hashTable: Uint32Array,
    ): number;
    /** Returns the end index in dst. */
    decompressBlock(src: Uint8Array, dst: Uint8Array, from: number, length: number, dstFrom: number): number;
  };
  export default lz4;
}

declare module 'lz4js/xxh32.js' {
  const xxh32: { hash(seed: number, data: Uint8Array, from: number, length: number): number };
  export default xxh32;
}
