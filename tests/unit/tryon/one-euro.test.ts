import { describe, expect, it } from 'vitest';
import { OneEuroFilter, OneEuroVectorFilter } from '../../../renderer/src/tryon/one-euro-filter';

// Deterministic noise so the test never flakes.
function noise(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) % 2 ** 32;
    return s / 2 ** 32 - 0.5;
  };
}

const variance = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
};

describe('OneEuroFilter', () => {
  it('passes the first sample and a constant signal unchanged', () => {
    const f = new OneEuroFilter();
    expect(f.filter(5, 0)).toBe(5);
    for (let t = 33; t < 1000; t += 33) expect(f.filter(5, t)).toBeCloseTo(5, 10);
  });

  it('removes most jitter from a still face', () => {
    const f = new OneEuroFilter();
    const rand = noise(1);
    const raw: number[] = [];
    const out: number[] = [];
    for (let i = 0; i < 300; i++) {
      const v = 100 + rand() * 4; // ±2 px of landmark jitter
      raw.push(v);
      out.push(f.filter(v, i * 33));
    }
    expect(variance(out.slice(30))).toBeLessThan(variance(raw.slice(30)) / 4);
  });

  it('follows a fast move with less lag when beta is higher', () => {
    const lagAfterStep = (beta: number) => {
      const f = new OneEuroFilter({ minCutoff: 1, beta, derivativeCutoff: 1 });
      for (let i = 0; i < 10; i++) f.filter(0, i * 33);
      let out = 0;
      for (let i = 10; i < 14; i++) out = f.filter(200, i * 33); // a 200 px jump, 4 frames later
      return 200 - out;
    };
    expect(lagAfterStep(0.05)).toBeLessThan(lagAfterStep(0) / 2);
  });

  it('converges on a step and ignores repeated timestamps', () => {
    const f = new OneEuroFilter();
    f.filter(0, 0);
    let out = 0;
    for (let i = 1; i <= 60; i++) out = f.filter(10, i * 33);
    expect(out).toBeCloseTo(10, 2);
    expect(f.filter(1000, 60 * 33)).toBe(out);
  });

  it('starts over after reset', () => {
    const f = new OneEuroFilter();
    f.filter(0, 0);
    f.filter(0, 33);
    f.reset();
    expect(f.filter(50, 66)).toBe(50);
  });
});

describe('OneEuroVectorFilter', () => {
  it('filters each component on its own and adapts to a new length', () => {
    const f = new OneEuroVectorFilter();
    expect(f.filter([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const next = f.filter([1, 20, 3], 33);
    expect(next[0]).toBe(1);
    expect(next[1]).toBeGreaterThan(2);
    expect(next[1]).toBeLessThan(20);
    expect(f.filter([7, 8], 66)).toEqual([7, 8]);
  });
});
