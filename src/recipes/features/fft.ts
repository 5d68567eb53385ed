/** Twiddle factors and the bit-reversal permutation of one transform size. */
interface FftPlan {
  readonly size: number;
  /** cos(2πk / size) and -sin(2πk / size) for k < size / 2. */
  readonly cosines: Float64Array;
  readonly negativeSines: Float64Array;
  /** Position of input sample i in the bit-reversed order. */
  readonly reversed: Uint32Array;
}

// One plan per power of two that has been used; there are at most 32 sizes.
const plans = new Map<number, FftPlan>();

/** Returns the smallest power of two ≥ n, and 1 for n = 0, as LibEMG's FFT length. */
export function nextPowerOfTwo(n: number): number {
  let size = 1;
  while (size < n) {
    size *= 2;
  }
  return size;
}

/** Returns the cached plan for `size`, a power of two. */
export function fftPlan(size: number): FftPlan {
  const cached = plans.get(size);
  if (cached !== undefined) {
    return cached;
  }
  const half = size >> 1;
  const cosines = new Float64Array(half);
  const negativeSines = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    // Each angle computed directly, not by a recurrence, keeps every twiddle within an ulp.
    const angle = (2 * Math.PI * k) / size;
    cosines[k] = Math.cos(angle);
    negativeSines[k] = -Math.sin(angle);
  }
  const reversed = new Uint32Array(size);
  let bits = 0;
  while (1 << bits < size) {
    bits++;
  }
  for (let i = 0; i < size; i++) {
    let j = 0;
    for (let b = 0; b < bits; b++) {
      j |= ((i >> b) & 1) << (bits - 1 - b);
    }
    reversed[i] = j;
  }
  const plan = { size, cosines, negativeSines, reversed };
  plans.set(size, plan);
  return plan;
}

/**
 * Computes in place the forward DFT X[k] = Σ x[t] e^(-2πikt/size) of `real` + i `imaginary`,
 * which must already be in bit-reversed order (see {@link FftPlan.reversed}). Iterative
 * radix-2 decimation in time.
 */
export function fftInPlace(plan: FftPlan, real: Float64Array, imaginary: Float64Array): void {
  const { size, cosines, negativeSines } = plan;
  for (let span = 1; span < size; span *= 2) {
    const stride = size / (2 * span);
    for (let blockStart = 0; blockStart < size; blockStart += 2 * span) {
      for (let j = 0; j < span; j++) {
        const wReal = cosines[j * stride] as number;
        const wImaginary = negativeSines[j * stride] as number;
        const top = blockStart + j;
        const bottom = top + span;
        const bottomReal = real[bottom] as number;
        const bottomImaginary = imaginary[bottom] as number;
        const productReal = bottomReal * wReal - bottomImaginary * wImaginary;
        const productImaginary = bottomReal * wImaginary + bottomImaginary * wReal;
        const topReal = real[top] as number;
        const topImaginary = imaginary[top] as number;
        real[top] = topReal + productReal;
        imaginary[top] = topImaginary + productImaginary;
        real[bottom] = topReal - productReal;
        imaginary[bottom] = topImaginary - productImaginary;
      }
    }
  }
}
