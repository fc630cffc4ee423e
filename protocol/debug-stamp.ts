// A clock stamped into the program picture for glass-to-glass latency measurements:
// the low 32 bits of Date.now() as a row of black/white blocks in the top-left corner.
// The studio draws it (only when asked: `?debugStamp=1`); a benchmark reads it back from
// the frames a viewer decodes. Big blocks survive video compression.
export const STAMP_BITS = 32;
export const STAMP_BLOCK_PX = 20;

interface FillTarget {
  fillStyle: unknown;
  fillRect(x: number, y: number, width: number, height: number): void;
}

export function drawTimeStamp(ctx: FillTarget, nowMs: number): void {
  const value = nowMs % 2 ** 32;
  for (let bit = 0; bit < STAMP_BITS; bit++) {
    ctx.fillStyle = (value >>> bit) & 1 ? '#ffffff' : '#000000';
    ctx.fillRect(bit * STAMP_BLOCK_PX, 0, STAMP_BLOCK_PX, STAMP_BLOCK_PX);
  }
}

/**
 * Reads the stamp from RGBA pixels of the stamp strip (STAMP_BITS × STAMP_BLOCK_PX wide,
 * STAMP_BLOCK_PX high), sampling each block's centre. Self-contained so a benchmark can
 * pass it into a page.
 */
export function readTimeStamp(rgba: Uint8ClampedArray, stripWidth: number, bits = 32, block = 20): number {
  let value = 0;
  for (let bit = 0; bit < bits; bit++) {
    const x = bit * block + block / 2;
    const i = (Math.floor(block / 2) * stripWidth + Math.floor(x)) * 4;
    const light = ((rgba[i] ?? 0) + (rgba[i + 1] ?? 0) + (rgba[i + 2] ?? 0)) / 3;
    if (light > 128) value += 2 ** bit;
  }
  return value;
}
