/**
 * A small seeded pseudo-random generator for synthetic signals: the same seed gives the same
 * sequence on every platform, which `Math.random` cannot promise.
 */

/** Golden-ratio increment of the mulberry32 state (2^32 / φ, rounded to an odd integer). */
const STATE_INCREMENT = 0x6d2b79f5;

/**
 * Mixes a 32-bit integer into a well-spread 32-bit integer (the MurmurHash3 finalizer). Used to
 * derive independent seeds, such as one per class, from a user's seed.
 */
export function mixUint32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Derives a 32-bit seed from a base seed and a list of integers, so that streams seeded from
 * different `parts` are unrelated.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let state = mixUint32(seed >>> 0);
  for (const part of parts) {
    state = mixUint32(state ^ mixUint32((part >>> 0) + STATE_INCREMENT));
  }
  return state;
}

/**
 * The mulberry32 generator (32 bits of state, period 2^32) with standard-normal draws by the
 * Box-Muller transform. Not suitable for cryptography.
 */
export class Mulberry32 {
  #state: number;
  #spareGaussian: number | undefined;

  /** @param seed any number; only its low 32 bits are used. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Returns the next integer, uniform on [0, 2^32). */
  nextUint32(): number {
    this.#state = (this.#state + STATE_INCREMENT) >>> 0;
    let x = this.#state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return (x ^ (x >>> 14)) >>> 0;
  }

  /** Returns the next number, uniform on [0, 1) in steps of 2^-32. */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * Returns the next draw from the standard normal distribution (mean 0, variance 1). Draws come
   * in pairs from the Box-Muller transform, so every second call uses no new random numbers.
   */
  nextGaussian(): number {
    const spare = this.#spareGaussian;
    if (spare !== undefined) {
      this.#spareGaussian = undefined;
      return spare;
    }

    // 1 - u lies in (0, 1], so the logarithm stays finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.nextFloat()));
    const angle = 2 * Math.PI * this.nextFloat();
    this.#spareGaussian = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}
