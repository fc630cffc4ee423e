// One Euro filter (Casiez, Roussel and Vogel, CHI 2012): a low-pass filter whose
// cutoff rises with speed. Still faces get strong smoothing (no jitter on the
// glasses), fast head turns get little (no lag). Written from the paper's equations.

export interface OneEuroOptions {
  /** Cutoff in Hz when the signal is still; lower = smoother and laggier. */
  minCutoff: number;
  /** How fast the cutoff rises with speed; higher = less lag on quick moves. */
  beta: number;
  /** Cutoff in Hz for the speed estimate itself. */
  derivativeCutoff: number;
}

// Tuned for landmarks in pixels at 15-30 tracked frames a second.
export const DEFAULT_ONE_EURO: OneEuroOptions = { minCutoff: 1.5, beta: 0.02, derivativeCutoff: 1 };

/** Smoothing factor of an exponential low-pass with the given cutoff over dt seconds. */
function alpha(cutoffHz: number, dtSeconds: number): number {
  const tau = 1 / (2 * Math.PI * cutoffHz);
  return 1 / (1 + tau / dtSeconds);
}

export class OneEuroFilter {
  private value: number | undefined;
  private speed = 0;
  private lastTimeMs = 0;

  constructor(private readonly options: OneEuroOptions = DEFAULT_ONE_EURO) {}

  /** Filters one sample taken at timeMs (milliseconds, increasing). */
  filter(sample: number, timeMs: number): number {
    if (this.value === undefined) {
      this.value = sample;
      this.lastTimeMs = timeMs;
      return sample;
    }
    const dt = (timeMs - this.lastTimeMs) / 1000;
    // A repeated or out-of-order timestamp carries no new timing information.
    if (dt <= 0) return this.value;
    this.lastTimeMs = timeMs;

    const rawSpeed = (sample - this.value) / dt;
    this.speed += alpha(this.options.derivativeCutoff, dt) * (rawSpeed - this.speed);
    const cutoff = this.options.minCutoff + this.options.beta * Math.abs(this.speed);
    this.value += alpha(cutoff, dt) * (sample - this.value);
    return this.value;
  }

  /** Forget the history, e.g. when the face was lost and found again elsewhere. */
  reset(): void {
    this.value = undefined;
    this.speed = 0;
  }
}

/**
 * Filters a fixed-length vector of numbers (e.g. every landmark coordinate flattened)
 * with one One Euro filter per component.
 */
export class OneEuroVectorFilter {
  private filters: OneEuroFilter[] = [];

  constructor(private readonly options: OneEuroOptions = DEFAULT_ONE_EURO) {}

  filter(values: readonly number[], timeMs: number): number[] {
    if (this.filters.length !== values.length) {
      this.filters = values.map(() => new OneEuroFilter(this.options));
    }
    return values.map((v, i) => (this.filters[i] as OneEuroFilter).filter(v, timeMs));
  }

  reset(): void {
    this.filters = [];
  }
}
