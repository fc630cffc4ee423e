// Compact sets of ids for the aggregator: an id is kept as a 64-bit fingerprint in typed
// arrays (no strings, no objects), so a show's memory is a few bytes per viewer, event id or
// order, and the state is plain data that copies as it is.
//
// Two different ids share a fingerprint with probability 2^-64 per pair: over 10 million ids,
// about 3 in a million that any two do (a viewer or an order would then count once for two).
// Where a fingerprint lands in a table is salted per table, so a producer cannot choose ids
// that pile up in one place.

/** The fingerprint of the last fingerprint() call (two 32-bit halves; never both 0). */
export const fp = { hi: 0, lo: 0 };

/** Sets fp to the string's 64-bit fingerprint (two independent 32-bit multiply-xor hashes). */
export function fingerprint(id: string): void {
  let h1 = 0xdeadbeef ^ id.length;
  let h2 = 0x41c6ce57 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  fp.hi = h1 >>> 0;
  fp.lo = h2 >>> 0 || 1;
}

const MAX_LOAD = 0.75;

/**
 * An open-addressing hash table of fingerprints (linear probing), each with an optional small
 * value (a byte of flags, or a 32-bit index). Ids are never removed one by one.
 */
export class FingerprintTable {
  keys: Uint32Array;
  values: Uint8Array | Uint32Array | null;
  size = 0;
  private mask: number;
  private readonly salt = (Math.random() * 0x100000000) >>> 0;

  constructor(
    capacity = 1024,
    private readonly valueKind: 'none' | 'u8' | 'u32' = 'none',
  ) {
    let cap = 16;
    while (cap < capacity) cap *= 2;
    this.keys = new Uint32Array(cap * 2);
    this.values = this.newValues(cap);
    this.mask = cap - 1;
  }

  /** The slot holding (hi, lo), or -1. */
  find(hi: number, lo: number): number {
    const keys = this.keys;
    for (let i = this.home(hi, lo); ; i = (i + 1) & this.mask) {
      const k = keys[i * 2 + 1]!;
      if (k === 0) return -1;
      if (k === lo && keys[i * 2] === hi) return i;
    }
  }

  /** The slot of (hi, lo), added if new; `added` tells which. */
  insert(hi: number, lo: number): number {
    if ((this.size + 1) / (this.mask + 1) > MAX_LOAD) this.grow();
    const keys = this.keys;
    for (let i = this.home(hi, lo); ; i = (i + 1) & this.mask) {
      const k = keys[i * 2 + 1]!;
      if (k === 0) {
        keys[i * 2] = hi;
        keys[i * 2 + 1] = lo;
        this.size++;
        this.added = true;
        return i;
      }
      if (k === lo && keys[i * 2] === hi) {
        this.added = false;
        return i;
      }
    }
  }
  added = false;

  clear(): void {
    this.keys.fill(0);
    this.values?.fill(0);
    this.size = 0;
  }

  /** Calls back with every fingerprint and its slot. */
  forEach(visit: (hi: number, lo: number, slot: number) => void): void {
    for (let i = 0; i <= this.mask; i++) {
      if (this.keys[i * 2 + 1] !== 0) visit(this.keys[i * 2]!, this.keys[i * 2 + 1]!, i);
    }
  }

  get bytes(): number {
    return this.keys.byteLength + (this.values?.byteLength ?? 0);
  }

  private home(hi: number, lo: number): number {
    return (Math.imul((hi ^ this.salt) + lo, 0x9e3779b1) >>> 0) & this.mask;
  }

  private newValues(cap: number): Uint8Array | Uint32Array | null {
    if (this.valueKind === 'u8') return new Uint8Array(cap);
    if (this.valueKind === 'u32') return new Uint32Array(cap);
    return null;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const cap = (this.mask + 1) * 2;
    this.keys = new Uint32Array(cap * 2);
    this.values = this.newValues(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < oldKeys.length / 2; i++) {
      const lo = oldKeys[i * 2 + 1]!;
      if (lo === 0) continue;
      const slot = this.insert(oldKeys[i * 2]!, lo);
      if (oldValues && this.values) this.values[slot] = oldValues[i]!;
    }
  }
}

/** HyperLogLog with 2^14 registers (16 KiB): a distinct count within about ±0.8 %. */
export class DistinctEstimate {
  private static readonly P = 14;
  readonly registers = new Uint8Array(1 << DistinctEstimate.P);

  add(hi: number, lo: number): void {
    const index = hi >>> (32 - DistinctEstimate.P);
    const rest = ((hi << DistinctEstimate.P) | (lo >>> (32 - DistinctEstimate.P))) >>> 0;
    const rank = Math.min(Math.clz32(rest) + 1, 33);
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  estimate(): number {
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (const r of this.registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const raw = ((0.7213 / (1 + 1.079 / m)) * m * m) / sum;
    return Math.round(raw <= 2.5 * m && zeros > 0 ? m * Math.log(m / zeros) : raw);
  }
}

/** A growable typed array (orders' amounts and flags, by index). */
export class GrowableFloat64 {
  data = new Float64Array(1024);
  length = 0;
  push(value: number): number {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length] = value;
    return this.length++;
  }
}
